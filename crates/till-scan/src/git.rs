//! Scans what git holds rather than the working tree: the staged blobs (what the next
//! commit would add, for a pre-commit hook) and every blob reachable from any ref (a key
//! that was committed and later removed is still in the history).
//!
//! Uses the `git` binary (no libgit2): `git diff --cached` or `git rev-list --objects`
//! to list blobs, one `git cat-file --batch` to read them all, and `git log --raw` to
//! name the commit that added each historical blob. Every blob is scanned once.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::ops::RangeInclusive;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{mpsc, Mutex};

use crate::suppress::TillIgnore;
use crate::walk::Options;
use crate::{is_binary, Finding, Fingerprints, Outcome, ScanError, Scanner, Stats};

/// One blob to read: how to name it to `git cat-file`, its path and its commit.
struct Blob {
    object: String,
    path: String,
    commit: Option<String>,
}

/// The top of the work tree that holds `path`.
pub fn repo_root(path: &Path) -> Result<PathBuf, ScanError> {
    let out = git(path, &["rev-parse", "--show-toplevel"])?;
    let top = String::from_utf8_lossy(&out).trim().to_owned();
    if top.is_empty() {
        return Err(ScanError::Git(format!(
            "{} is not inside a git work tree",
            path.display()
        )));
    }
    Ok(PathBuf::from(top))
}

/// Scans the staged version of every file added, copied, modified or renamed in the
/// index of the repository holding `path`, and reports what is on the lines the next
/// commit adds.
pub fn scan_staged(
    scanner: &Scanner,
    vault: &dyn Fingerprints,
    path: &Path,
    options: Options,
) -> Result<Outcome, ScanError> {
    let top = repo_root(path)?;
    let names = git(
        &top,
        &[
            "diff",
            "--cached",
            "--name-only",
            "-z",
            "--diff-filter=ACMR",
        ],
    )?;
    let blobs = names
        .split(|&b| b == 0)
        .filter(|n| !n.is_empty() && !n.contains(&b'\n'))
        .map(|name| {
            let name = String::from_utf8_lossy(name).into_owned();
            Blob {
                object: format!(":{name}"),
                path: name,
                commit: None,
            }
        })
        .collect();
    let mut outcome = scan_blobs(scanner, vault, &top, blobs, options)?;
    // A key on a line this commit does not add was committed before: `--git-history`
    // finds it, and blocking every later commit that touches its file would teach people
    // to skip the hook. A file with no hunks (a pure rename) keeps its findings.
    let added = added_lines(&String::from_utf8_lossy(&git(
        &top,
        &[
            "-c",
            "core.quotePath=false",
            "diff",
            "--cached",
            "-U0",
            "--no-color",
            "--no-ext-diff",
            "--diff-filter=ACMR",
        ],
    )?));
    outcome.findings.retain(|f| {
        added
            .get(&f.path)
            .is_none_or(|ranges| ranges.iter().any(|r| r.contains(&f.line)))
    });
    Ok(outcome)
}

/// The lines a `git diff -U0` adds, per file (the new side's path, as git prints it).
fn added_lines(diff: &str) -> HashMap<String, Vec<RangeInclusive<usize>>> {
    let mut added: HashMap<String, Vec<RangeInclusive<usize>>> = HashMap::new();
    let mut file: Option<String> = None;
    for line in diff.lines() {
        if let Some(name) = line.strip_prefix("+++ ") {
            // "/dev/null" for a deletion; git ends a name holding a space with a tab.
            file = name
                .strip_prefix("b/")
                .map(|n| n.trim_end_matches('\t').to_owned());
        } else if let (Some(hunk), Some(file)) = (line.strip_prefix("@@ "), &file) {
            // "@@ -a,b +c,d @@": the new side starts at c and spans d lines (1 if omitted).
            let new_side = hunk.split(' ').find_map(|part| part.strip_prefix('+'));
            if let Some(range) = new_side.and_then(new_lines) {
                added.entry(file.clone()).or_default().push(range);
            }
        }
    }
    added
}

/// "c,d" or "c" of a hunk header: lines c to c+d-1, none when d is 0.
fn new_lines(spec: &str) -> Option<RangeInclusive<usize>> {
    let (start, count) = match spec.split_once(',') {
        Some((start, count)) => (start.parse::<usize>().ok()?, count.parse::<usize>().ok()?),
        None => (spec.parse::<usize>().ok()?, 1),
    };
    (count > 0).then(|| start..=start + count - 1)
}

/// Scans every blob reachable from any ref of the repository holding `path`, once,
/// naming the commit that first added it.
pub fn scan_history(
    scanner: &Scanner,
    vault: &dyn Fingerprints,
    path: &Path,
    options: Options,
) -> Result<Outcome, ScanError> {
    let top = repo_root(path)?;
    let listing = git(
        &top,
        &[
            "rev-list",
            "--objects",
            "--all",
            "--filter=object:type=blob",
        ],
    )?;
    let added = first_commits(&top)?;
    let mut blobs = Vec::new();
    for line in listing.split(|&b| b == b'\n') {
        let line = String::from_utf8_lossy(line);
        // Commits are listed without a path; blobs with theirs.
        let Some((oid, name)) = line.split_once(' ') else {
            continue;
        };
        if name.is_empty() {
            continue;
        }
        blobs.push(Blob {
            object: oid.to_owned(),
            path: name.to_owned(),
            commit: added.get(oid).cloned(),
        });
    }
    scan_blobs(scanner, vault, &top, blobs, options)
}

/// For each blob id, the oldest commit whose diff adds or changes a file to it.
fn first_commits(top: &Path) -> Result<HashMap<String, String>, ScanError> {
    let log = git(
        top,
        &[
            "log",
            "--all",
            "--reverse",
            "--no-renames",
            "--raw",
            "--no-abbrev",
            "--format=commit %H",
        ],
    )?;
    let mut added = HashMap::new();
    let mut commit = String::new();
    for line in String::from_utf8_lossy(&log).lines() {
        if let Some(hash) = line.strip_prefix("commit ") {
            commit = hash.to_owned();
        } else if let Some(raw) = line.strip_prefix(':') {
            // :old_mode new_mode old_oid new_oid status\tpath
            let new_oid = raw.split_whitespace().nth(3).unwrap_or_default();
            if !new_oid.is_empty() && new_oid.bytes().any(|b| b != b'0') {
                added
                    .entry(new_oid.to_owned())
                    .or_insert_with(|| commit.clone());
            }
        }
    }
    Ok(added)
}

/// Reads the blobs through one `git cat-file --batch` and scans them on the threads.
fn scan_blobs(
    scanner: &Scanner,
    vault: &dyn Fingerprints,
    top: &Path,
    blobs: Vec<Blob>,
    options: Options,
) -> Result<Outcome, ScanError> {
    let ignore = TillIgnore::at(top)?;
    let blobs: Vec<Blob> = blobs
        .into_iter()
        .filter(|b| !ignore.ignores(&b.path))
        .collect();
    if blobs.is_empty() {
        return Ok(Outcome::default());
    }
    let mut child = Command::new("git")
        .arg("-C")
        .arg(top)
        .args(["cat-file", "--batch"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| ScanError::Git(format!("could not run git cat-file: {e}")))?;
    let (Some(mut stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
        return Err(ScanError::Git("git cat-file has no pipes".into()));
    };
    let requests: Vec<String> = blobs.iter().map(|b| b.object.clone()).collect();
    let threads = match options.threads {
        0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
        n => n,
    };
    let findings = Mutex::new(Vec::new());
    let errors = Mutex::new(Vec::new());
    let (files, bytes, large, binary) = (
        AtomicU64::new(0),
        AtomicU64::new(0),
        AtomicU64::new(0),
        AtomicU64::new(0),
    );
    let (send, receive) = mpsc::sync_channel::<(usize, Vec<u8>)>(threads * 2);
    let receive = Mutex::new(receive);
    let read_result = std::thread::scope(|scope| -> Result<(), ScanError> {
        scope.spawn(move || {
            for request in requests {
                if writeln!(stdin, "{request}").is_err() {
                    break;
                }
            }
        });
        for _ in 0..threads {
            scope.spawn(|| loop {
                let next = match receive.lock() {
                    Ok(r) => r.recv(),
                    Err(_) => return,
                };
                let Ok((index, data)) = next else { return };
                let blob = &blobs[index];
                let found = scanner.scan(&data, vault);
                if found.is_empty() {
                    continue;
                }
                if let Ok(mut all) = findings.lock() {
                    all.extend(found.into_iter().map(|f| Finding {
                        path: blob.path.clone(),
                        line: f.line,
                        kind: f.kind,
                        key: f.key,
                        provider: f.provider,
                        fingerprint: f.fingerprint,
                        encoding: f.encoding,
                        commit: blob.commit.clone(),
                        relative_path: blob.path.clone(),
                    }));
                }
            });
        }
        let mut reader = BufReader::new(stdout);
        let mut header = String::new();
        for (index, blob) in blobs.iter().enumerate() {
            header.clear();
            reader
                .read_line(&mut header)
                .map_err(|e| ScanError::Git(format!("reading git cat-file: {e}")))?;
            let fields: Vec<&str> = header.split_whitespace().collect();
            let (kind, size) = match fields.as_slice() {
                [_, kind, size] => (*kind, size.parse::<u64>().unwrap_or(0)),
                _ => {
                    if let Ok(mut e) = errors.lock() {
                        e.push(format!("{}: not readable from git", blob.path));
                    }
                    continue;
                }
            };
            let read_error =
                |e: std::io::Error| ScanError::Git(format!("reading git cat-file: {e}"));
            if kind != "blob" || size > options.max_file_size {
                std::io::copy(&mut (&mut reader).take(size + 1), &mut std::io::sink())
                    .map_err(read_error)?;
                if kind == "blob" {
                    large.fetch_add(1, Ordering::Relaxed);
                }
                continue;
            }
            let mut data = Vec::with_capacity(usize::try_from(size).unwrap_or(0) + 1);
            (&mut reader)
                .take(size + 1)
                .read_to_end(&mut data)
                .map_err(read_error)?;
            data.pop(); // the newline after each object
            if is_binary(&data) {
                binary.fetch_add(1, Ordering::Relaxed);
                continue;
            }
            files.fetch_add(1, Ordering::Relaxed);
            bytes.fetch_add(size, Ordering::Relaxed);
            if send.send((index, data)).is_err() {
                break;
            }
        }
        drop(send);
        Ok(())
    });
    let _ = child.wait();
    read_result?;
    let mut findings = findings.into_inner().unwrap_or_else(|p| p.into_inner());
    findings.sort_by(|a, b| (&a.path, a.line, &a.commit).cmp(&(&b.path, b.line, &b.commit)));
    Ok(Outcome {
        findings,
        stats: Stats {
            files: files.into_inner(),
            bytes: bytes.into_inner(),
            skipped_large: large.into_inner(),
            skipped_binary: binary.into_inner(),
        },
        errors: errors.into_inner().unwrap_or_else(|p| p.into_inner()),
    })
}

/// Runs `git -C dir ARGS` and returns its stdout, or its stderr as the error.
fn git(dir: &Path, args: &[&str]) -> Result<Vec<u8>, ScanError> {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| ScanError::Git(format!("could not run git (is it installed?): {e}")))?;
    if !out.status.success() {
        let message = String::from_utf8_lossy(&out.stderr).trim().to_owned();
        return Err(ScanError::Git(format!(
            "git {} in {}: {message}",
            args.first().copied().unwrap_or_default(),
            dir.display()
        )));
    }
    Ok(out.stdout)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn added_lines_are_read_from_the_new_side_of_each_hunk() {
        let diff = "diff --git a/app.py b/app.py
--- a/app.py
+++ b/app.py
@@ -1 +1,2 @@ def main():
@@ -10,0 +12 @@
@@ -20,3 +22,0 @@
diff --git a/my notes.txt b/my notes.txt
--- /dev/null
+++ b/my notes.txt\t
@@ -0,0 +1,3 @@
";
        let added = added_lines(diff);
        assert_eq!(added["app.py"], [1..=2, 12..=12]);
        assert_eq!(added["my notes.txt"], [1..=3]);
        assert_eq!(added.len(), 2);
    }
}
