//! Quick search as a web window (`ui/quick.html`), where no native popup exists yet.
//!
//! Building a web view takes longer than the 100 ms quick search has, so the window is
//! built hidden ahead of time ("prewarm") and only shown and hidden afterwards. That
//! costs one web engine's memory while Till sits in the tray; `[quick_search] prewarm =
//! false` trades it back for a slower first open.

use tauri::{AppHandle, Emitter, Manager, WebviewUrl, WebviewWindowBuilder, WindowEvent};

/// The quick window's label, as granted in `capabilities/quick-window.json`.
const QUICK_WINDOW: &str = "quick";
/// Tells the quick window it is being shown (reset the query, reload the list).
const OPENED_EVENT: &str = "till://quick-opened";

/// Builds the hidden quick window now.
pub fn prewarm(app: &AppHandle) {
    if let Err(error) = build(app, false) {
        tracing::warn!(%error, "could not prepare the quick search window");
    }
}

fn build(app: &AppHandle, visible: bool) -> tauri::Result<tauri::WebviewWindow> {
    let window = WebviewWindowBuilder::new(app, QUICK_WINDOW, WebviewUrl::App("quick.html".into()))
        .title("Till quick search")
        .inner_size(560.0, 380.0)
        .resizable(false)
        .decorations(false)
        .always_on_top(true)
        .skip_taskbar(true)
        .center()
        .visible(visible)
        .build()?;
    // Closing only hides it: the next open stays instant.
    let handle = window.clone();
    window.on_window_event(move |event| {
        if let WindowEvent::CloseRequested { api, .. } = event {
            api.prevent_close();
            let _ = handle.hide();
        }
    });
    Ok(window)
}

/// Shows the quick window (building it if it was not prewarmed) with focus.
pub fn show(app: &AppHandle) {
    let started = std::time::Instant::now();
    let shown = match app.get_webview_window(QUICK_WINDOW) {
        Some(window) => window
            .show()
            .and_then(|()| window.set_focus())
            .and_then(|()| window.emit(OPENED_EVENT, ())),
        None => build(app, true).and_then(|window| window.set_focus()),
    };
    match shown {
        Ok(()) => tracing::info!(
            elapsed_ms = started.elapsed().as_millis() as u64,
            "quick search shown"
        ),
        Err(error) => tracing::error!(%error, "could not show quick search"),
    }
}

/// Hides the quick window.
pub fn hide(app: &AppHandle) {
    if let Some(window) = app.get_webview_window(QUICK_WINDOW) {
        if let Err(error) = window.hide() {
            tracing::warn!(%error, "could not hide quick search");
        }
    }
}
