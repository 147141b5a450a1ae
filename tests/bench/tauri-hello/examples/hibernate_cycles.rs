//! Opens one web view window and, 60 times, hides it and ends its page's web process,
//! then loads the page again and shows it, printing the process's anonymous resident
//! memory every 10 cycles: what Till does with its closed window
//! (`src-tauri/src/windows.rs`), in the plain Tauri app. Beside `window_cycles.rs`
//! (a window destroyed and built again each cycle, which leaks), this stays flat.
//!
//!   cargo build -p tauri-hello --example hibernate_cycles
//!   scripts/lib/desktop-session.sh target/debug/examples/hibernate_cycles
#![forbid(unsafe_code)]

mod common;

use std::time::Duration;

use tauri::{AppHandle, Manager, WebviewUrl, WebviewWindowBuilder};
use webkit2gtk::WebViewExt;

const CYCLES: u32 = 60;
const OPEN_FOR: Duration = Duration::from_millis(1200);
const CLOSED_FOR: Duration = Duration::from_millis(800);
const LABEL: &str = "cycled";

/// Runs `action` on the cycled window, on the main thread.
fn with_window(
    app: &AppHandle,
    action: impl FnOnce(&tauri::WebviewWindow) -> tauri::Result<()> + Send + 'static,
) {
    let handle = app.clone();
    let posted = app.run_on_main_thread(move || {
        let done = match handle.get_webview_window(LABEL) {
            Some(window) => action(&window),
            None => WebviewWindowBuilder::new(&handle, LABEL, WebviewUrl::App("index.html".into()))
                .title("Cycle")
                .build()
                .map(|_| ()),
        };
        if let Err(error) = done {
            eprintln!("hibernate_cycles: {error}");
        }
    });
    if let Err(error) = posted {
        eprintln!("hibernate_cycles: {error}");
    }
}

fn cycle(app: &AppHandle) {
    with_window(app, |_| Ok(())); // builds it
    for cycle in 1..=CYCLES {
        std::thread::sleep(OPEN_FOR);
        with_window(app, |window| {
            window.hide()?;
            window.with_webview(|webview| webview.inner().terminate_web_process())
        });
        std::thread::sleep(CLOSED_FOR);
        with_window(app, |window| {
            window.reload()?;
            window.show()
        });
        if cycle % 10 == 0 {
            let kib = common::anonymous_resident_kib().unwrap_or(0);
            eprintln!("{cycle} cycles: anonymous resident {kib} KiB");
        }
    }
    std::process::exit(0);
}

fn main() {
    common::run("hibernate_cycles", cycle);
}
