//! The Leaks view's side of the shell: the findings of the watched folders (kept in
//! memory, dropped on lock), the way to the watcher thread ([`watcher`]), and starting the
//! leaked-key runbook from a finding or a notification.
//!
//! Findings live in memory only: they hold no value, and matching needs the vault's
//! fingerprint key, so a rescan after the next unlock rebuilds them.

mod watcher;

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::SyncSender;
use std::sync::{Mutex, MutexGuard};

use serde::Serialize;
use tauri::{AppHandle, Manager};
use till_core::leaks::board::{Board, LeakGroup, LeakPlace};
use till_core::settings::Settings;
use till_core::TillError;
use ts_rs::TS;

use crate::route::{KeyPanel, Route};
use crate::state::AppState;
use crate::windows;

pub use watcher::start;
use watcher::Msg;

/// Tells the window the findings changed.
pub const LEAKS_EVENT: &str = "till://leaks";

/// The Leaks view: the watched folders and what was found in them.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct LeakOverview {
    /// Findings need the vault: while locked there are none.
    pub unlocked: bool,
    /// The watched folders, as written in `settings.toml`.
    pub watched: Vec<String>,
    /// Files larger than this are skipped (`[scan] max_file_size_kb`).
    #[ts(type = "number")]
    pub max_file_size_kb: u64,
    /// Findings grouped by key.
    pub groups: Vec<LeakGroup>,
    /// How many places are shown (the sidebar's count).
    pub count: u32,
    /// Folders that could not be watched or scanned, and why.
    pub problems: Vec<String>,
}

/// The findings and the way to the watcher thread, managed by Tauri.
#[derive(Default)]
pub struct LeaksHost {
    board: Mutex<Board>,
    sender: Mutex<Option<SyncSender<Msg>>>,
    /// Folders that could not be watched (since the last configuration).
    watch_problems: Mutex<Vec<String>>,
    /// Folders the last rescan could not read (replaced by each rescan, so bounded).
    scan_problems: Mutex<Vec<String>>,
    /// The watched folders changed while the thread's queue was full.
    reconfigure_pending: AtomicBool,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|p| p.into_inner())
}

fn home() -> Option<PathBuf> {
    std::env::var_os("HOME").map(PathBuf::from)
}

impl LeaksHost {
    /// Queues `msg` for the watcher thread without waiting; false if its queue is full
    /// (a burst of changes it is working through) or it is not running.
    fn send(&self, msg: Msg) -> bool {
        lock(&self.sender)
            .as_ref()
            .is_some_and(|sender| sender.try_send(msg).is_ok())
    }

    /// Re-reads the watched folders from `settings.toml` and rescans them (at the
    /// thread's next turn if its queue is full).
    pub fn reconfigure(&self) {
        if !self.send(Msg::Reconfigure) {
            self.reconfigure_pending.store(true, Ordering::Relaxed);
        }
    }

    /// Scans `folder` once; its findings join the view until the vault locks or the
    /// watched folders change.
    pub fn scan_once(&self, folder: PathBuf) -> Result<(), TillError> {
        if self.send(Msg::ScanOnce(folder)) {
            Ok(())
        } else {
            Err(TillError::InvalidInput {
                what: "Till is busy rescanning the watched folders: try again in a moment".into(),
            })
        }
    }

    /// Hides a finding until its file changes; whether there was one.
    pub fn dismiss(&self, path: &str, line: usize, fingerprint: &str) -> bool {
        lock(&self.board).dismiss(path, line, fingerprint)
    }

    /// Whether `path` is a file with a finding shown (the window may only act on those).
    pub fn has_file(&self, path: &str) -> bool {
        self.groups()
            .iter()
            .any(|g| g.places.iter().any(|p| p.path == path))
    }

    fn groups(&self) -> Vec<LeakGroup> {
        lock(&self.board).groups(home().as_deref())
    }

    /// The places `key` (a vault key's name) was found.
    pub fn places_of(&self, key: &str) -> Vec<LeakPlace> {
        self.groups()
            .into_iter()
            .filter(|g| g.key.as_deref() == Some(key))
            .flat_map(|g| g.places)
            .collect()
    }

    /// The Leaks view now.
    pub fn overview(&self, state: &AppState) -> LeakOverview {
        let groups = self.groups();
        let count = groups.iter().map(|g| g.places.len()).sum::<usize>();
        let scan = Settings::load(&state.paths)
            .map(|s| s.scan)
            .unwrap_or_default();
        let mut problems = lock(&self.watch_problems).clone();
        problems.extend(lock(&self.scan_problems).iter().cloned());
        LeakOverview {
            unlocked: state.is_unlocked(),
            watched: scan.watched,
            max_file_size_kb: scan.max_file_size_kb,
            count: u32::try_from(count).unwrap_or(u32::MAX),
            groups,
            problems,
        }
    }
}

/// Starts the leaked-key runbook on `name` (audited, with where it was found) and opens
/// it in the window; locked, the window asks to unlock and the runbook is started there.
pub fn start_runbook(app: &AppHandle, name: &str, place: Option<&str>) {
    let state = app.state::<AppState>();
    match state.with_vault(|vault| vault.leak_response().start(name, place)) {
        Ok(_) => tracing::info!("leaked-key runbook started"),
        Err(error) => tracing::warn!(code = ?error.code, "could not start the leaked-key runbook"),
    }
    windows::show_at(
        app,
        Route::Key {
            name: name.to_owned(),
            panel: Some(KeyPanel::Leak),
        },
    );
}
