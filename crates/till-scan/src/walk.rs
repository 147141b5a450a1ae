//! The directory scan: walk the paths as ripgrep does (`.gitignore`, `.ignore` and
//! `.tillignore` honoured, `.git` skipped, hidden files such as `.env` included), skip
//! binaries and files over the size limit, and scan files on several threads.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Mutex;

use ignore::{WalkBuilder, WalkState};

use crate::{is_binary, Finding, Fingerprints, Outcome, ScanError, Scanner, Stats, IGNORE_FILE};

/// How a scan runs.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// Files larger than this many bytes are skipped (and counted).
    pub max_file_size: u64,
    /// Threads scanning files; 0 picks one per core.
    pub threads: usize,
    /// How deep to walk below each root (`Some(1)`: its own files only, as a watcher
    /// rescanning one changed folder wants); `None`: all the way.
    pub max_depth: Option<usize>,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            max_file_size: crate::DEFAULT_MAX_FILE_SIZE,
            threads: 0,
            max_depth: None,
        }
    }
}

#[derive(Default)]
struct Counters {
    files: AtomicU64,
    bytes: AtomicU64,
    skipped_large: AtomicU64,
    skipped_binary: AtomicU64,
}

impl Counters {
    fn stats(&self) -> Stats {
        Stats {
            files: self.files.load(Ordering::Relaxed),
            bytes: self.bytes.load(Ordering::Relaxed),
            skipped_large: self.skipped_large.load(Ordering::Relaxed),
            skipped_binary: self.skipped_binary.load(Ordering::Relaxed),
        }
    }
}

/// Scans files and directories. A path that does not exist is an error; a file that
/// cannot be read is listed in [`Outcome::errors`] and the scan goes on.
pub fn scan_paths(
    scanner: &Scanner,
    vault: &dyn Fingerprints,
    roots: &[PathBuf],
    options: Options,
) -> Result<Outcome, ScanError> {
    scan_paths_until(scanner, vault, roots, options, &|| false)
}

/// [`scan_paths`], asking `stop` before each file: once it says yes, the scan ends with
/// [`ScanError::Stopped`] and what it found is dropped. The desktop app stops a scan
/// when the vault locks, so the fingerprints it scans with do not outlive the lock.
pub fn scan_paths_until(
    scanner: &Scanner,
    vault: &dyn Fingerprints,
    roots: &[PathBuf],
    options: Options,
    stop: &(dyn Fn() -> bool + Sync),
) -> Result<Outcome, ScanError> {
    let stopped = AtomicBool::new(false);
    let findings = Mutex::new(Vec::new());
    let errors = Mutex::new(Vec::new());
    let counters = Counters::default();
    for root in roots {
        std::fs::metadata(root).map_err(|source| ScanError::Io {
            path: root.display().to_string(),
            source,
        })?;
        let walker = WalkBuilder::new(root)
            .hidden(false)
            .require_git(false)
            .add_custom_ignore_filename(IGNORE_FILE)
            .filter_entry(|entry| entry.file_name() != ".git")
            .threads(options.threads)
            .max_depth(options.max_depth)
            .build_parallel();
        walker.run(|| {
            Box::new(|entry| {
                if stopped.load(Ordering::Relaxed) || stop() {
                    stopped.store(true, Ordering::Relaxed);
                    return WalkState::Quit;
                }
                let entry = match entry {
                    Ok(entry) => entry,
                    Err(error) => {
                        push(&errors, error.to_string());
                        return WalkState::Continue;
                    }
                };
                if !entry.file_type().is_some_and(|t| t.is_file()) {
                    return WalkState::Continue;
                }
                match scan_file(scanner, vault, root, entry.path(), options, &counters) {
                    Ok(found) if !found.is_empty() => {
                        if let Ok(mut all) = findings.lock() {
                            all.extend(found);
                        }
                    }
                    Ok(_) => {}
                    Err(error) => push(&errors, error.to_string()),
                }
                WalkState::Continue
            })
        });
        if stopped.load(Ordering::Relaxed) {
            return Err(ScanError::Stopped);
        }
    }
    let mut findings = findings.into_inner().unwrap_or_else(|p| p.into_inner());
    findings.sort_by(|a, b| (&a.path, a.line).cmp(&(&b.path, b.line)));
    let mut errors = errors.into_inner().unwrap_or_else(|p| p.into_inner());
    errors.sort();
    Ok(Outcome {
        findings,
        stats: counters.stats(),
        errors,
    })
}

fn push(errors: &Mutex<Vec<String>>, error: String) {
    if let Ok(mut errors) = errors.lock() {
        errors.push(error);
    }
}

fn scan_file(
    scanner: &Scanner,
    vault: &dyn Fingerprints,
    root: &Path,
    path: &Path,
    options: Options,
    counters: &Counters,
) -> Result<Vec<Finding>, ScanError> {
    let io = |source| ScanError::Io {
        path: path.display().to_string(),
        source,
    };
    let size = std::fs::metadata(path).map_err(io)?.len();
    if size > options.max_file_size {
        counters.skipped_large.fetch_add(1, Ordering::Relaxed);
        return Ok(Vec::new());
    }
    let data = std::fs::read(path).map_err(io)?;
    if is_binary(&data) {
        counters.skipped_binary.fetch_add(1, Ordering::Relaxed);
        return Ok(Vec::new());
    }
    counters.files.fetch_add(1, Ordering::Relaxed);
    counters
        .bytes
        .fetch_add(data.len() as u64, Ordering::Relaxed);
    let found = scanner.scan(&data, vault);
    if found.is_empty() {
        return Ok(Vec::new());
    }
    let shown = display(path);
    let relative = match path.strip_prefix(root) {
        Ok(rel) if !rel.as_os_str().is_empty() => slashed(rel),
        _ => path
            .file_name()
            .map_or_else(|| shown.clone(), |n| n.to_string_lossy().into_owned()),
    };
    Ok(found
        .into_iter()
        .map(|f| Finding {
            path: shown.clone(),
            line: f.line,
            kind: f.kind,
            key: f.key,
            provider: f.provider,
            fingerprint: f.fingerprint,
            encoding: f.encoding,
            commit: None,
            relative_path: relative.clone(),
        })
        .collect())
}

/// A path as the user would type it: `./` dropped, `/` separators.
fn display(path: &Path) -> String {
    slashed(path.strip_prefix(".").unwrap_or(path))
}

fn slashed(path: &Path) -> String {
    path.to_string_lossy().into_owned()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// One format, GitHub's classic token: enough for a walk to find something.
    pub(crate) fn github_scanner() -> Scanner {
        Scanner::new(
            vec![crate::Format {
                provider: "github".into(),
                label: "token".into(),
                prefix: "ghp_".into(),
                regex: "^ghp_[A-Za-z0-9]{36}$".into(),
                console_url: None,
                agent_token: false,
            }],
            |_| "ghp_…2cV5".into(),
        )
        .unwrap()
    }

    #[test]
    fn a_stop_ends_the_scan_between_files_and_keeps_none_of_its_findings() {
        let dir = tempfile::tempdir().unwrap();
        for n in 0..40 {
            let key = format!("ghp_Zq8bW2nR5tY7uI9oP1aS3dF6gH4jK0lX{n:04}");
            std::fs::write(dir.path().join(format!("f{n:02}.env")), key).unwrap();
        }
        let roots = [dir.path().to_owned()];
        let one_thread = Options {
            threads: 1,
            ..Options::default()
        };
        let scanner = github_scanner();

        let whole = scan_paths(&scanner, &crate::NoVault, &roots, one_thread).unwrap();
        assert_eq!(whole.findings.len(), 40);

        // Yes from the fifth question on: the walk quits there, and the scan says so.
        let asked = AtomicU64::new(0);
        let stop = || asked.fetch_add(1, Ordering::Relaxed) >= 4;
        let stopped = scan_paths_until(&scanner, &crate::NoVault, &roots, one_thread, &stop);
        assert!(matches!(stopped, Err(ScanError::Stopped)), "{stopped:?}");
        assert_eq!(
            asked.load(Ordering::Relaxed),
            5,
            "asked once per entry, then quit"
        );

        // A stop that never says yes changes nothing.
        let never = scan_paths_until(&scanner, &crate::NoVault, &roots, one_thread, &|| false);
        assert_eq!(never.unwrap().findings.len(), 40);
    }
}
