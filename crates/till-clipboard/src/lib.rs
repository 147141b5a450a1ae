//! The clipboard, for keys.
//!
//! A key copied by Till is marked as a password (`x-kde-passwordManagerHint: secret` on
//! Linux, the Windows and macOS equivalents elsewhere), so clipboard managers and history
//! do not keep it. It is cleared after a while, but only if the clipboard still holds it:
//! whatever the person copied since is theirs. On X11 the clipboard is served by its
//! owner, so one [`KeyClipboard`] lives as long as the app; the CLI serves until the
//! timeout with [`KeyClipboard::copy_and_serve`].
#![forbid(unsafe_code)]

pub mod managers;

use std::time::Instant;

use secrecy::{ExposeSecret, SecretString};
use zeroize::Zeroizing;

/// Why the clipboard could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ClipboardError {
    #[error(
        "the clipboard is not available ({0}); is a display running (DISPLAY or WAYLAND_DISPLAY)?"
    )]
    Unavailable(String),
    #[error("the clipboard refused the key ({0})")]
    Failed(String),
}

/// The clipboard, holding at most one key.
pub struct KeyClipboard {
    clipboard: arboard::Clipboard,
    /// What Till last put there, to recognise it when clearing.
    copied: Option<Zeroizing<String>>,
}

impl std::fmt::Debug for KeyClipboard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyClipboard")
            .field("holds_a_key", &self.copied.is_some())
            .finish()
    }
}

/// A clipboard write marked as a password, on every platform that has such a mark.
fn marked(set: arboard::Set<'_>) -> arboard::Set<'_> {
    #[cfg(all(
        unix,
        not(any(target_os = "macos", target_os = "android", target_os = "emscripten"))
    ))]
    let set = arboard::SetExtLinux::exclude_from_history(set);
    #[cfg(target_os = "windows")]
    let set = arboard::SetExtWindows::exclude_from_history(set);
    #[cfg(target_os = "macos")]
    let set = arboard::SetExtApple::exclude_from_history(set);
    set
}

impl KeyClipboard {
    /// Connects to the clipboard.
    pub fn open() -> Result<Self, ClipboardError> {
        let clipboard =
            arboard::Clipboard::new().map_err(|e| ClipboardError::Unavailable(e.to_string()))?;
        Ok(Self {
            clipboard,
            copied: None,
        })
    }

    /// Puts `value` on the clipboard, marked as a password.
    pub fn copy(&mut self, value: &SecretString) -> Result<(), ClipboardError> {
        let text = Zeroizing::new(value.expose_secret().to_owned());
        marked(self.clipboard.set())
            .text(text.as_str())
            .map_err(|e| ClipboardError::Failed(e.to_string()))?;
        self.copied = Some(text);
        Ok(())
    }

    /// Puts `value` on the clipboard and serves it until `until` or until something else
    /// is copied (for a process that would otherwise exit at once, like the CLI), then
    /// clears it if it is still the key. Returns whether it was cleared.
    pub fn copy_and_serve(
        &mut self,
        value: &SecretString,
        until: Instant,
    ) -> Result<bool, ClipboardError> {
        let text = Zeroizing::new(value.expose_secret().to_owned());
        self.copied = Some(text.clone());
        #[cfg(all(
            unix,
            not(any(target_os = "macos", target_os = "android", target_os = "emscripten"))
        ))]
        {
            use arboard::SetExtLinux;
            marked(self.clipboard.set())
                .wait_until(until)
                .text(text.as_str())
                .map_err(|e| ClipboardError::Failed(e.to_string()))?;
        }
        #[cfg(not(all(
            unix,
            not(any(target_os = "macos", target_os = "android", target_os = "emscripten"))
        )))]
        {
            marked(self.clipboard.set())
                .text(text.as_str())
                .map_err(|e| ClipboardError::Failed(e.to_string()))?;
            std::thread::sleep(until.saturating_duration_since(Instant::now()));
        }
        self.clear_if_ours()
    }

    /// Whether the clipboard still holds the key Till put there.
    pub fn holds_ours(&mut self) -> bool {
        let Some(ours) = &self.copied else {
            return false;
        };
        match self.clipboard.get_text() {
            Ok(now) => {
                let now = Zeroizing::new(now);
                *now == **ours
            }
            Err(_) => false,
        }
    }

    /// Clears the clipboard if it still holds Till's key; leaves anything else alone.
    /// Returns whether it cleared.
    pub fn clear_if_ours(&mut self) -> Result<bool, ClipboardError> {
        let cleared = if self.holds_ours() {
            self.clipboard
                .clear()
                .map_err(|e| ClipboardError::Failed(e.to_string()))?;
            true
        } else {
            false
        };
        self.copied = None;
        Ok(cleared)
    }
}
