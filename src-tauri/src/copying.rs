//! Copying keys to the clipboard, from the window, the tray and the quick search.
//!
//! The value goes from the vault to the clipboard in Rust; the webview only learns which
//! key was copied and why. One clipboard owner lives as long as Till (X11 clipboards are
//! served by their owner). Each copy is cleared after the configured time, if the
//! clipboard still holds it and no newer copy replaced it; locking and quitting clear it
//! too.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use secrecy::SecretString;
use serde::Serialize;
use tauri::{AppHandle, Manager};
use till_clipboard::KeyClipboard;
use till_core::vault::{CopyPlan, CopyRequest};
use till_core::{IpcError, TillError};
use ts_rs::TS;

use crate::state::AppState;

/// What the window hears after a copy (never the value).
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct Copied {
    pub key_name: String,
    pub why: String,
    pub clear_after_seconds: u32,
}

/// The app's clipboard, opened on first use.
#[derive(Debug, Default)]
pub struct ClipboardHolder {
    clipboard: Mutex<Option<KeyClipboard>>,
    /// Bumped on every copy, so only the latest copy's timer clears.
    generation: AtomicU64,
}

impl ClipboardHolder {
    fn put(&self, value: &SecretString) -> Result<u64, TillError> {
        let mut slot = self.clipboard.lock().unwrap_or_else(|p| p.into_inner());
        if slot.is_none() {
            *slot = Some(KeyClipboard::open().map_err(|e| TillError::NoClipboard {
                detail: e.to_string(),
            })?);
        }
        if let Some(clipboard) = slot.as_mut() {
            clipboard.copy(value).map_err(|e| TillError::NoClipboard {
                detail: e.to_string(),
            })?;
        }
        Ok(self.generation.fetch_add(1, Ordering::SeqCst) + 1)
    }

    /// Clears the clipboard if it still holds the key Till put there (lock, quit).
    pub fn clear_if_ours(&self) {
        let mut slot = self.clipboard.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(clipboard) = slot.as_mut() {
            match clipboard.clear_if_ours() {
                Ok(true) => tracing::info!("cleared the copied key from the clipboard"),
                Ok(false) => {}
                Err(error) => tracing::warn!(%error, "could not clear the clipboard"),
            }
        }
    }

    fn clear_if_latest(&self, generation: u64) {
        if self.generation.load(Ordering::SeqCst) == generation {
            self.clear_if_ours();
        }
    }
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
    let generation = state.clipboard.put(&value).map_err(IpcError::from)?;
    drop(value);
    let seconds = state.settings.clipboard.clear_after_seconds.clamp(1, 3600);
    let handle = app.clone();
    std::thread::spawn(move || {
        std::thread::sleep(Duration::from_secs(u64::from(seconds)));
        handle
            .state::<AppState>()
            .clipboard
            .clear_if_latest(generation);
    });
    tracing::info!(broader = plan.broader, "copied a key to the clipboard");
    Ok(Copied {
        key_name: plan.key_name,
        why: plan.why,
        clear_after_seconds: seconds,
    })
}
