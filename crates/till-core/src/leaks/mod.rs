//! The leak scanner (`till-scan`) wired to the catalog and the vault, once for everyone
//! who scans: the CLI, the desktop watcher and the team rule `no_hardcoded_keys`.
//!
//! The engine knows no vault types; here the catalog's formats become its [`Format`]s
//! and the vault's [`Fingerprinter`] answers its lookups, so a value found on disk is
//! named by keyed hash and never compared in plaintext. [`debounce`] turns a watcher's
//! stream of changed paths into a few bounded rescans; [`board`] keeps what they found,
//! says which vault keys are news (announced once) and hides what the user dismissed.

pub mod board;
pub mod debounce;
pub mod runbook;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

pub use till_scan::skips::Skips;
use till_scan::walk::Options;
pub use till_scan::Finding;
use till_scan::{Fingerprints, Format, Outcome, Scanner, VaultMatch};

use crate::catalog;
use crate::error::TillError;
use crate::model::display_fingerprint;
use crate::vault::Fingerprinter;

impl Fingerprints for Fingerprinter {
    fn lookup(&self, candidate: &[u8]) -> Option<VaultMatch> {
        self.matches(candidate).map(|key| VaultMatch {
            key: key.name.clone(),
            provider: key.provider.clone(),
            fingerprint: key.fingerprint.clone(),
        })
    }
}

/// The catalog's key formats, as the engine takes them.
pub fn formats() -> Vec<Format> {
    catalog::key_formats()
        .into_iter()
        .map(|f| Format {
            provider: f.provider_id.to_owned(),
            label: f.label.to_owned(),
            prefix: f.prefix.to_owned(),
            regex: f.regex.to_owned(),
            console_url: f.console_url.map(str::to_owned),
            agent_token: f.provider_id == catalog::TILL,
        })
        .collect()
}

/// The scanner for the catalog's formats, built once.
pub fn scanner() -> Result<&'static Scanner, TillError> {
    static SCANNER: OnceLock<Result<Scanner, String>> = OnceLock::new();
    SCANNER
        .get_or_init(|| Scanner::new(formats(), display_fingerprint).map_err(|e| e.to_string()))
        .as_ref()
        .map_err(|what| TillError::Internal {
            what: format!("the catalog's key formats do not compile: {what}"),
        })
}

/// Scans `folders` (files or directories) with the vault's fingerprints, skipping files
/// over `max_file_size` bytes; on one thread, since the app and the CLI share the machine
/// with the user's own work.
pub fn scan(
    prints: &Fingerprinter,
    folders: &[PathBuf],
    max_file_size: u64,
) -> Result<Outcome, TillError> {
    scan_with(prints, folders, max_file_size, None, &|| false)
}

/// [`scan`], `max_depth` levels deep (`Some(1)`: the folders' own files), asking
/// `vault_locked` before each file: once the vault has locked, the scan ends with
/// [`TillError::VaultLocked`], so the fingerprints (and the names they find) do not
/// outlive the lock by the rest of a large folder.
pub fn scan_with(
    prints: &dyn Fingerprints,
    folders: &[PathBuf],
    max_file_size: u64,
    max_depth: Option<usize>,
    vault_locked: &(dyn Fn() -> bool + Sync),
) -> Result<Outcome, TillError> {
    let options = Options {
        max_file_size,
        threads: 1,
        max_depth,
    };
    till_scan::walk::scan_paths_until(scanner()?, prints, folders, options, vault_locked).map_err(
        |error| match error {
            till_scan::ScanError::Stopped => TillError::VaultLocked,
            error => TillError::InvalidInput {
                what: format!("{error}: check the folder exists and can be read"),
            },
        },
    )
}

/// `path` from a team file: absolute as written, `~/…` under `home`, otherwise under
/// `base` (the team file's folder for `till team check FILE`).
pub fn resolve(path: &str, base: &Path, home: Option<&Path>) -> PathBuf {
    crate::settings::scan::expand(path, home).unwrap_or_else(|| base.join(path.trim()))
}
