//! `till-desktop`: starts Till in the tray. All the work is in the library crate.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    match till_desktop::run() {
        Ok(code) => std::process::exit(code),
        Err(error) => {
            eprintln!("till-desktop: {error}");
            std::process::exit(1);
        }
    }
}
