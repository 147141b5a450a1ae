//! The leak watcher thread: the watched folders (`[scan] watched`) rescanned when files
//! in them change, while the vault is open, and a notification when a vault key turns up.
//!
//! One thread owns the inotify watcher (`notify`) and a [`Debouncer`]: changes settle for
//! about a second, then only the folders that changed are rescanned ([`plan`]), leaving
//! out what a full scan skips (`.gitignore`d build output, `.git`: [`Skips`]). Nothing is
//! scanned while locked; unlocking rescans every watched folder and locking drops every
//! finding ([`Board::clear`]). The event channel is bounded; if a burst overflows it, the
//! next batch rescans everything instead of keeping every path.
//!
//! [`Board::clear`]: till_core::leaks::board::Board::clear

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, RecvTimeoutError, SyncSender, TrySendError};
use std::sync::Arc;
use std::time::{Duration, Instant};

use notify::{EventKind, RecommendedWatcher, RecursiveMode, Watcher};
use tauri::{AppHandle, Emitter, Manager};
use till_core::leaks::debounce::{plan, Debouncer, Reach};
use till_core::leaks::{self, Skips};
use till_core::settings::scan::shorten;
use till_core::settings::{ScanSettings, Settings};
use till_core::TillError;

use super::{home, lock, LeaksHost, LEAKS_EVENT};
use crate::state::AppState;
use crate::{notifications, windows};

/// Changed paths waiting for the watcher thread, at most.
const CHANNEL: usize = 4096;
/// How often the thread looks whether the vault was unlocked or locked.
const LOCK_CHECK: Duration = Duration::from_millis(500);
/// Vault keys announced one by one per batch; more are summed up in one notification.
const ONE_BY_ONE: usize = 3;

/// What the watcher thread is asked to do.
pub(super) enum Msg {
    Changed(PathBuf),
    /// The watched folders changed in `settings.toml`.
    Reconfigure,
    /// Scan a folder once (not watched).
    ScanOnce(PathBuf),
}

/// Starts the watcher thread.
pub fn start(app: AppHandle) {
    let (sender, receiver) = sync_channel(CHANNEL);
    *lock(&app.state::<LeaksHost>().sender) = Some(sender.clone());
    let spawned = std::thread::Builder::new()
        .name("till-leaks".into())
        .spawn(move || {
            let mut worker = Worker::new(app, sender);
            worker.configure();
            worker.run(&receiver);
        });
    if let Err(error) = spawned {
        tracing::error!(%error, "could not start the leak watcher");
    }
}

struct Worker {
    app: AppHandle,
    sender: SyncSender<Msg>,
    overflowed: Arc<AtomicBool>,
    watcher: Option<RecommendedWatcher>,
    roots: Vec<PathBuf>,
    max_file_size: u64,
    debouncer: Debouncer,
    unlocked: bool,
}

impl Worker {
    fn new(app: AppHandle, sender: SyncSender<Msg>) -> Self {
        Self {
            app,
            sender,
            overflowed: Arc::new(AtomicBool::new(false)),
            watcher: None,
            roots: Vec::new(),
            max_file_size: ScanSettings::default().max_file_size(),
            debouncer: Debouncer::default(),
            unlocked: false,
        }
    }

    fn run(&mut self, receiver: &Receiver<Msg>) {
        loop {
            let now = Instant::now();
            let wait = self
                .debouncer
                .deadline()
                .map_or(LOCK_CHECK, |at| at.saturating_duration_since(now))
                .min(LOCK_CHECK);
            match receiver.recv_timeout(wait) {
                Ok(Msg::Changed(path)) => self.debouncer.push(path, Instant::now()),
                Ok(Msg::Reconfigure) => {
                    self.configure();
                    self.debouncer.push_everything(Instant::now());
                }
                Ok(Msg::ScanOnce(folder)) => self.scan(&[Reach::Tree(folder)]),
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => return,
            }
            if self.overflowed.swap(false, Ordering::Relaxed) {
                self.debouncer.push_everything(Instant::now());
            }
            let host = self.app.state::<LeaksHost>();
            if host.reconfigure_pending.swap(false, Ordering::Relaxed) {
                self.configure();
                self.debouncer.push_everything(Instant::now());
            }
            self.follow_the_lock();
            if let Some(batch) = self.debouncer.take(Instant::now()) {
                if self.unlocked {
                    let mut skips = Skips::default();
                    let reaches = plan(&batch, &self.roots, Path::is_dir, |path, dir| {
                        skips.skips(path, dir)
                    });
                    self.scan(&reaches);
                }
            }
        }
    }

    /// Unlocked: rescan everything soon. Locked: forget names and paths at once.
    fn follow_the_lock(&mut self) {
        let unlocked = self.app.state::<AppState>().is_unlocked();
        if unlocked == self.unlocked {
            return;
        }
        self.unlocked = unlocked;
        if unlocked {
            self.debouncer.push_everything(Instant::now());
        } else {
            lock(&self.app.state::<LeaksHost>().board).clear();
            self.debouncer = Debouncer::default();
            self.changed();
        }
    }

    /// Reads `[scan]` and watches its folders (a new watcher: the set is small).
    fn configure(&mut self) {
        let state = self.app.state::<AppState>();
        let host = self.app.state::<LeaksHost>();
        let scan = Settings::load(&state.paths)
            .map(|s| s.scan)
            .unwrap_or_default();
        self.max_file_size = scan.max_file_size();
        self.roots = scan.folders(home().as_deref());
        lock(&host.board).retain_under(&self.roots);
        let mut problems = Vec::new();
        self.watcher = None;
        if !self.roots.is_empty() {
            match self.watcher() {
                Ok(mut watcher) => {
                    for root in &self.roots {
                        if let Err(error) = watcher.watch(root, RecursiveMode::Recursive) {
                            problems.push(format!(
                                "{} is not watched: {error}",
                                shorten(root, home().as_deref())
                            ));
                        }
                    }
                    self.watcher = Some(watcher);
                }
                Err(error) => problems.push(format!("folders cannot be watched: {error}")),
            }
        }
        tracing::info!(
            folders = self.roots.len(),
            problems = problems.len(),
            "leak watcher configured"
        );
        *lock(&host.watch_problems) = problems;
        lock(&host.scan_problems).clear();
        self.changed();
    }

    fn watcher(&self) -> notify::Result<RecommendedWatcher> {
        let sender = self.sender.clone();
        let overflowed = Arc::clone(&self.overflowed);
        notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
            let Ok(event) = event else {
                overflowed.store(true, Ordering::Relaxed);
                return;
            };
            if matches!(event.kind, EventKind::Access(_)) {
                return;
            }
            for path in event.paths {
                match sender.try_send(Msg::Changed(path)) {
                    Ok(()) => {}
                    Err(TrySendError::Full(_)) => overflowed.store(true, Ordering::Relaxed),
                    Err(TrySendError::Disconnected(_)) => return,
                }
            }
        })
    }

    /// Rescans `reaches` with the vault's fingerprints and announces new vault keys.
    fn scan(&mut self, reaches: &[Reach]) {
        let state = self.app.state::<AppState>();
        let host = self.app.state::<LeaksHost>();
        let taken = state.with_open_vault(|vault| Ok((vault.fingerprinter(), state.lock_watch())));
        let Some(Ok((prints, vault_locked))) = taken else {
            return;
        };
        let mut news = Vec::new();
        let mut problems = Vec::new();
        for reach in reaches {
            let (folder, depth) = reach.walk();
            let folders = [folder.to_owned()];
            let found =
                match leaks::scan_with(&prints, &folders, self.max_file_size, depth, &vault_locked)
                {
                    Ok(outcome) => outcome.findings,
                    // Locked: nothing found may be shown or announced. The loop then
                    // clears the board (`follow_the_lock`); if the vault was opened
                    // again meanwhile, this asks for the rescan the stop cut short.
                    Err(TillError::VaultLocked) => {
                        self.debouncer.push_everything(Instant::now());
                        return;
                    }
                    Err(error) => {
                        problems.push(error.to_string());
                        Vec::new()
                    }
                };
            news.extend(lock(&host.board).replace(reach, found));
        }
        drop(prints);
        if vault_locked() {
            self.debouncer.push_everything(Instant::now());
            return;
        }
        if !problems.is_empty() {
            tracing::info!(
                count = problems.len(),
                "some watched folders could not be scanned"
            );
        }
        *lock(&host.scan_problems) = problems;
        // Announced before the window hears of it: what the window shows was announced.
        announce(&self.app, &news);
        self.changed();
    }

    fn changed(&self) {
        let _ = self.app.emit_to(windows::MAIN_WINDOW, LEAKS_EVENT, ());
    }
}

/// A vault key found: "Stripe prod is in ~/code/shop/.env:3", one notification each for
/// the first few, then one for the rest.
fn announce(app: &AppHandle, news: &[leaks::Finding]) {
    let home = home();
    for finding in news.iter().take(ONE_BY_ONE) {
        let Some(name) = finding.key.clone() else {
            continue;
        };
        let place = format!(
            "{}:{}",
            shorten(Path::new(&finding.path), home.as_deref()),
            finding.line
        );
        notifications::leak_found(app, name, place);
    }
    if news.len() > ONE_BY_ONE {
        notifications::more_leaks_found(app, news.len() - ONE_BY_ONE);
    }
}
