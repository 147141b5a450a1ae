//! Quick search: a small keyboard-only window on a global shortcut that finds a key or
//! purpose by typing and copies it with Enter.
//!
//! It must appear within 100 ms of the shortcut, and Till must stay small while it sits in
//! the tray. A web view meets the first only if built ahead of time, which costs a whole
//! web engine (≈150 MiB PSS) all day. So on Linux quick search is a native GTK popup
//! (`native.rs`, GTK is linked through Tauri already) that costs a few MiB and maps in
//! milliseconds; elsewhere it is the web window (`web.rs`), prewarmed by default.
//! Both show core's list (`till_core::shortlist`) and copy through `copying.rs`, so the
//! search, the least-privilege rule and the audit entries are the same; `picker.rs`
//! holds what each key does, apart from either toolkit.

#[cfg(target_os = "linux")]
mod native;
// Only the native popup uses it; the web window's page has its own copy of the flow.
#[cfg_attr(not(target_os = "linux"), allow(dead_code))]
mod picker;
#[cfg(not(target_os = "linux"))]
mod web;

use tauri::{AppHandle, Manager};
use tauri_plugin_global_shortcut::{GlobalShortcutExt, ShortcutState};
use till_core::shortlist::{self, QuickItem, QUICK_LIMIT};
use till_core::vault::{CopyPlan, CopyRequest};

use crate::copying::{self, Copied};
use crate::error::IpcError;
use crate::state::AppState;

#[cfg(target_os = "linux")]
use native as popup;
#[cfg(not(target_os = "linux"))]
use web as popup;

/// Registers the global shortcut from the settings; a shortcut taken by another program
/// or a desktop without global shortcuts is logged, not fatal.
pub fn register_shortcut(app: &AppHandle) {
    let shortcut = app
        .state::<AppState>()
        .settings
        .quick_search
        .shortcut
        .clone();
    if shortcut.trim().is_empty() {
        return;
    }
    let registered =
        app.global_shortcut()
            .on_shortcut(shortcut.as_str(), |app, _shortcut, event| {
                if event.state == ShortcutState::Pressed {
                    show(app);
                }
            });
    match registered {
        Ok(()) => tracing::info!(%shortcut, "quick search shortcut registered"),
        Err(error) => tracing::warn!(%error, %shortcut, "quick search has no global shortcut"),
    }
}

/// Prepares quick search ahead of its first use, if the settings ask for it
/// (`[quick_search] prewarm`, on by default; `TILL_QUICK_PREWARM=0` turns it off).
pub fn prewarm(app: &AppHandle) {
    let wanted = app.state::<AppState>().settings.quick_search.prewarm
        && std::env::var("TILL_QUICK_PREWARM").as_deref() != Ok("0");
    if wanted {
        popup::prewarm(app);
    }
}

/// "New agent key for…": opens the window's Agents mint form on the key `request` names
/// (for a purpose, the key its copy would pick, with the purpose as the label).
pub fn open_mint_form(app: &AppHandle, request: &CopyRequest) -> Result<(), IpcError> {
    let key = app
        .state::<AppState>()
        .with_vault_read(|vault| Ok(vault.copies().plan(request)?.key_name))?;
    let label = match request {
        CopyRequest::Purpose(purpose) => Some(purpose.clone()),
        CopyRequest::Key(_) | CopyRequest::Scopes(_) => None,
    };
    crate::agents::show_at(
        app,
        crate::agents::AgentRoute::Mint {
            key: Some(key),
            label,
        },
    );
    Ok(())
}

/// Shows quick search with focus.
pub fn show(app: &AppHandle) {
    popup::show(app);
}

/// Hides quick search.
pub fn hide(app: &AppHandle) {
    popup::hide(app);
}

/// The keys and purposes matching `query`, best first (all of them, pinned first, for a
/// blank query). Names and scopes only; core builds and ranks the list.
pub fn items(state: &AppState, query: &str) -> Result<Vec<QuickItem>, IpcError> {
    state.with_vault_read(|vault| {
        let purposes = vault.copies().purposes()?;
        Ok(shortlist::quick_search(
            vault.keys(),
            &purposes,
            query,
            QUICK_LIMIT,
        ))
    })
}

/// Quick search's view of the vault: the running app's.
#[cfg_attr(not(target_os = "linux"), allow(dead_code))]
struct AppVault<'a>(&'a AppHandle);

impl picker::QuickVault for AppVault<'_> {
    fn items(&self, query: &str) -> Result<Vec<QuickItem>, IpcError> {
        items(&self.0.state::<AppState>(), query)
    }

    fn plan(&self, request: &CopyRequest) -> Result<CopyPlan, IpcError> {
        copying::plan(&self.0.state::<AppState>(), request)
    }

    fn copy(&self, request: &CopyRequest, allow_broader: bool) -> Result<Copied, IpcError> {
        copying::copy(self.0, request, allow_broader)
    }
}
