//! The main window: created when first asked for, kept warm for a while after a close,
//! then emptied of its page and kept hidden.
//!
//! A tray app that kept its webview alive would carry the web engine's processes (most of
//! its memory) all day. Building a fresh one costs a few hundred milliseconds, though,
//! mostly WebKit starting its web process. So closing the window only hides it for
//! `[window] keep_warm_seconds` (30 by default): opening it again within that time just
//! shows it. After that the page goes: WebKit's web process is ended, then its network
//! process, and Till hands the memory they used in its own process back to the kernel
//! (`crate::working_set`). The hidden window and its empty web view stay, and the next
//! open loads the page into them again.
//!
//! Why not destroy the window: in Tauri 2.12 a destroyed window's GTK window and web view
//! are never freed, about 70 KiB each time in a plain Tauri app
//! (`tests/bench/tauri-hello/examples/window_cycles.rs`). Ending only the page stays
//! under 1 KiB a cycle there (`hibernate_cycles.rs` beside it), about 1 KiB in Till
//! (`scripts/bench creep`), and the next open skips building the window and its web view.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
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

/// Counts closes, opens and preparations: a page end scheduled by one goes ahead only if
/// nothing happened to the window since.
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

/// Whether the main window is hidden with its page ended: the next open loads it again.
static PAGE_ENDED: AtomicBool = AtomicBool::new(false);

/// Whether the main window's page has been ended since it was last shown.
pub fn page_ended() -> bool {
    PAGE_ENDED.load(Ordering::SeqCst)
}

/// On a close: hides the window, and ends its page once it has stayed closed for
/// `keep_warm` (at once with no warm time).
fn on_close_requested(app: &AppHandle, api: &tauri::CloseRequestApi) {
    let Some(window) = app.get_webview_window(MAIN_WINDOW) else {
        return;
    };
    api.prevent_close();
    if let Err(error) = window.hide() {
        tracing::warn!(%error, "could not hide the window; closing it");
        let _ = window.destroy();
        return;
    }
    let warm = keep_warm(app);
    if warm.is_zero() {
        WINDOW_GENERATION.fetch_add(1, Ordering::SeqCst);
        end_page(app, &window);
        return;
    }
    end_page_after(app, warm, "the window closed");
}

/// How long a page loaded for a tray menu that opened, and then not shown, is kept at
/// least (longer with a longer keep-warm time).
const PREPARED_FOR: Duration = Duration::from_secs(10);

/// The tray menu opened: a person may be about to choose Open Till, so the hidden window
/// loads its page now (building the window the first time), unless it is on screen or
/// already has one. Opening the window then only shows it. A page not shown is ended
/// like a closed window's, after `PREPARED_FOR` or the keep-warm time. Off with
/// `[window] prepare_on_menu = false`.
#[cfg_attr(not(target_os = "linux"), allow(dead_code))] // only Linux reports the menu
pub fn prepare_main(app: &AppHandle) {
    if !app.state::<AppState>().settings.window.prepare_on_menu {
        return;
    }
    let prepared = match app.get_webview_window(MAIN_WINDOW) {
        Some(window) if window.is_visible().unwrap_or(false) => return,
        Some(window) => {
            if PAGE_ENDED.swap(false, Ordering::SeqCst) {
                tracing::info!("the tray menu opened: loading the window's page");
                window.reload()
            } else {
                Ok(())
            }
        }
        None => build_main(app, false).map(|_| ()),
    };
    if let Err(error) = prepared {
        tracing::warn!(%error, "could not get the window ready");
        return;
    }
    end_page_after(
        app,
        keep_warm(app).max(PREPARED_FOR),
        "the window was not opened",
    );
}

/// Ends the hidden window's page after `delay`, unless the window was shown, closed or
/// prepared again meanwhile.
fn end_page_after(app: &AppHandle, delay: Duration, why: &'static str) {
    let generation = WINDOW_GENERATION.fetch_add(1, Ordering::SeqCst) + 1;
    let app = app.clone();
    std::thread::spawn(move || {
        std::thread::sleep(delay);
        let handle = app.clone();
        let posted = app.run_on_main_thread(move || {
            if WINDOW_GENERATION.load(Ordering::SeqCst) != generation {
                return; // shown, closed or prepared since
            }
            if let Some(window) = handle.get_webview_window(MAIN_WINDOW) {
                tracing::info!(
                    after_secs = delay.as_secs(),
                    why,
                    "ending the hidden window's page"
                );
                end_page(&handle, &window);
            }
        });
        if let Err(error) = posted {
            tracing::warn!(%error, "could not reach the main thread to end the window's page");
        }
    });
}

/// Ends the hidden window's page and, once its web process has gone, WebKit's network
/// process (Linux). Elsewhere the window is destroyed.
fn end_page(app: &AppHandle, window: &tauri::WebviewWindow) {
    #[cfg(target_os = "linux")]
    {
        PAGE_ENDED.store(true, Ordering::SeqCst);
        crate::webengine::end_page(app, window);
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = app;
        if let Err(error) = window.destroy() {
            tracing::warn!(%error, "could not tear down the closed window");
        }
    }
}

fn try_show_main(app: &AppHandle) -> tauri::Result<()> {
    let Some(window) = app.get_webview_window(MAIN_WINDOW) else {
        return build_main(app, true).map(|_| ());
    };
    // A warm or prepared window is shown as it is; an ended page is loaded again, and
    // asks for its route as it starts.
    WINDOW_GENERATION.fetch_add(1, Ordering::SeqCst);
    if PAGE_ENDED.swap(false, Ordering::SeqCst) {
        tracing::info!("loading the window's page again");
        window.reload()?;
    }
    window.unminimize()?;
    window.show()?;
    window.set_focus()
}

/// Builds the main window, on screen or (for a tray menu that opened) hidden.
fn build_main(app: &AppHandle, visible: bool) -> tauri::Result<tauri::WebviewWindow> {
    let started = std::time::Instant::now();
    let window = WebviewWindowBuilder::new(app, MAIN_WINDOW, WebviewUrl::App("index.html".into()))
        .title("Till")
        .inner_size(980.0, 660.0)
        .min_inner_size(640.0, 420.0)
        .center()
        .visible(visible)
        .build()?;
    #[cfg(target_os = "linux")]
    crate::webengine::configure(&window);
    let handle = app.clone();
    window.on_window_event(move |event| {
        if let WindowEvent::CloseRequested { api, .. } = event {
            on_close_requested(&handle, api);
        }
    });
    if visible {
        window.set_focus()?;
    }
    tracing::info!(
        elapsed_ms = started.elapsed().as_millis() as u64,
        visible,
        "main window created"
    );
    Ok(window)
}
