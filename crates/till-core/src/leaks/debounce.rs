//! From a watcher's stream of changed paths to a few rescans.
//!
//! An editor's save, a `git checkout` or a build fires dozens of events in a burst. The
//! [`Debouncer`] collects them until the folder has been quiet for a while (about a
//! second), but never holds a batch longer than a ceiling, so a file written every few
//! hundred milliseconds is still rescanned. It keeps at most a bounded number of paths;
//! past that it stops listing and asks for whole folders to be rescanned, so a burst of
//! any size costs bounded memory. [`plan`] then turns a batch into what to rescan: the
//! folder each changed file sits in (its own files only), or a whole tree for a folder
//! that appeared. Everything takes an explicit `now`, so tests do not sleep.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// How long a folder must be quiet before its changes are rescanned.
pub const QUIET: Duration = Duration::from_secs(1);
/// The longest a change waits, however busy the folder.
pub const MAX_DELAY: Duration = Duration::from_secs(5);
/// The most changed paths kept; past this a batch rescans the watched folders whole.
pub const MAX_PATHS: usize = 512;

/// What a batch asks to rescan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Batch {
    /// These paths changed (sorted, each once).
    Paths(Vec<PathBuf>),
    /// More changed than was worth listing: rescan every watched folder.
    Everything,
}

/// Collects changed paths until they settle.
#[derive(Debug)]
pub struct Debouncer {
    quiet: Duration,
    max_delay: Duration,
    max_paths: usize,
    pending: BTreeSet<PathBuf>,
    overflowed: bool,
    first: Option<Instant>,
    last: Option<Instant>,
}

impl Default for Debouncer {
    fn default() -> Self {
        Self::new(QUIET, MAX_DELAY, MAX_PATHS)
    }
}

impl Debouncer {
    pub fn new(quiet: Duration, max_delay: Duration, max_paths: usize) -> Self {
        Self {
            quiet,
            max_delay,
            max_paths,
            pending: BTreeSet::new(),
            overflowed: false,
            first: None,
            last: None,
        }
    }

    /// Notes that `path` changed at `now`.
    pub fn push(&mut self, path: PathBuf, now: Instant) {
        self.first.get_or_insert(now);
        self.last = Some(now);
        if self.overflowed {
            return;
        }
        self.pending.insert(path);
        if self.pending.len() > self.max_paths {
            self.pending.clear();
            self.overflowed = true;
        }
    }

    /// Asks for every watched folder to be rescanned (a folder was added, the vault
    /// opened), as part of the next batch.
    pub fn push_everything(&mut self, now: Instant) {
        self.first.get_or_insert(now);
        self.last = Some(now);
        self.pending.clear();
        self.overflowed = true;
    }

    /// When the pending batch is due; `None` when nothing is pending.
    pub fn deadline(&self) -> Option<Instant> {
        let (first, last) = (self.first?, self.last?);
        Some((last + self.quiet).min(first + self.max_delay))
    }

    /// The batch, if it is due at `now`; the debouncer is then empty.
    pub fn take(&mut self, now: Instant) -> Option<Batch> {
        if self.deadline()? > now {
            return None;
        }
        self.first = None;
        self.last = None;
        if std::mem::take(&mut self.overflowed) {
            self.pending.clear();
            return Some(Batch::Everything);
        }
        Some(Batch::Paths(
            std::mem::take(&mut self.pending).into_iter().collect(),
        ))
    }
}

/// Part of the disk to rescan, and so the part of the findings a rescan replaces.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Reach {
    /// A folder and everything below it.
    Tree(PathBuf),
    /// A folder's own files, not its subfolders.
    Files(PathBuf),
}

impl Reach {
    /// Whether a finding in `file` is in this reach.
    pub fn covers(&self, file: &Path) -> bool {
        match self {
            Self::Tree(root) => file.starts_with(root),
            Self::Files(dir) => file.parent() == Some(dir.as_path()),
        }
    }

    /// The folder, and how deep to walk it.
    pub fn walk(&self) -> (&Path, Option<usize>) {
        match self {
            Self::Tree(root) => (root, None),
            Self::Files(dir) => (dir, Some(1)),
        }
    }
}

/// What to rescan for `batch` under the watched `roots`: a changed file's folder (its
/// own files), a folder that is itself a changed path whole; nothing the walk `skips`
/// (`.gitignore`d build output, `.git`) and nothing outside the roots; a folder inside a
/// tree being rescanned anyway is dropped.
pub fn plan(
    batch: &Batch,
    roots: &[PathBuf],
    is_dir: impl Fn(&Path) -> bool,
    mut skips: impl FnMut(&Path, bool) -> bool,
) -> Vec<Reach> {
    let paths = match batch {
        Batch::Everything => return roots.iter().cloned().map(Reach::Tree).collect(),
        Batch::Paths(paths) => paths,
    };
    let mut reaches = BTreeSet::new();
    for path in paths {
        let inside = roots.iter().any(|root| path.starts_with(root));
        let in_git = path.components().any(|c| c.as_os_str() == ".git");
        if !inside || in_git {
            continue;
        }
        let dir = is_dir(path);
        if skips(path, dir) {
            continue;
        }
        if dir {
            reaches.insert(Reach::Tree(path.clone()));
        } else if let Some(parent) = path.parent() {
            reaches.insert(Reach::Files(parent.to_owned()));
        }
    }
    let trees: Vec<PathBuf> = reaches
        .iter()
        .filter_map(|r| match r {
            Reach::Tree(root) => Some(root.clone()),
            Reach::Files(_) => None,
        })
        .collect();
    reaches
        .into_iter()
        .filter(|reach| {
            let (folder, _) = reach.walk();
            !trees
                .iter()
                .any(|tree| folder.starts_with(tree) && reach != &Reach::Tree(tree.clone()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn a_burst_is_one_batch_once_the_folder_is_quiet() {
        let start = Instant::now();
        let mut debouncer = Debouncer::default();
        assert_eq!(debouncer.deadline(), None);
        assert_eq!(debouncer.take(start), None);
        for (i, name) in ["a/.env", "a/.env", "a/b.py", "a/.env"].iter().enumerate() {
            debouncer.push(PathBuf::from(name), start + ms(100 * i as u64));
        }
        let last = start + ms(300);
        assert_eq!(debouncer.deadline(), Some(last + QUIET));
        assert_eq!(debouncer.take(last + ms(999)), None, "still settling");
        assert_eq!(
            debouncer.take(last + QUIET),
            Some(Batch::Paths(vec!["a/.env".into(), "a/b.py".into()])),
            "each path once"
        );
        assert_eq!(debouncer.take(last + QUIET * 10), None, "emptied");
    }

    #[test]
    fn a_file_written_without_pause_is_still_rescanned_after_the_ceiling() {
        let start = Instant::now();
        let mut debouncer = Debouncer::default();
        let mut now = start;
        let mut batches = 0;
        // A log written every 300 ms for 12 s: never quiet for a second.
        while now < start + Duration::from_secs(12) {
            debouncer.push("app.log".into(), now);
            if debouncer.take(now).is_some() {
                batches += 1;
                assert!(now - start >= MAX_DELAY, "not before the ceiling");
            }
            now += ms(300);
        }
        assert_eq!(batches, 2, "one batch per 5 s ceiling");
    }

    #[test]
    fn too_many_paths_become_one_rescan_of_everything() {
        let start = Instant::now();
        let mut debouncer = Debouncer::new(QUIET, MAX_DELAY, 3);
        for i in 0..10_000 {
            debouncer.push(PathBuf::from(format!("f{i}")), start);
        }
        assert!(debouncer.pending.is_empty(), "memory stays bounded");
        assert_eq!(debouncer.take(start + QUIET), Some(Batch::Everything));
        debouncer.push("x".into(), start + QUIET);
        assert_eq!(
            debouncer.take(start + QUIET * 2),
            Some(Batch::Paths(vec!["x".into()])),
            "the next batch lists paths again"
        );
    }

    #[test]
    fn a_batch_becomes_folders_to_rescan_inside_the_watched_roots() {
        let roots = [PathBuf::from("/w/shop"), PathBuf::from("/w/api")];
        let is_dir = |p: &Path| p.ends_with("new-service") || p.ends_with("new-service/src");
        let skips = |p: &Path, _dir: bool| p.components().any(|c| c.as_os_str() == "target");
        let batch = Batch::Paths(
            [
                "/w/shop/.env",
                "/w/shop/.env.local",
                "/w/shop/src/main.rs",
                "/w/shop/.git/index",
                "/w/shop/target/debug/app.d",
                "/elsewhere/.env",
                "/w/api/new-service",
                "/w/api/new-service/src",
                "/w/api/new-service/src/lib.rs",
            ]
            .map(PathBuf::from)
            .to_vec(),
        );
        assert_eq!(
            plan(&batch, &roots, is_dir, skips),
            [
                Reach::Tree("/w/api/new-service".into()),
                Reach::Files("/w/shop".into()),
                Reach::Files("/w/shop/src".into()),
            ]
        );
        assert_eq!(
            plan(&Batch::Everything, &roots, is_dir, skips),
            [Reach::Tree("/w/shop".into()), Reach::Tree("/w/api".into())]
        );
    }

    #[test]
    fn a_reach_covers_its_files() {
        let files = Reach::Files("/w/shop".into());
        assert!(files.covers(Path::new("/w/shop/.env")));
        assert!(!files.covers(Path::new("/w/shop/src/main.rs")));
        let tree = Reach::Tree("/w/shop".into());
        assert!(tree.covers(Path::new("/w/shop/src/main.rs")));
        assert!(!tree.covers(Path::new("/w/shopping/.env")));
    }
}
