//! The main window: created when asked for, kept warm for a while after a close, then
//! destroyed.
//!
//! A tray app that kept its webview alive would carry the web engine's processes (most of
//! its memory) all day. Building a fresh one costs a few hundred milliseconds, though,
//! mostly WebKit starting its web process. So closing the window only hides it for
//! `[window] keep_warm_seconds` (30 by default): opening it again within that time just
//! shows it. After that the window is destroyed, WebKit's processes end, and Till hands
//! the memory they used in its own process back to the kernel (`crate::working_set`).

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tauri::{AppHandle, Emitter, Manager, WebviewUrl, WebviewWindowBuilder, WindowEvent};

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

/// Counts closes and opens: a teardown scheduled at a close goes ahead only if nothing
/// happened to the window since.
static WINDOW_GENERATION: AtomicU64 = AtomicU64::new(0);

/// How long a closed window stays ready: `[window] keep_warm_seconds`, or
/// `TILL_WINDOW_KEEP_WARM_SECONDS` (tests).
fn keep_warm(app: &AppHandle) -> Duration {
    let from_env = std::env::var("TILL_WINDOW_KEEP_WARM_SECONDS")
        .ok()
        .and_then(|value| value.parse::<u32>().ok());
    let mut settings = app.state::<AppState>().settings.window.clone();
    if let Some(seconds) = from_env {
        settings.keep_warm_seconds = seconds;
    }
    settings.keep_warm()
}

/// On a close: hides the window and destroys it once it has stayed closed for
/// `keep_warm`; with no warm time, lets the close go ahead.
fn on_close_requested(app: &AppHandle, api: &tauri::CloseRequestApi) {
    let warm = keep_warm(app);
    if warm.is_zero() {
        return;
    }
    let Some(window) = app.get_webview_window(MAIN_WINDOW) else {
        return;
    };
    api.prevent_close();
    if let Err(error) = window.hide() {
        tracing::warn!(%error, "could not hide the window; closing it");
        let _ = window.destroy();
        return;
    }
    let generation = WINDOW_GENERATION.fetch_add(1, Ordering::SeqCst) + 1;
    let app = app.clone();
    std::thread::spawn(move || {
        std::thread::sleep(warm);
        let handle = app.clone();
        let posted = app.run_on_main_thread(move || {
            if WINDOW_GENERATION.load(Ordering::SeqCst) != generation {
                return; // shown again (and maybe closed again) since
            }
            if let Some(window) = handle.get_webview_window(MAIN_WINDOW) {
                tracing::info!(
                    after_secs = warm.as_secs(),
                    "tearing down the closed window"
                );
                if let Err(error) = window.destroy() {
                    tracing::warn!(%error, "could not tear down the closed window");
                }
            }
        });
        if let Err(error) = posted {
            tracing::warn!(%error, "could not reach the main thread to tear down the window");
        }
    });
}

fn try_show_main(app: &AppHandle) -> tauri::Result<()> {
    if let Some(window) = app.get_webview_window(MAIN_WINDOW) {
        // A warm window (closed but not yet torn down) is shown as it was.
        WINDOW_GENERATION.fetch_add(1, Ordering::SeqCst);
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
    crate::webengine::configure(&window);
    let handle = app.clone();
    window.on_window_event(move |event| match event {
        WindowEvent::CloseRequested { api, .. } => on_close_requested(&handle, api),
        #[cfg(target_os = "linux")]
        WindowEvent::Destroyed => crate::webengine::release_after_close(&handle),
        _ => {}
    });
    window.set_focus()?;
    tracing::info!(
        elapsed_ms = started.elapsed().as_millis() as u64,
        "main window created"
    );
    Ok(())
}
