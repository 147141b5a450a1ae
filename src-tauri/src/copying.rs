//! Copying keys to the clipboard, from the window, the tray and the quick search.
//!
//! The value goes from the vault to the clipboard in Rust; the webview only learns which
//! key was copied and why, through the one clipboard owner in `clipboard.rs`. Each copy
//! is cleared after the configured time, if the clipboard still holds it and no newer
//! copy replaced it; locking and quitting clear it too.

use std::time::Duration;

use serde::Serialize;
use tauri::{AppHandle, Manager};
use till_core::vault::{CopyPlan, CopyRequest};
use ts_rs::TS;

use crate::error::IpcError;
use crate::state::AppState;

/// What the window hears after a copy (never the value).
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct Copied {
    pub key_name: String,
    pub why: String,
    pub clear_after_seconds: u32,
}

/// Puts a secret on the clipboard (marked as a password) and clears it after the
/// configured time if it is still there and no newer copy replaced it; returns the time.
pub fn put_and_clear_later(
    app: &AppHandle,
    value: &secrecy::SecretString,
) -> Result<u32, IpcError> {
    let state = app.state::<AppState>();
    let generation = state.clipboard.put(value).map_err(IpcError::from)?;
    crate::clipboard_managers::after_copy(app);
    let seconds = state.settings.clipboard.clear_after_seconds.clamp(1, 3600);
    let handle = app.clone();
    std::thread::spawn(move || {
        std::thread::sleep(Duration::from_secs(u64::from(seconds)));
        handle
            .state::<AppState>()
            .clipboard
            .clear_if_latest(generation);
    });
    Ok(seconds)
}

/// Plans a copy without touching any value.
pub fn plan(state: &AppState, request: &CopyRequest) -> Result<CopyPlan, IpcError> {
    state.with_vault(|vault| vault.copies().plan(request))
}

/// Copies the planned key (a broader one only with `allow_broader`) and schedules the
/// clear.
pub fn copy(
    app: &AppHandle,
    request: &CopyRequest,
    allow_broader: bool,
) -> Result<Copied, IpcError> {
    let state = app.state::<AppState>();
    let (plan, value) = state.with_vault(|vault| {
        let plan = vault.copies().plan(request)?;
        let value = vault.values().for_copy(&plan, allow_broader)?;
        Ok((plan, value))
    })?;
    let seconds = put_and_clear_later(app, &value)?;
    drop(value);
    tracing::info!(broader = plan.broader, "copied a key to the clipboard");
    Ok(Copied {
        key_name: plan.key_name,
        why: plan.why,
        clear_after_seconds: seconds,
    })
}
