//! User settings, in `settings.toml` in the config directory. Never secrets.
//!
//! Every setting has a default, so the file is optional and may hold only what the user
//! changed. Unknown keys are refused, so a typo is reported instead of silently ignored.
//! The window changes the file through [`edit`], which keeps the user's comments.

pub mod edit;
pub mod scan;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

pub use crate::agents::alerts::AlertSettings;
pub use crate::agents::limits::RunSettings;
use crate::error::TillError;
use crate::paths::TillPaths;
use crate::reminders::ReminderSettings;
use crate::verify::VerifySettings;
pub use scan::ScanSettings;

/// The settings file's name in the config directory.
pub const FILE_NAME: &str = "settings.toml";

/// Till's settings.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// Lock the vault after this many minutes without use; 0 never locks by itself.
    pub auto_lock_minutes: u32,
    /// Rotation and audit intervals, lead times, quiet hours (`[reminders]`).
    pub reminders: ReminderSettings,
    /// Live checks: base URL overrides and timeout (`[verify]`).
    pub verify: VerifySettings,
    /// Copying keys (`[clipboard]`).
    pub clipboard: ClipboardSettings,
    /// The quick-search window (`[quick_search]`).
    pub quick_search: QuickSearchSettings,
    /// The agent gateway (`[gateway]`).
    pub gateway: GatewaySettings,
    /// `till run`'s default caps on agent keys (`[run]`): never unlimited.
    pub run: RunSettings,
    /// When agent keys raise alerts (`[agents]`): cap stages and anomaly thresholds.
    pub agents: AlertSettings,
    /// How the windows look (`[appearance]`).
    pub appearance: AppearanceSettings,
    /// The leak scanner's watched folders and size limit (`[scan]`).
    pub scan: ScanSettings,
    /// Locking with the desktop session (`[lock]`).
    pub lock: LockSettings,
    /// The main window's life after a close (`[window]`).
    pub window: WindowSettings,
}

/// The `[window]` table. Closing the main window hides it for `keep_warm_seconds`, so
/// opening it again within that time is instant; after that its page (and WebKit's
/// processes, most of an open window's memory) is ended. 0 ends it at once. With
/// `prepare_on_menu`, the tray menu opening loads the page in the hidden window, so Open
/// Till only has to show it (about half a second of CPU when nothing is chosen).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WindowSettings {
    /// Seconds a closed window stays ready for a reopen; 0–3600.
    pub keep_warm_seconds: u32,
    /// Whether the tray menu opening loads the window's page.
    pub prepare_on_menu: bool,
}

impl WindowSettings {
    /// The longest a closed window is kept: an hour is already most of a work session.
    pub const MAX_KEEP_WARM_SECONDS: u32 = 3600;

    /// How long a closed window stays ready, capped at [`Self::MAX_KEEP_WARM_SECONDS`].
    pub fn keep_warm(&self) -> std::time::Duration {
        let seconds = self.keep_warm_seconds.min(Self::MAX_KEEP_WARM_SECONDS);
        std::time::Duration::from_secs(u64::from(seconds))
    }
}

impl Default for WindowSettings {
    fn default() -> Self {
        Self {
            keep_warm_seconds: 30,
            prepare_on_menu: true,
        }
    }
}

/// What the desktop session tells Till, as far as locking goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionEvent {
    /// The screen saver or screen lock came on (`ActiveChanged(true)`).
    ScreenLocked,
    /// logind asked the session to lock (`loginctl lock-session`, a lid close).
    SessionLocked,
    /// The computer is about to sleep or hibernate (`PrepareForSleep(true)`).
    Sleeping,
    /// The computer woke up (`PrepareForSleep(false)`).
    Resumed,
}

/// The `[lock]` table: lock the vault (and clear a copied key) when the session says so.
/// Both on by default: a password manager that stays open behind a locked screen or
/// through a suspend surprises people.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LockSettings {
    /// When the screen locks (screen saver `ActiveChanged`, logind's session `Lock`).
    pub on_screen_lock: bool,
    /// Before the computer sleeps (logind `PrepareForSleep`).
    pub before_sleep: bool,
}

impl Default for LockSettings {
    fn default() -> Self {
        Self {
            on_screen_lock: true,
            before_sleep: true,
        }
    }
}

impl LockSettings {
    /// Whether `event` locks the vault.
    pub fn locks_on(&self, event: SessionEvent) -> bool {
        match event {
            SessionEvent::ScreenLocked | SessionEvent::SessionLocked => self.on_screen_lock,
            SessionEvent::Sleeping => self.before_sleep,
            SessionEvent::Resumed => false,
        }
    }
}

/// Light or dark, or whatever the desktop prefers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum Theme {
    /// Follow the desktop's light or dark preference.
    #[default]
    System,
    Light,
    Dark,
}

impl Theme {
    /// The word written in `settings.toml`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::System => "system",
            Self::Light => "light",
            Self::Dark => "dark",
        }
    }
}

/// The `[appearance]` table.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AppearanceSettings {
    pub theme: Theme,
}

/// The agent gateway: where it listens, so agents configured once keep working.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GatewaySettings {
    /// The loopback port (`0` picks a free one each start).
    pub port: u16,
}

impl Default for GatewaySettings {
    fn default() -> Self {
        Self {
            port: DEFAULT_GATEWAY_PORT,
        }
    }
}

/// The gateway's port unless `[gateway] port` says otherwise.
pub const DEFAULT_GATEWAY_PORT: u16 = 8417;

/// How long a copied key stays on the clipboard.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ClipboardSettings {
    /// Seconds until the clipboard is cleared (if it still holds the key); 1–3600.
    pub clear_after_seconds: u32,
}

impl Default for ClipboardSettings {
    fn default() -> Self {
        Self {
            clear_after_seconds: 30,
        }
    }
}

/// The quick-search window: its global shortcut and whether it waits ready in the
/// background (instant to open, at the cost of a web engine's memory).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct QuickSearchSettings {
    /// A shortcut such as `"CmdOrCtrl+Shift+K"`; empty turns the shortcut off.
    pub shortcut: String,
    pub prewarm: bool,
}

impl Default for QuickSearchSettings {
    fn default() -> Self {
        Self {
            shortcut: "CmdOrCtrl+Shift+K".into(),
            prewarm: true,
        }
    }
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            auto_lock_minutes: 15,
            reminders: ReminderSettings::default(),
            verify: VerifySettings::default(),
            clipboard: ClipboardSettings::default(),
            quick_search: QuickSearchSettings::default(),
            gateway: GatewaySettings::default(),
            run: RunSettings::default(),
            appearance: AppearanceSettings::default(),
            agents: AlertSettings::default(),
            scan: ScanSettings::default(),
            lock: LockSettings::default(),
            window: WindowSettings::default(),
        }
    }
}

impl Settings {
    /// Reads the settings; a missing file means defaults, a malformed one is an error
    /// that names the file, line and column.
    pub fn load(paths: &TillPaths) -> Result<Self, TillError> {
        let path = paths.config_dir.join(FILE_NAME);
        Self::parse(&path, &read_text(&path)?)
    }

    /// Reads settings from `text`; errors name `path`, the line and the column.
    pub(crate) fn parse(path: &std::path::Path, text: &str) -> Result<Self, TillError> {
        toml::from_str(text).map_err(|error| TillError::InvalidInput {
            what: format!(
                "{}: {}",
                path.display(),
                error.to_string().trim().replace('\n', " ")
            ),
        })
    }
}

/// The settings file's text; a missing file reads as empty.
pub(crate) fn read_text(path: &std::path::Path) -> Result<String, TillError> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(text),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(String::new()),
        Err(source) => Err(TillError::Storage {
            path: path.to_owned(),
            source,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paths_with(text: Option<&str>) -> (tempfile::TempDir, TillPaths) {
        let root = tempfile::tempdir().unwrap();
        let paths = TillPaths::under_root(root.path()).unwrap();
        paths.ensure_exist().unwrap();
        if let Some(text) = text {
            std::fs::write(paths.config_dir.join(FILE_NAME), text).unwrap();
        }
        (root, paths)
    }

    #[test]
    fn defaults_when_missing_and_values_when_present() {
        let (_root, paths) = paths_with(None);
        assert_eq!(Settings::load(&paths).unwrap().auto_lock_minutes, 15);
        let (_root, paths) = paths_with(Some("auto_lock_minutes = 5\n"));
        assert_eq!(Settings::load(&paths).unwrap().auto_lock_minutes, 5);
    }

    #[test]
    fn typos_and_bad_values_are_reported_with_their_place() {
        let (_root, paths) = paths_with(Some("auto_lok_minutes = 5\n"));
        let err = Settings::load(&paths).unwrap_err().to_string();
        assert!(
            err.contains("auto_lok_minutes") && err.contains("line 1"),
            "{err}"
        );
        let (_root, paths) = paths_with(Some("\nauto_lock_minutes = \"soon\"\n"));
        let err = Settings::load(&paths).unwrap_err().to_string();
        assert!(err.contains("line 2"), "{err}");
        let (_root, paths) = paths_with(Some("[reminders]\nquiet_hours = \"late\"\n"));
        let err = Settings::load(&paths).unwrap_err().to_string();
        assert!(
            err.contains("line 2") && err.contains("22:00-08:00"),
            "{err}"
        );
    }

    #[test]
    fn locking_with_the_session_is_on_unless_turned_off() {
        let (_root, paths) = paths_with(None);
        let lock = Settings::load(&paths).unwrap().lock;
        for event in [
            SessionEvent::ScreenLocked,
            SessionEvent::SessionLocked,
            SessionEvent::Sleeping,
        ] {
            assert!(lock.locks_on(event), "{event:?}");
        }
        assert!(!lock.locks_on(SessionEvent::Resumed));
        let (_root, paths) = paths_with(Some("[lock]\non_screen_lock = false\n"));
        let lock = Settings::load(&paths).unwrap().lock;
        assert!(!lock.locks_on(SessionEvent::ScreenLocked));
        assert!(!lock.locks_on(SessionEvent::SessionLocked));
        assert!(lock.locks_on(SessionEvent::Sleeping));
    }

    #[test]
    fn a_closed_window_stays_warm_for_half_a_minute_unless_set_and_at_most_an_hour() {
        let (_root, paths) = paths_with(None);
        let window = Settings::load(&paths).unwrap().window;
        assert_eq!(window.keep_warm(), std::time::Duration::from_secs(30));
        let (_root, paths) = paths_with(Some("[window]\nkeep_warm_seconds = 0\n"));
        let window = Settings::load(&paths).unwrap().window;
        assert_eq!(window.keep_warm(), std::time::Duration::ZERO);
        let (_root, paths) = paths_with(Some("[window]\nkeep_warm_seconds = 86400\n"));
        let window = Settings::load(&paths).unwrap().window;
        assert_eq!(window.keep_warm(), std::time::Duration::from_secs(3600));
    }

    #[test]
    fn the_tray_menu_gets_the_window_ready_unless_turned_off() {
        let (_root, paths) = paths_with(None);
        assert!(Settings::load(&paths).unwrap().window.prepare_on_menu);
        let (_root, paths) = paths_with(Some("[window]\nprepare_on_menu = false\n"));
        let window = Settings::load(&paths).unwrap().window;
        assert!(!window.prepare_on_menu);
        assert_eq!(window.keep_warm_seconds, 30, "the rest keeps its default");
    }

    #[test]
    fn reminder_and_verify_tables_are_read() {
        let (_root, paths) = paths_with(Some(
            "[reminders]\nlead_days = 3\nquiet_hours = \"22:00-07:00\"\n\
             [reminders.environments.prod]\naudit_every_days = 30\n\
             [verify]\nbase_urls = { openai = \"http://127.0.0.1:9/openai\" }\n\
             [run]\nmax_calls = 20\n[agents]\nwarn_percent = 75\n",
        ));
        let settings = Settings::load(&paths).unwrap();
        assert_eq!(settings.reminders.all.lead_days, Some(3));
        assert!(settings.reminders.quiet_hours.is_some());
        assert_eq!(
            settings.reminders.environments["prod"].audit_every_days,
            Some(30)
        );
        assert_eq!(settings.verify.base_urls.len(), 1);
        assert_eq!(settings.run.max_calls, 20);
        assert_eq!(settings.run.ttl, RunSettings::default().ttl);
        assert_eq!(settings.agents.warn_percent, 75);
        assert_eq!(settings.agents.burst_factor, 5);
    }
}
