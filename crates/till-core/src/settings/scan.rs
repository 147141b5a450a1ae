//! The `[scan]` table: the folders the desktop app watches for hardcoded keys, and the
//! size above which a file is skipped.
//!
//! Watched folders are written as the user typed them (`~/code/shop` stays short and
//! portable between machines); [`ScanSettings::folders`] expands them for the watcher.
//! Adding and removing a folder goes through `toml_edit` like the rest of the window's
//! changes, so the user's comments survive, and applies at once (no restart).

use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml_edit::{Array, DocumentMut, Value};

use super::edit::{set, table};
use super::{read_text, Settings, FILE_NAME};
use crate::error::TillError;
use crate::paths::{write_private, TillPaths};

/// The most folders the app watches (each costs inotify watches on every subfolder).
pub const MAX_WATCHED: usize = 32;
/// The size limit, in KiB: a KiB to a GiB.
pub const FILE_SIZE_KB: std::ops::RangeInclusive<u64> = 1..=1024 * 1024;

/// The `[scan]` table.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ScanSettings {
    /// Folders rescanned whenever a file in them changes, as written (`~/` allowed).
    pub watched: Vec<String>,
    /// Files larger than this many KiB are skipped.
    pub max_file_size_kb: u64,
}

impl Default for ScanSettings {
    fn default() -> Self {
        Self {
            watched: Vec::new(),
            max_file_size_kb: 1024,
        }
    }
}

impl ScanSettings {
    /// The size limit in bytes.
    pub fn max_file_size(&self) -> u64 {
        self.max_file_size_kb.saturating_mul(1024)
    }

    /// The watched folders as absolute paths (`~/` expanded against `home`); entries that
    /// are neither absolute nor under `~/` are left out.
    pub fn folders(&self, home: Option<&Path>) -> Vec<PathBuf> {
        self.watched
            .iter()
            .filter_map(|folder| expand(folder, home))
            .collect()
    }
}

/// `folder` as an absolute path: `~` and `~/…` against `home`; `None` if relative.
pub fn expand(folder: &str, home: Option<&Path>) -> Option<PathBuf> {
    let folder = folder.trim();
    let path = match (folder.strip_prefix('~'), home) {
        (Some(""), Some(home)) => home.to_owned(),
        (Some(rest), Some(home)) if rest.starts_with('/') => home.join(&rest[1..]),
        _ => PathBuf::from(folder),
    };
    path.is_absolute().then_some(path)
}

/// `path` as the user would write it: under `home` it starts with `~/`.
pub fn shorten(path: &Path, home: Option<&Path>) -> String {
    match home.and_then(|home| path.strip_prefix(home).ok()) {
        Some(rest) if rest.as_os_str().is_empty() => "~".to_owned(),
        Some(rest) => format!("~/{}", rest.display()),
        None => path.display().to_string(),
    }
}

/// Adds `folder` to the watched folders (an existing directory, absolute or under `~/`);
/// a folder already watched is left as it is. Returns the settings as now saved.
pub fn watch(paths: &TillPaths, folder: &str, home: Option<&Path>) -> Result<Settings, TillError> {
    let invalid = |what: String| TillError::InvalidInput { what };
    let absolute = expand(folder, home).ok_or_else(|| {
        invalid(format!(
            "\"{}\" is not a full path: type it from / or ~/ (for example ~/code/shop)",
            folder.trim()
        ))
    })?;
    if !absolute.is_dir() {
        return Err(invalid(format!(
            "{} is not a folder on this computer: check the path",
            absolute.display()
        )));
    }
    let written = shorten(&absolute, home);
    change_watched(paths, |watched| {
        if watched
            .iter()
            .any(|w| expand(w, home).as_ref() == Some(&absolute))
        {
            return Ok(());
        }
        if watched.len() >= MAX_WATCHED {
            return Err(invalid(format!(
                "Till watches at most {MAX_WATCHED} folders: remove one first"
            )));
        }
        watched.push(written.clone());
        Ok(())
    })
}

/// Stops watching `folder` (as listed). Returns the settings as now saved.
pub fn unwatch(paths: &TillPaths, folder: &str) -> Result<Settings, TillError> {
    change_watched(paths, |watched| {
        watched.retain(|w| w != folder);
        Ok(())
    })
}

/// Sets the size above which files are skipped, in KiB. Returns the settings as saved.
pub fn set_max_file_size_kb(paths: &TillPaths, kb: u64) -> Result<Settings, TillError> {
    if !FILE_SIZE_KB.contains(&kb) {
        return Err(TillError::InvalidInput {
            what: format!(
                "the size limit must be {} to {} KiB (1 GiB)",
                FILE_SIZE_KB.start(),
                FILE_SIZE_KB.end()
            ),
        });
    }
    change_scan(paths, |scan| {
        scan.max_file_size_kb = kb;
        Ok(())
    })
}

/// Applies `change` to `[scan] watched`.
fn change_watched(
    paths: &TillPaths,
    change: impl FnOnce(&mut Vec<String>) -> Result<(), TillError>,
) -> Result<Settings, TillError> {
    change_scan(paths, |scan| change(&mut scan.watched))
}

/// Applies `change` to the `[scan]` table and writes what changed, keeping the rest of
/// the file as the user wrote it.
fn change_scan(
    paths: &TillPaths,
    change: impl FnOnce(&mut ScanSettings) -> Result<(), TillError>,
) -> Result<Settings, TillError> {
    let path = paths.config_dir.join(FILE_NAME);
    let text = read_text(&path)?;
    let current = Settings::parse(&path, &text)?;
    let mut scan = current.scan.clone();
    change(&mut scan)?;
    if scan == current.scan {
        return Ok(current);
    }
    let mut doc: DocumentMut =
        text.parse()
            .map_err(|error: toml_edit::TomlError| TillError::InvalidInput {
                what: format!("{}: {}", path.display(), error.message()),
            })?;
    let table = table(doc.as_table_mut(), "scan");
    if scan.watched != current.scan.watched {
        let list: Array = scan.watched.iter().map(String::as_str).collect();
        set(table, "watched", Value::Array(list));
    }
    if scan.max_file_size_kb != current.scan.max_file_size_kb {
        let kb = i64::try_from(scan.max_file_size_kb).unwrap_or(i64::MAX);
        set(table, "max_file_size_kb", kb.into());
    }
    let updated = doc.to_string();
    let saved = Settings::parse(&path, &updated)?;
    write_private(&path, updated.as_bytes())?;
    Ok(saved)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn setup(text: &str) -> (tempfile::TempDir, TillPaths) {
        let root = tempfile::tempdir().unwrap();
        let paths = TillPaths::under_root(&root.path().join("till")).unwrap();
        paths.ensure_exist().unwrap();
        std::fs::write(paths.config_dir.join(FILE_NAME), text).unwrap();
        (root, paths)
    }

    #[test]
    fn the_table_is_read_with_defaults() {
        let (_root, paths) = setup("[scan]\nwatched = [\"~/code\", \"/srv/app\", \"rel\"]\n");
        let scan = Settings::load(&paths).unwrap().scan;
        assert_eq!(scan.max_file_size(), 1024 * 1024);
        let home = Path::new("/home/ada");
        assert_eq!(
            scan.folders(Some(home)),
            [PathBuf::from("/home/ada/code"), PathBuf::from("/srv/app")]
        );
        let (_root, paths) = setup("[scan]\nwached = []\n");
        let error = Settings::load(&paths).unwrap_err().to_string();
        assert!(
            error.contains("wached") && error.contains("line 2"),
            "{error}"
        );
    }

    #[test]
    fn watching_keeps_comments_writes_home_short_and_refuses_what_is_not_a_folder() {
        let (root, paths) = setup("# ours\nauto_lock_minutes = 5 # shared laptops\n");
        let home = root.path();
        std::fs::create_dir_all(home.join("code/shop")).unwrap();
        let saved = watch(&paths, &format!("{}/code/shop", home.display()), Some(home)).unwrap();
        assert_eq!(saved.scan.watched, ["~/code/shop"]);
        // The same folder typed another way is not added twice.
        watch(&paths, "~/code/shop", Some(home)).unwrap();
        let text = std::fs::read_to_string(paths.config_dir.join(FILE_NAME)).unwrap();
        assert!(text.starts_with("# ours\nauto_lock_minutes = 5 # shared laptops\n"));
        let doc: DocumentMut = text.parse().unwrap();
        assert!(doc["scan"]["watched"].is_array(), "{text}");
        assert_eq!(Settings::load(&paths).unwrap().scan.watched.len(), 1);

        for bad in ["code/shop", "~/missing"] {
            let error = watch(&paths, bad, Some(home)).unwrap_err();
            assert_eq!(error.code(), crate::ErrorCode::InvalidInput, "{error}");
        }
        let saved = unwatch(&paths, "~/code/shop").unwrap();
        assert!(saved.scan.watched.is_empty());
    }

    #[test]
    fn the_size_limit_is_checked_and_written_in_the_scan_table() {
        let (_root, paths) = setup("[scan] # the leak scanner\nwatched = []\n");
        let saved = set_max_file_size_kb(&paths, 256).unwrap();
        assert_eq!(saved.scan.max_file_size(), 256 * 1024);
        let text = std::fs::read_to_string(paths.config_dir.join(FILE_NAME)).unwrap();
        assert!(text.contains("[scan] # the leak scanner\n"), "{text}");
        assert!(text.contains("max_file_size_kb = 256"), "{text}");
        for bad in [0, 2 * 1024 * 1024] {
            let error = set_max_file_size_kb(&paths, bad).unwrap_err();
            assert_eq!(error.code(), crate::ErrorCode::InvalidInput, "{error}");
        }
    }

    #[test]
    fn paths_under_home_are_shown_with_a_tilde() {
        let home = Path::new("/home/ada");
        assert_eq!(
            shorten(Path::new("/home/ada/code/.env"), Some(home)),
            "~/code/.env"
        );
        assert_eq!(shorten(Path::new("/srv/x"), Some(home)), "/srv/x");
        assert_eq!(shorten(Path::new("/srv/x"), None), "/srv/x");
    }
}
