//! The main window: created when asked for, destroyed when closed.
//!
//! A tray app that kept its webview alive would carry the web engine's processes (most of
//! its memory) all day. So closing the window destroys it, and opening builds a fresh one;
//! the UI is a small local bundle, so that stays quick.

use tauri::{AppHandle, Emitter, Manager, WebviewUrl, WebviewWindowBuilder};

use crate::route::Route;
use crate::state::AppState;

/// The main window's label, as granted in `capabilities/main-window.json`.
pub const MAIN_WINDOW: &str = "main";

/// The event that tells an open window to fetch its route (`take_route`).
pub const ROUTE_EVENT: &str = "till://route";

/// Shows the main window at `route`: a new window asks for it when it loads, an open
/// one is told by an event.
pub fn show_at(app: &AppHandle, route: Route) {
    app.state::<AppState>().set_route(route);
    show_main(app);
    if let Err(error) = app.emit_to(MAIN_WINDOW, ROUTE_EVENT, ()) {
        tracing::warn!(%error, "could not tell the window where to go");
    }
}

/// Shows and focuses the main window, creating it if it is closed. Failures are logged:
/// a tray click has nowhere else to report them.
pub fn show_main(app: &AppHandle) {
    if let Err(error) = try_show_main(app) {
        tracing::error!(%error, "could not open the main window");
    }
}

fn try_show_main(app: &AppHandle) -> tauri::Result<()> {
    if let Some(window) = app.get_webview_window(MAIN_WINDOW) {
        window.unminimize()?;
        window.show()?;
        return window.set_focus();
    }
    let started = std::time::Instant::now();
    let window = WebviewWindowBuilder::new(app, MAIN_WINDOW, WebviewUrl::App("index.html".into()))
        .title("Till")
        .inner_size(980.0, 660.0)
        .min_inner_size(640.0, 420.0)
        .center()
        .build()?;
    #[cfg(target_os = "linux")]
    {
        crate::webengine::configure(&window);
        let handle = app.clone();
        window.on_window_event(move |event| {
            if matches!(event, tauri::WindowEvent::Destroyed) {
                crate::webengine::release_after_close(&handle);
            }
        });
    }
    window.set_focus()?;
    tracing::info!(
        elapsed_ms = started.elapsed().as_millis() as u64,
        "main window created"
    );
    Ok(())
}
