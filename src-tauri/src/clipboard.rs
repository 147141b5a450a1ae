//! The app's one clipboard owner, living as long as Till.
//!
//! X11 clipboards are served by their owner, so one `KeyClipboard` is opened on first use
//! and kept. Its own module so the state can hold it without depending on the copy flow
//! (which depends on the state): `state → clipboard`, `copying → state, clipboard`.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use secrecy::SecretString;
use till_clipboard::KeyClipboard;
use till_core::TillError;

/// The app's clipboard, opened on first use.
#[derive(Debug, Default)]
pub struct ClipboardHolder {
    clipboard: Mutex<Option<KeyClipboard>>,
    /// Bumped on every copy, so only the latest copy's timer clears.
    generation: AtomicU64,
}

impl ClipboardHolder {
    /// Puts `value` on the clipboard; returns this copy's generation for its timer.
    pub fn put(&self, value: &SecretString) -> Result<u64, TillError> {
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

    /// Clears the clipboard if no copy came after `generation` and it still holds ours.
    pub fn clear_if_latest(&self, generation: u64) {
        if self.generation.load(Ordering::SeqCst) == generation {
            self.clear_if_ours();
        }
    }
}
