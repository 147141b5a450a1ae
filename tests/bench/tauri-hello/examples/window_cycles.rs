//! Builds and destroys a web view window 60 times in the plain Tauri app and prints the
//! process's anonymous resident memory every 10 cycles. It grows about 70 KiB a cycle:
//! Tauri 2.12 never frees a destroyed window's GTK window and web view on Linux. That is
//! why Till keeps its closed window and ends only its page (`src-tauri/src/windows.rs`);
//! `hibernate_cycles.rs` does that here, and stays flat.
//!
//!   cargo build -p tauri-hello --example window_cycles
//!   scripts/lib/desktop-session.sh target/debug/examples/window_cycles
#![forbid(unsafe_code)]

mod common;

use std::time::Duration;

use tauri::{AppHandle, Manager, WebviewUrl, WebviewWindowBuilder};

const CYCLES: u32 = 60;
const OPEN_FOR: Duration = Duration::from_millis(1200);
const CLOSED_FOR: Duration = Duration::from_millis(800);

fn on_main_thread(app: &AppHandle, action: impl FnOnce(&AppHandle) + Send + 'static) {
    let handle = app.clone();
    if let Err(error) = app.run_on_main_thread(move || action(&handle)) {
        eprintln!("window_cycles: {error}");
    }
}

fn cycle(app: &AppHandle) {
    for cycle in 1..=CYCLES {
        let label = format!("cycle-{cycle}");
        let open = label.clone();
        on_main_thread(app, move |app| {
            let built = WebviewWindowBuilder::new(app, &open, WebviewUrl::App("index.html".into()))
                .title("Cycle")
                .build();
            if let Err(error) = built {
                eprintln!("window_cycles: {error}");
            }
        });
        std::thread::sleep(OPEN_FOR);
        on_main_thread(app, move |app| {
            if let Some(window) = app.get_webview_window(&label) {
                let _ = window.destroy();
            }
        });
        std::thread::sleep(CLOSED_FOR);
        if cycle % 10 == 0 {
            let kib = common::anonymous_resident_kib().unwrap_or(0);
            eprintln!("{cycle} cycles: anonymous resident {kib} KiB");
        }
    }
    std::process::exit(0);
}

fn main() {
    common::run("window_cycles", cycle);
}
