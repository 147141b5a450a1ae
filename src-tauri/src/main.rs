//! `till-desktop`: starts Till in the tray. All the work is in the library crate.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    if let Err(error) = till_desktop::run() {
        eprintln!("till-desktop: {error}");
        std::process::exit(1);
    }
}
