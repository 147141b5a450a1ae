//! Keeps the web engine small while Till sits in the tray (Linux, WebKitGTK).
//!
//! Before GTK starts, two settings keep OpenGL (Mesa, and with llvmpipe all of LLVM:
//! ≈30 MiB PSS) out of Till's own process: `GDK_GL=disable` stops GDK probing GL visuals
//! at start, and `WEBKIT_DISABLE_COMPOSITING_MODE=1` has the web process draw the page
//! with cairo and hand the UI process plain pixels. Till's pages are forms and lists,
//! which gain nothing from GPU compositing. Either is left alone when the user set it
//! (the end-to-end suite sets both back: WebKitWebDriver's screenshots hang without them).
//!
//! Once a closed window's keep-warm time is over (`crate::windows`), Till ends its page's
//! web process, but the web context keeps its network process (≈40 MiB PSS) for the
//! app's life, and WebKitGTK 2.4x offers no call to end it. So once the web process is
//! gone, Till ends that process itself; WebKit starts both again for the next load (the
//! end-to-end suite reopens the window after this). The context also uses the
//! document-viewer cache model: a local bundle gains nothing from memory caches.
//!
//! WebKitGTK 2.50 still opens an EGL display in Till's process on the first page load,
//! whatever the settings above say, and with it Mesa and all of LLVM: 8 MiB of LLVM's
//! relocated data alone stays dirty for the life of the tray app. With compositing off
//! that display serves nothing, so `till_quiet_gl` has Till's own EGL dispatcher start
//! with no driver; the web process, started later, gets the drivers as usual (it aborts
//! without them). Left alone when compositing is on: the UI side then needs the display.
//!
//! The window still leaves WebKit's UI side and JavaScriptCore in Till's own process.
//! Once the helpers have gone, `crate::working_set` hands those pages back to the kernel.

use std::sync::OnceLock;
use std::time::{Duration, Instant};

use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;
use tauri::{AppHandle, WebviewWindow};
use webkit2gtk::{CacheModel, WebContextExt, WebViewExt};

/// How long to wait for the web process to exit once its page was ended.
const WEB_PROCESS_EXIT: Duration = Duration::from_secs(5);
const POLL: Duration = Duration::from_millis(50);
/// Process names as the kernel keeps them (15 characters).
const WEB_PROCESS: &str = "WebKitWebProces";
const NETWORK_PROCESS: &str = "WebKitNetworkPr";

/// WebKit's switches for GPU compositing.
const COMPOSITING_OFF: &str = "WEBKIT_DISABLE_COMPOSITING_MODE";
const COMPOSITING_FORCED: &str = "WEBKIT_FORCE_COMPOSITING_MODE";

/// Environment for GTK and WebKit, set before either starts (see the module's doc).
const QUIET_GL: [(&str, &str); 2] = [("GDK_GL", "disable"), (COMPOSITING_OFF, "1")];

/// The variables Till set itself (not the user), to keep out of programs it starts.
static SET_BY_TILL: OnceLock<Vec<&'static str>> = OnceLock::new();

/// Sets GTK's and WebKit's environment and, with compositing off, keeps GL drivers out
/// of Till's process; call first thing, before any thread starts. Log what it returns
/// once logging is up.
pub fn prepare_environment() -> GlDrivers {
    let mut set = Vec::new();
    for (name, value) in QUIET_GL {
        if std::env::var_os(name).is_none() {
            std::env::set_var(name, value);
            set.push(name);
        }
    }
    let _ = SET_BY_TILL.set(set);
    if compositing_on() {
        return GlDrivers::NeededForCompositing;
    }
    match till_quiet_gl::keep_drivers_out() {
        Ok(()) => GlDrivers::KeptOut,
        Err(reason) => GlDrivers::NotKeptOut(reason),
    }
}

/// Whether WebKit composites: the user forced it, or did not turn it off.
fn compositing_on() -> bool {
    set_to_yes(COMPOSITING_FORCED) || !set_to_yes(COMPOSITING_OFF)
}

/// WebKit's reading of its switches: set, and to anything but empty or `0`.
fn set_to_yes(name: &str) -> bool {
    std::env::var_os(name).is_some_and(|value| !value.is_empty() && value != "0")
}

/// What [`prepare_environment`] did about GL drivers in Till's own process.
#[derive(Debug)]
pub enum GlDrivers {
    /// Till's EGL dispatcher has no driver; the web process still gets them.
    KeptOut,
    /// Compositing is on (the user set it), and WebKit's UI side needs a display.
    NeededForCompositing,
    /// The dispatcher could not be steered; the first page loads the drivers, as before.
    NotKeptOut(till_quiet_gl::NotKeptOut),
}

impl GlDrivers {
    pub fn log(&self) {
        match self {
            Self::KeptOut => tracing::info!("GL drivers kept out of Till's process"),
            Self::NeededForCompositing => {
                tracing::info!("GL drivers left to WebKit: compositing is on")
            }
            Self::NotKeptOut(reason) => {
                tracing::info!(%reason, "GL drivers will load with the first page")
            }
        }
    }
}

/// Keeps Till's own GL settings out of a program it starts (the browser): they suit
/// Till's forms, not someone's browser.
pub fn clean_child_environment(command: &mut std::process::Command) {
    for name in SET_BY_TILL.get().into_iter().flatten() {
        command.env_remove(name);
    }
}

/// Sets up a new window's web context for a short-lived local page.
pub fn configure(window: &WebviewWindow) {
    let configured = window.with_webview(|webview| {
        if let Some(context) = webview.inner().context() {
            context.set_cache_model(CacheModel::DocumentViewer);
        }
    });
    if let Err(error) = configured {
        tracing::warn!(%error, "could not configure the web context");
    }
}

/// Ends a hidden window's page: its web process goes now and, once it has, the network
/// process. Waits on a thread of its own; decides on the main thread, where pages are
/// loaded, so a window shown again meanwhile keeps its network process.
pub fn end_page(app: &AppHandle, window: &WebviewWindow) {
    let ended = window.with_webview(|webview| webview.inner().terminate_web_process());
    if let Err(error) = ended {
        tracing::warn!(%error, "could not end the window's web process");
        return;
    }
    let app = app.clone();
    let window = window.clone();
    std::thread::spawn(move || {
        let deadline = Instant::now() + WEB_PROCESS_EXIT;
        while !helpers(WEB_PROCESS).is_empty() && Instant::now() < deadline {
            std::thread::sleep(POLL);
        }
        let posted = app.run_on_main_thread(move || {
            if crate::windows::page_ended() && helpers(WEB_PROCESS).is_empty() {
                end_network_process();
                release_drawing_buffer(&window);
                crate::working_set::trim("the window's web engine ended");
            }
        });
        if let Err(error) = posted {
            tracing::warn!(%error, "could not reach the main thread to free the web engine");
        }
    });
}

/// Hands back the shared memory the hidden window's last frames went through. On X11,
/// cairo sends pixels to the server through a MIT-SHM pool the size of the window
/// (≈2.5 MiB for Till's) and frees an empty pool only when it next needs shared memory,
/// which a hidden window never does. Making and dropping a tiny image surface for the
/// window is such a need: cairo frees the blocks the server is done with, then the empty
/// pool. The next frame makes a new one, as the first did.
fn release_drawing_buffer(window: &WebviewWindow) {
    use gtk::prelude::WidgetExt;
    let Some(surface) = window.gtk_window().ok().and_then(|gtk| gtk.window()) else {
        return;
    };
    surface.display().sync(); // the server's reads so far, so their blocks count as free
    drop(surface.create_similar_image_surface(gtk::cairo::Format::ARgb32, 16, 16, 1));
}

fn end_network_process() {
    for pid in helpers(NETWORK_PROCESS) {
        match kill(pid, Signal::SIGTERM) {
            Ok(()) => tracing::info!("ended the idle web network process"),
            Err(error) => tracing::warn!(%error, "could not end the idle web network process"),
        }
    }
}

/// This process's live children named `name`.
fn helpers(name: &str) -> Vec<Pid> {
    let me = std::process::id();
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse::<i32>().ok())
        .filter(|pid| {
            let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
                return false;
            };
            child_named(&stat, me, name)
        })
        .map(Pid::from_raw)
        .collect()
}

/// Whether a `/proc/PID/stat` line is a live child of `parent` named `name`.
fn child_named(stat: &str, parent: u32, name: &str) -> bool {
    let (Some(open), Some(close)) = (stat.find('('), stat.rfind(')')) else {
        return false;
    };
    let mut rest = stat[close + 1..].split_whitespace();
    let (Some(state), Some(ppid)) = (rest.next(), rest.next()) else {
        return false;
    };
    &stat[open + 1..close] == name && state != "Z" && ppid.parse() == Ok(parent)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_name_state_and_parent_from_a_stat_line() {
        let line = "4242 (WebKitNetworkPr) S 100 4242 4242 0 -1 4194560 1 0 0 0";
        assert!(child_named(line, 100, NETWORK_PROCESS));
        assert!(!child_named(line, 101, NETWORK_PROCESS), "another parent");
        assert!(!child_named(line, 100, WEB_PROCESS), "another name");
        let zombie = "4242 (WebKitNetworkPr) Z 100 4242 4242 0 -1";
        assert!(!child_named(zombie, 100, NETWORK_PROCESS), "already exited");
        let odd = "77 (a) b) S 100 1";
        assert!(child_named(odd, 100, "a) b"), "a name holding ') '");
    }
}
