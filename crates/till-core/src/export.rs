//! Files Till writes where the user says: what goes in them and how they are written.
//!
//! The window picks the place through a save dialog and the CLI through `--out`; either
//! way the file is created owner-only (0600) and an existing file is replaced only when
//! the user agreed to replace it (the save dialog asked). Without that agreement a file
//! that is there, or that appears before the write, is refused and left as it was.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use secrecy::SecretString;

use crate::backup;
use crate::crypto::kdf::params_for_new_vault;
use crate::error::TillError;
use crate::paths::{create_private, write_private};
use crate::vault::{AuditEntry, Vault};

/// A file the user chose to save to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Destination {
    path: PathBuf,
    replace: bool,
}

impl Destination {
    /// A new file: an existing one at `path` is never replaced.
    pub fn new_file(path: PathBuf) -> Self {
        Self {
            path,
            replace: false,
        }
    }

    /// A save dialog's answer. The dialog asks before it returns an existing file, so a
    /// file already at `path` now was confirmed for replacing; one that appears later
    /// was not, and is refused.
    pub fn chosen_in_dialog(path: PathBuf) -> Self {
        let replace = path.exists();
        Self { path, replace }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Writes `bytes` owner-only: atomically over the confirmed file, else as a new file.
    pub fn write(&self, bytes: &[u8]) -> Result<(), TillError> {
        if self.replace {
            write_private(&self.path, bytes)
        } else {
            create_private(&self.path, bytes)
        }
    }
}

/// The inventory without values: one CSV row per key (name, provider, environment, owner,
/// scopes, fingerprint, dates, status). Audited as an export to `to`.
pub fn metadata_csv(vault: &mut Vault, to: &Path) -> Result<Vec<u8>, TillError> {
    let csv_error = |e: csv::Error| TillError::Internal {
        what: e.to_string(),
    };
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer
        .write_record([
            "name",
            "provider",
            "environment",
            "owner",
            "scopes",
            "fingerprint",
            "created_at",
            "last_rotated_at",
            "next_rotation_due",
            "expires_at",
            "status",
        ])
        .map_err(csv_error)?;
    for key in vault.keys().iter().map(|k| vault.view(k)) {
        let date = |d: Option<DateTime<Utc>>| d.map(|d| d.to_rfc3339()).unwrap_or_default();
        writer
            .write_record([
                key.name.clone(),
                key.provider.clone(),
                key.environment.clone(),
                key.owner.clone().unwrap_or_default(),
                key.scopes.join(" "),
                key.fingerprint.clone(),
                key.created_at.to_rfc3339(),
                key.last_rotated_at.to_rfc3339(),
                key.next_rotation_due.to_rfc3339(),
                date(key.expires_at),
                key.status.to_string(),
            ])
            .map_err(csv_error)?;
    }
    let bytes = writer.into_inner().map_err(|e| TillError::Internal {
        what: e.to_string(),
    })?;
    vault.record_export(&format!("metadata CSV to {}", to.display()))?;
    Ok(bytes)
}

/// Every key with its value, sealed with `password` (Argon2id at the strength of a new
/// vault): `till import FILE --format till` restores it. Audited as an export to `to`.
/// Returns the file's bytes and how many keys it holds.
pub fn encrypted_backup(
    vault: &mut Vault,
    password: &SecretString,
    now: DateTime<Utc>,
    to: &Path,
) -> Result<(Vec<u8>, usize), TillError> {
    let keys = vault
        .values()
        .export_all(&format!("encrypted backup to {}", to.display()))?;
    let bytes = backup::seal(&keys, password, params_for_new_vault(), now)?;
    Ok((bytes, keys.len()))
}

/// The audit log as JSON, oldest first (what `till log --json` prints). Audited as an
/// export to `to`, so the saved copy ends just before that entry.
pub fn audit_log_json(vault: &mut Vault, to: &Path) -> Result<Vec<u8>, TillError> {
    let entries: Vec<AuditEntry> = vault.audit_log()?;
    let mut bytes = serde_json::to_vec_pretty(&entries).map_err(|e| TillError::Internal {
        what: format!("the audit log could not be written as JSON: {e}"),
    })?;
    bytes.push(b'\n');
    vault.record_export(&format!("audit log to {}", to.display()))?;
    Ok(bytes)
}

#[cfg(all(test, unix))]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn a_new_file_is_owner_only() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keys.csv");
        Destination::chosen_in_dialog(path.clone())
            .write(b"name\n")
            .unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"name\n");
        assert_eq!(mode(&path), 0o600);
    }

    #[test]
    fn a_file_the_dialog_confirmed_is_replaced_owner_only() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("report.md");
        std::fs::write(&path, b"old report").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        Destination::chosen_in_dialog(path.clone())
            .write(b"new report")
            .unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"new report");
        assert_eq!(mode(&path), 0o600);
    }

    #[test]
    fn a_file_nobody_confirmed_is_never_clobbered() {
        let dir = tempfile::tempdir().unwrap();
        // Chosen while free, then taken before the write: not what the user agreed to.
        let path = dir.path().join("backup.till");
        let destination = Destination::chosen_in_dialog(path.clone());
        std::fs::write(&path, b"someone else's").unwrap();
        let error = destination.write(b"sealed").unwrap_err();
        assert_eq!(error.code(), crate::ErrorCode::InvalidInput);
        assert!(error.to_string().contains("will not overwrite"), "{error}");
        assert_eq!(std::fs::read(&path).unwrap(), b"someone else's");
        // `--out` on the command line never replaces either.
        let error = Destination::new_file(path.clone()).write(b"x").unwrap_err();
        assert_eq!(error.code(), crate::ErrorCode::InvalidInput);
    }
}
