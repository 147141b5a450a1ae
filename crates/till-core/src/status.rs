//! What Till can say about itself without unlocking anything.
//!
//! The window's status strip, `till status` and the tray all show this same
//! [`AppStatus`], so a user (or a support request) gets one answer wherever they ask.

use chrono::{DateTime, Utc};
use serde::Serialize;
use ts_rs::TS;

use crate::clock::Clock;
use crate::paths::TillPaths;

/// The file that holds the vault, inside the data directory.
pub const VAULT_FILE_NAME: &str = "vault.db";

/// Whether a vault exists and whether it is open.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum VaultState {
    /// No vault has been created in this data directory yet.
    Absent,
    /// A vault exists and its key is not in memory.
    Locked,
    /// A vault exists and is open.
    Unlocked,
}

impl VaultState {
    /// A short, human label (used by the CLI and the tray tooltip).
    pub fn label(self) -> &'static str {
        match self {
            Self::Absent => "no vault yet",
            Self::Locked => "locked",
            Self::Unlocked => "unlocked",
        }
    }
}

/// Till's status as shown in the window and by `till status`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct AppStatus {
    /// Till's version.
    pub version: String,
    /// Whether a vault exists and is open.
    pub vault: VaultState,
    /// Where the vault and other data live.
    pub data_dir: String,
    /// "Now" as Till sees it.
    pub now: DateTime<Utc>,
    /// True when `TILL_NOW` pins the clock.
    pub clock_fixed: bool,
}

impl AppStatus {
    /// Gathers the status; `unlocked` is the caller's knowledge of whether it holds the key.
    pub fn gather(paths: &TillPaths, clock: &dyn Clock, unlocked: bool) -> Self {
        let vault = if !paths.data_dir.join(VAULT_FILE_NAME).is_file() {
            VaultState::Absent
        } else if unlocked {
            VaultState::Unlocked
        } else {
            VaultState::Locked
        };
        Self {
            version: crate::VERSION.to_owned(),
            vault,
            data_dir: paths.data_dir.display().to_string(),
            now: clock.now(),
            clock_fixed: clock.is_fixed(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::FixedClock;

    #[test]
    fn reports_absent_then_locked_once_a_vault_file_exists() {
        let root = tempfile::tempdir().unwrap();
        let paths = TillPaths::under_root(root.path()).unwrap();
        let clock = FixedClock("2026-11-27T09:00:00Z".parse().unwrap());

        let status = AppStatus::gather(&paths, &clock, false);
        assert_eq!(status.vault, VaultState::Absent);
        assert_eq!(status.version, crate::VERSION);
        assert!(status.clock_fixed);

        paths.ensure_exist().unwrap();
        std::fs::write(paths.data_dir.join(VAULT_FILE_NAME), b"").unwrap();
        assert_eq!(
            AppStatus::gather(&paths, &clock, false).vault,
            VaultState::Locked
        );
        assert_eq!(
            AppStatus::gather(&paths, &clock, true).vault,
            VaultState::Unlocked
        );
    }

    #[test]
    fn serializes_for_the_webview() {
        let root = tempfile::tempdir().unwrap();
        let paths = TillPaths::under_root(root.path()).unwrap();
        let clock = FixedClock("2026-11-27T09:00:00Z".parse().unwrap());
        let json = serde_json::to_value(AppStatus::gather(&paths, &clock, false)).unwrap();
        assert_eq!(json["vault"], "absent");
        assert_eq!(json["now"], "2026-11-27T09:00:00Z");
        assert_eq!(json["clock_fixed"], true);
    }
}
