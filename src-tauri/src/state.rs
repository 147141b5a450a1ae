//! The state every command and the tray share, created once at startup.
//!
//! The open vault (if any) lives here behind a mutex, with the time of the last user
//! action so the idle timer can lock it. Locking drops the vault, which zeroizes its keys.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use till_core::clock::{clock_from_env, Clock};
use till_core::reminders::DueItem;
use till_core::settings::Settings;
use till_core::shortlist::CopyMenuEntry;
use till_core::vault::Vault;
use till_core::{AppStatus, TillError, TillPaths};

use crate::clipboard::ClipboardHolder;
use crate::error::{IpcError, StartupError};
use crate::route::Route;

/// What the tray shows about reminders and copies; names only while unlocked.
#[derive(Debug, Clone, Default)]
pub enum DueSummary {
    /// Not computed yet, or no vault.
    #[default]
    Unknown,
    /// Locked: how many keys are past a deadline (from the plaintext index), never which.
    Locked { due: usize },
    /// Unlocked: everything upcoming or past due, and the Copy menu's entries.
    Open { items: Vec<DueItem>, copy: CopyMenu },
}

/// The tray's Copy menu, as core lists it (ids and labels, in order).
pub type CopyMenu = Vec<CopyMenuEntry>;

/// Wakes the reminder scheduler early (the vault changed, it was unlocked or locked).
#[derive(Debug, Default)]
pub struct Wakeup {
    poked: Mutex<bool>,
    signal: Condvar,
}

impl Wakeup {
    /// Asks the scheduler to look again now.
    pub fn poke(&self) {
        *lock(&self.poked) = true;
        self.signal.notify_all();
    }

    /// Waits up to `timeout` or until poked; returns whether it was poked.
    pub fn wait(&self, timeout: Duration) -> bool {
        let guard = lock(&self.poked);
        let (mut poked, _) = self
            .signal
            .wait_timeout_while(guard, timeout, |poked| !*poked)
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        std::mem::take(&mut *poked)
    }
}

/// Till's process-wide state, managed by Tauri.
pub struct AppState {
    pub paths: TillPaths,
    pub clock: Arc<dyn Clock>,
    pub auto_lock_after: Duration,
    /// Why `settings.toml` could not be used (defaults apply); logged once logging is up.
    pub settings_problem: Option<String>,
    pub settings: Settings,
    /// Wakes the reminder scheduler.
    pub wakeup: Wakeup,
    vault: Mutex<Option<Vault>>,
    /// How many times the vault has locked since Till started (see [`AppState::lock_watch`]).
    locks: AtomicU64,
    last_activity: Mutex<Instant>,
    due: Mutex<DueSummary>,
    /// Where the window should go when it next asks (a notification or tray click).
    route: Mutex<Option<Route>>,
    /// The clipboard copied keys go to.
    pub clipboard: ClipboardHolder,
}

/// Locks a mutex, carrying on with the data if a panic poisoned it.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
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
            settings,
            wakeup: Wakeup::default(),
            vault: Mutex::new(None),
            locks: AtomicU64::new(0),
            last_activity: Mutex::new(Instant::now()),
            due: Mutex::new(DueSummary::Unknown),
            route: Mutex::new(None),
            clipboard: ClipboardHolder::default(),
        })
    }

    fn slot(&self) -> MutexGuard<'_, Option<Vault>> {
        // A panic while holding the lock leaves the vault as it was: keep using it.
        lock(&self.vault)
    }

    /// Notes a user action (resets the idle timer).
    pub fn touch(&self) {
        *lock(&self.last_activity) = Instant::now();
    }

    /// How long since the last user action.
    pub fn idle_for(&self) -> Duration {
        lock(&self.last_activity).elapsed()
    }

    /// What the tray shows about reminders.
    pub fn due_summary(&self) -> DueSummary {
        lock(&self.due).clone()
    }

    /// Replaces the reminder summary (the scheduler does this on every wake).
    pub fn set_due_summary(&self, summary: DueSummary) {
        *lock(&self.due) = summary;
    }

    /// Sets where the window goes next.
    pub fn set_route(&self, route: Route) {
        *lock(&self.route) = Some(route);
    }

    /// Takes the pending route, if any.
    pub fn take_route(&self) -> Option<Route> {
        lock(&self.route).take()
    }

    /// A check that says whether the vault has locked since this call. Work that took
    /// something from the vault (the fingerprints a scan runs with) asks it as it goes
    /// and stops, so that nothing taken outlives the lock for long. Call it while holding
    /// the vault (inside a `with_…vault` action), so no lock can slip in between.
    pub fn lock_watch(&self) -> impl Fn() -> bool + Sync + '_ {
        let since = self.locks.load(Ordering::SeqCst);
        move || self.locks.load(Ordering::SeqCst) != since
    }

    /// Takes the open vault out, counting the lock while the vault is still held, so
    /// [`AppState::lock_watch`] cannot miss it.
    fn take_vault(&self) -> Option<Vault> {
        let mut slot = self.slot();
        let vault = slot.take()?;
        self.locks.fetch_add(1, Ordering::SeqCst);
        Some(vault)
    }

    /// Whether a vault is open.
    pub fn is_unlocked(&self) -> bool {
        self.slot().is_some()
    }

    /// The status the window and `till status` show.
    pub fn status(&self) -> AppStatus {
        AppStatus::gather(&self.paths, self.clock.as_ref(), self.is_unlocked())
    }

    /// Keeps an opened vault (opened with this state's settings).
    pub fn set_unlocked(&self, vault: Vault) {
        self.touch();
        *self.slot() = Some(vault);
        self.wakeup.poke();
    }

    /// Runs `action` on the open vault, or fails with `locked`.
    pub fn with_vault<T>(
        &self,
        action: impl FnOnce(&mut Vault) -> Result<T, TillError>,
    ) -> Result<T, IpcError> {
        self.touch();
        let result = {
            let mut slot = self.slot();
            let vault = slot.as_mut().ok_or(TillError::VaultLocked)?;
            action(vault).map_err(IpcError::from)
        };
        // Anything may have changed a deadline: the scheduler looks again.
        self.wakeup.poke();
        result
    }

    /// Runs a read-only `action` (a search as you type) on the open vault, or fails with
    /// `locked`. It counts as a user action but does not wake the scheduler: nothing
    /// changed.
    pub fn with_vault_read<T>(
        &self,
        action: impl FnOnce(&mut Vault) -> Result<T, TillError>,
    ) -> Result<T, IpcError> {
        self.touch();
        let mut slot = self.slot();
        let vault = slot.as_mut().ok_or(TillError::VaultLocked)?;
        action(vault).map_err(IpcError::from)
    }

    /// Runs `action` on the open vault without counting as a user action (the idle timer
    /// keeps running) and without waking the scheduler; `None` when locked.
    pub fn with_open_vault<T>(
        &self,
        action: impl FnOnce(&mut Vault) -> Result<T, TillError>,
    ) -> Option<Result<T, TillError>> {
        self.slot().as_mut().map(action)
    }

    /// Locks: audits the lock and drops the vault (its keys are zeroized on drop).
    /// Returns whether a vault was open.
    pub fn lock(&self) -> bool {
        // A copied key does not outlive the lock (nor Till: quitting locks).
        self.clipboard.clear_if_ours();
        let Some(vault) = self.take_vault() else {
            return false;
        };
        // Names of due keys must not outlive the lock, even in the tray.
        self.set_due_summary(DueSummary::Unknown);
        lock(&self.route).take();
        if let Err(error) = vault.lock() {
            tracing::warn!(
                error = %crate::logging::loggable(&error),
                "the lock could not be written to the audit log"
            );
        }
        self.wakeup.poke();
        true
    }
}
