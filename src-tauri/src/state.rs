//! The state every command and the tray share, created once at startup.

use till_core::clock::{clock_from_env, Clock};
use till_core::{AppStatus, TillPaths};

use crate::error::StartupError;

/// Till's process-wide state, managed by Tauri.
#[derive(Debug)]
pub struct AppState {
    pub paths: TillPaths,
    pub clock: Box<dyn Clock>,
}

impl AppState {
    /// Reads `TILL_HOME`/XDG and `TILL_NOW`; fails early with a clear message if unusable.
    pub fn from_env() -> Result<Self, StartupError> {
        let paths = TillPaths::from_env(None)?;
        paths.ensure_exist()?;
        let clock = clock_from_env()?;
        Ok(Self { paths, clock })
    }

    /// The status the window and `till status` show.
    pub fn status(&self) -> AppStatus {
        // No vault can be opened yet, so it is never unlocked.
        AppStatus::gather(&self.paths, self.clock.as_ref(), false)
    }
}
