//! The state every command and the tray share, created once at startup.
//!
//! The open vault (if any) lives here behind a mutex, with the time of the last user
//! action so the idle timer can lock it. Locking drops the vault, which zeroizes its keys.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use till_core::clock::{clock_from_env, Clock};
use till_core::settings::Settings;
use till_core::vault::Vault;
use till_core::{AppStatus, IpcError, TillError, TillPaths};

use crate::error::StartupError;

/// Till's process-wide state, managed by Tauri.
pub struct AppState {
    pub paths: TillPaths,
    pub clock: Arc<dyn Clock>,
    pub auto_lock_after: Duration,
    /// Why `settings.toml` could not be used (defaults apply); logged once logging is up.
    pub settings_problem: Option<String>,
    vault: Mutex<Option<Vault>>,
    last_activity: Mutex<Instant>,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("paths", &self.paths)
            .field("unlocked", &self.is_unlocked())
            .finish_non_exhaustive()
    }
}

impl AppState {
    /// Reads `TILL_HOME`/XDG, `TILL_NOW`, `settings.toml` and `TILL_AUTO_LOCK_SECS` (which
    /// overrides the setting, for tests); fails early if the paths or clock are unusable.
    pub fn from_env() -> Result<Self, StartupError> {
        let paths = TillPaths::from_env(None)?;
        paths.ensure_exist()?;
        let clock: Arc<dyn Clock> = Arc::from(clock_from_env()?);
        let (settings, settings_problem) = match Settings::load(&paths) {
            Ok(settings) => (settings, None),
            Err(error) => (Settings::default(), Some(error.to_string())),
        };
        // 0 minutes: never lock by itself (the idle timer then never fires).
        let from_settings = match settings.auto_lock_minutes {
            0 => Duration::MAX,
            minutes => Duration::from_secs(u64::from(minutes) * 60),
        };
        let auto_lock_after = std::env::var("TILL_AUTO_LOCK_SECS")
            .ok()
            .and_then(|v| v.parse().ok())
            .map(Duration::from_secs)
            .unwrap_or(from_settings);
        Ok(Self {
            paths,
            clock,
            auto_lock_after,
            settings_problem,
            vault: Mutex::new(None),
            last_activity: Mutex::new(Instant::now()),
        })
    }

    fn slot(&self) -> MutexGuard<'_, Option<Vault>> {
        // A panic while holding the lock leaves the vault as it was: keep using it.
        self.vault
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Notes a user action (resets the idle timer).
    pub fn touch(&self) {
        *self
            .last_activity
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = Instant::now();
    }

    /// How long since the last user action.
    pub fn idle_for(&self) -> Duration {
        self.last_activity
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .elapsed()
    }

    /// Whether a vault is open.
    pub fn is_unlocked(&self) -> bool {
        self.slot().is_some()
    }

    /// The status the window and `till status` show.
    pub fn status(&self) -> AppStatus {
        AppStatus::gather(&self.paths, self.clock.as_ref(), self.is_unlocked())
    }

    /// Keeps an opened vault.
    pub fn set_unlocked(&self, vault: Vault) {
        self.touch();
        *self.slot() = Some(vault);
    }

    /// Runs `action` on the open vault, or fails with `locked`.
    pub fn with_vault<T>(
        &self,
        action: impl FnOnce(&mut Vault) -> Result<T, TillError>,
    ) -> Result<T, IpcError> {
        self.touch();
        let mut slot = self.slot();
        let vault = slot.as_mut().ok_or(TillError::VaultLocked)?;
        action(vault).map_err(IpcError::from)
    }

    /// Locks: audits the lock and drops the vault (its keys are zeroized on drop).
    /// Returns whether a vault was open.
    pub fn lock(&self) -> bool {
        let Some(vault) = self.slot().take() else {
            return false;
        };
        if let Err(error) = vault.lock() {
            tracing::warn!(%error, "the lock could not be written to the audit log");
        }
        true
    }
}
