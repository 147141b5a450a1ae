//! Starting Till at login: one entry in the desktop's own autostart place, pointing at the
//! absolute path of the desktop app, so it survives both a package install
//! (`/usr/bin/till-desktop`) and a source build (`target/release/till-desktop`).
//!
//! Off by default: nothing is written until the user asks (Settings, the walkthrough's
//! last step, `till autostart enable`). The entry starts Till with [`HIDDEN_FLAG`], to the
//! tray with no window. Whether autostart is on is the entry itself, not a setting, so the
//! desktop's own "Startup Applications" tool and Till never disagree.
//!
//! Linux (and the other XDG desktops) use `$XDG_CONFIG_HOME/autostart/till.desktop`
//! ([`desktop_entry`]); macOS a LaunchAgent plist and Windows the `Run` registry key, in
//! their own modules. Only the Linux path is built and tested here.

mod desktop_entry;
#[cfg(target_os = "macos")]
mod macos;
#[cfg(windows)]
mod windows;

use std::path::{Path, PathBuf};

use serde::Serialize;
use ts_rs::TS;

use crate::error::TillError;
use crate::paths::PathEnv;

pub use desktop_entry::{exec_line, parse_exec};

/// The argument the desktop app takes to start to the tray, never opening a window.
pub const HIDDEN_FLAG: &str = "--hidden";

/// The desktop app's file name beside `till` (and in `/usr/bin`).
#[cfg(not(windows))]
pub const DESKTOP_APP_NAME: &str = "till-desktop";
#[cfg(windows)]
pub const DESKTOP_APP_NAME: &str = "till-desktop.exe";

/// Where a package installs the desktop app (the fallback when `till` has no sibling).
pub const INSTALLED_DESKTOP_APP: &str = "/usr/bin/till-desktop";

/// What starts at login: the app and, for a portable vault, its `TILL_HOME`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Launch {
    /// The desktop app's absolute path.
    pub app: PathBuf,
    /// The vault root to open (`TILL_HOME`), when it is not the XDG default.
    pub till_home: Option<PathBuf>,
}

/// Whether Till starts at login, and with what.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct AutostartStatus {
    pub enabled: bool,
    /// Where the entry is (or would be written).
    pub entry: String,
    /// The app the entry starts; `None` when off (or the entry cannot be read).
    pub app: Option<String>,
    /// The entry points at an app that is no longer there: enabling again repairs it.
    pub app_missing: bool,
}

/// The autostart entry for this user.
#[derive(Debug, Clone)]
pub struct Autostart {
    entry: PathBuf,
}

impl Autostart {
    /// The entry's place for this platform, from the environment (`XDG_CONFIG_HOME`,
    /// `HOME`).
    pub fn locate(env: &PathEnv) -> Result<Self, TillError> {
        Ok(Self {
            entry: platform::entry_path(env)?,
        })
    }

    /// Resolves from this process's environment.
    pub fn from_env() -> Result<Self, TillError> {
        Self::locate(&PathEnv::from_process())
    }

    /// The entry's path.
    pub fn entry(&self) -> &Path {
        &self.entry
    }

    /// Writes (or rewrites) the entry so that `launch` starts at login.
    pub fn enable(&self, launch: &Launch) -> Result<AutostartStatus, TillError> {
        // Login starts in another directory: a relative path would point nowhere.
        if !launch.app.is_absolute() {
            return Err(TillError::RelativePath {
                what: "the desktop app",
                path: launch.app.clone(),
            });
        }
        if let Some(home) = launch.till_home.as_ref().filter(|h| !h.is_absolute()) {
            return Err(TillError::RelativePath {
                what: "TILL_HOME",
                path: home.clone(),
            });
        }
        platform::write(&self.entry, launch)?;
        self.status()
    }

    /// Removes the entry; returns whether there was one.
    pub fn disable(&self) -> Result<bool, TillError> {
        platform::remove(&self.entry)
    }

    /// Whether the entry is there and what it starts.
    pub fn status(&self) -> Result<AutostartStatus, TillError> {
        let launch = platform::read(&self.entry)?;
        let app_missing = launch.as_ref().is_some_and(|l| !l.app.is_file());
        Ok(AutostartStatus {
            enabled: launch.is_some(),
            entry: self.entry.display().to_string(),
            app: launch.map(|l| l.app.display().to_string()),
            app_missing,
        })
    }
}

/// The desktop app that goes with the `till` at `till_exe`: its sibling (a source build,
/// an unpacked archive), else the packaged one. Fails, naming both places, when neither
/// exists.
pub fn desktop_app_for_cli(till_exe: &Path) -> Result<PathBuf, TillError> {
    let sibling = till_exe.with_file_name(DESKTOP_APP_NAME);
    let candidates = [sibling, PathBuf::from(INSTALLED_DESKTOP_APP)];
    candidates
        .iter()
        .find(|path| path.is_file())
        .cloned()
        .ok_or_else(|| TillError::DesktopAppMissing {
            looked: candidates
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(" or "),
        })
}

#[cfg(all(unix, not(target_os = "macos")))]
use desktop_entry as platform;
#[cfg(target_os = "macos")]
use macos as platform;
#[cfg(windows)]
use windows as platform;

/// Creates the entry's directory if needed (the desktop reads it as the user).
#[cfg_attr(windows, allow(dead_code))]
fn ensure_parent(entry: &Path) -> Result<(), TillError> {
    match entry.parent() {
        Some(dir) => std::fs::create_dir_all(dir).map_err(|source| TillError::Storage {
            path: dir.to_owned(),
            source,
        }),
        None => Ok(()),
    }
}

/// The entry's text; `None` when there is no entry (autostart is off).
#[cfg_attr(windows, allow(dead_code))]
fn read_entry(entry: &Path) -> Result<Option<String>, TillError> {
    match std::fs::read_to_string(entry) {
        Ok(text) => Ok(Some(text)),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(TillError::Storage {
            path: entry.to_owned(),
            source,
        }),
    }
}

/// Removes `entry`; a missing one was already off.
#[cfg_attr(windows, allow(dead_code))]
fn remove_file(entry: &Path) -> Result<bool, TillError> {
    match std::fs::remove_file(entry) {
        Ok(()) => Ok(true),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(source) => Err(TillError::Storage {
            path: entry.to_owned(),
            source,
        }),
    }
}

#[cfg(all(test, unix, not(target_os = "macos")))]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn autostart_in(dir: &Path) -> Autostart {
        Autostart::locate(&PathEnv {
            home: Some(dir.join("home")),
            xdg_config_home: Some(dir.join("config")),
            ..PathEnv::default()
        })
        .unwrap()
    }

    #[test]
    fn off_by_default_then_on_then_off() {
        let dir = tempfile::tempdir().unwrap();
        let autostart = autostart_in(dir.path());
        assert_eq!(
            autostart.entry(),
            dir.path().join("config/autostart/till.desktop")
        );
        assert!(!autostart.status().unwrap().enabled);

        let app = dir.path().join("my apps/till-desktop");
        std::fs::create_dir_all(app.parent().unwrap()).unwrap();
        std::fs::write(&app, b"").unwrap();
        let status = autostart
            .enable(&Launch {
                app: app.clone(),
                till_home: None,
            })
            .unwrap();
        assert!(status.enabled && !status.app_missing);
        assert_eq!(status.app.as_deref(), Some(app.to_str().unwrap()));

        assert!(autostart.disable().unwrap());
        assert!(!autostart.disable().unwrap(), "already off");
        assert!(!autostart.status().unwrap().enabled);
    }

    #[test]
    fn xdg_config_home_falls_back_to_home_config() {
        let autostart = Autostart::locate(&PathEnv {
            home: Some("/home/ada".into()),
            ..PathEnv::default()
        })
        .unwrap();
        assert_eq!(
            autostart.entry(),
            Path::new("/home/ada/.config/autostart/till.desktop")
        );
    }

    #[test]
    fn a_moved_app_is_reported_missing_and_a_relative_one_refused() {
        let dir = tempfile::tempdir().unwrap();
        let autostart = autostart_in(dir.path());
        let launch = Launch {
            app: dir.path().join("gone/till-desktop"),
            till_home: None,
        };
        assert!(autostart.enable(&launch).unwrap().app_missing);
        let relative = Launch {
            app: "till-desktop".into(),
            till_home: None,
        };
        let error = autostart.enable(&relative).unwrap_err();
        assert_eq!(error.code(), crate::ErrorCode::BadEnvironment);
        let relative_home = Launch {
            app: dir.path().join("till-desktop"),
            till_home: Some("vault".into()),
        };
        let error = autostart.enable(&relative_home).unwrap_err();
        assert!(error.to_string().contains("TILL_HOME"), "{error}");
    }

    #[test]
    fn the_cli_finds_its_sibling_app_or_names_where_it_looked() {
        let dir = tempfile::tempdir().unwrap();
        let till = dir.path().join("till");
        let error = desktop_app_for_cli(&till).unwrap_err();
        if !Path::new(INSTALLED_DESKTOP_APP).exists() {
            let message = error.to_string();
            assert!(message.contains(INSTALLED_DESKTOP_APP), "{message}");
            assert!(message.contains(dir.path().to_str().unwrap()), "{message}");
        }
        std::fs::write(dir.path().join(DESKTOP_APP_NAME), b"").unwrap();
        assert_eq!(
            desktop_app_for_cli(&till).unwrap(),
            dir.path().join(DESKTOP_APP_NAME)
        );
    }
}
