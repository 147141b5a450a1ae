//! Telling the user, once, that a clipboard manager keeps the keys Till copies.
//!
//! After a copy (at most every ten minutes) a background thread asks `till-clipboard`
//! which managers of this session ignore the password mark; for each one not told about
//! before, a notification says so with the exact fix. What was said is remembered per
//! manager and version in the state directory (`told-clipboard-managers`), so an upgrade
//! or another manager is news again, and nothing is repeated across restarts.

use std::path::Path;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use tauri::{AppHandle, Manager};
use till_clipboard::managers::leaky_managers;

use crate::notifications;
use crate::state::AppState;

/// The file, in the state directory, listing what was said ("CopyQ 6.4.0" per line).
const TOLD_FILE: &str = "told-clipboard-managers";
/// Copies in a row do not each look again.
const LOOK_AT_MOST_EVERY: Duration = Duration::from_secs(600);

static LAST_LOOK: Mutex<Option<Instant>> = Mutex::new(None);

/// Called after Till put a key on the clipboard.
pub fn after_copy(app: &AppHandle) {
    {
        let mut last = LAST_LOOK.lock().unwrap_or_else(|p| p.into_inner());
        if last.is_some_and(|at| at.elapsed() < LOOK_AT_MOST_EVERY) {
            return;
        }
        *last = Some(Instant::now());
    }
    let told = app.state::<AppState>().paths.state_dir.join(TOLD_FILE);
    let spawned = std::thread::Builder::new()
        .name("till-clipboard-managers".into())
        .spawn(move || {
            for manager in leaky_managers() {
                let who = format!("{} {}", manager.name, manager.version);
                if was_told(&told, &who) {
                    tracing::info!(manager = %who, "clipboard manager keeps keys; already said");
                    continue;
                }
                tracing::warn!(manager = %who, "this clipboard manager keeps copied keys");
                if notifications::clipboard_manager(manager.name, &manager.advice()) {
                    remember(&told, &who);
                }
            }
        });
    if let Err(error) = spawned {
        tracing::warn!(%error, "could not look for clipboard managers");
    }
}

fn was_told(file: &Path, who: &str) -> bool {
    std::fs::read_to_string(file).is_ok_and(|text| text.lines().any(|line| line == who))
}

fn remember(file: &Path, who: &str) {
    let mut text = std::fs::read_to_string(file).unwrap_or_default();
    text.push_str(who);
    text.push('\n');
    if let Err(error) = till_core::paths::write_private(file, text.as_bytes()) {
        tracing::warn!(
            error = %crate::logging::loggable(&error),
            "could not remember the clipboard manager notice"
        );
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn each_manager_version_is_told_once() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join(TOLD_FILE);
        assert!(!was_told(&file, "CopyQ 6.4.0"));
        remember(&file, "CopyQ 6.4.0");
        assert!(was_told(&file, "CopyQ 6.4.0"));
        assert!(
            !was_told(&file, "CopyQ 7.1.0"),
            "an upgrade that still leaks is news"
        );
        remember(&file, "CopyQ 7.1.0");
        assert!(was_told(&file, "CopyQ 6.4.0") && was_told(&file, "CopyQ 7.1.0"));
    }
}
