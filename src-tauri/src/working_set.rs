//! When Till hands idle memory back to the kernel (`till_working_set`): once start-up is
//! done, and after the window's web engine has gone. Both leave code in Till's process
//! that nothing runs until the next start or open.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tauri::AppHandle;

/// Counts requests: of several made within each other's delay, only the last one trims.
static REQUESTS: AtomicU64 = AtomicU64::new(0);

/// Trims now, on the calling thread (the main thread: see [`trim_later`]).
pub fn trim(reason: &'static str) {
    match till_working_set::trim() {
        Ok(trimmed) => tracing::info!(
            reason,
            file_kib = trimmed.file_kib,
            mappings = trimmed.mappings,
            refused = trimmed.refused,
            heap_returned = trimmed.heap_returned,
            "handed idle memory back to the kernel"
        ),
        Err(error) => tracing::warn!(%error, reason, "could not read this process's memory map"),
    }
}

/// Trims on the main thread after `delay`, unless another request came meanwhile (that
/// one trims instead). The main thread is where GTK and WebKit load their modules, so no
/// library is being mapped while the map is read and advised.
pub fn trim_later(app: &AppHandle, delay: Duration, reason: &'static str) {
    let request = REQUESTS.fetch_add(1, Ordering::SeqCst) + 1;
    let app = app.clone();
    std::thread::spawn(move || {
        std::thread::sleep(delay);
        if REQUESTS.load(Ordering::SeqCst) != request {
            return;
        }
        if let Err(error) = app.run_on_main_thread(move || trim(reason)) {
            tracing::warn!(%error, "could not reach the main thread to trim memory");
        }
    });
}
