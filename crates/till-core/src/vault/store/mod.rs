//! The sealed store under the vault: one SQLite file of sealed records and the audit chain.
//!
//! Everything the vault keeps (keys, values, purposes, the reminder ledger, training state,
//! and next grants and usage) goes through this module and nothing else touches SQLite or
//! the sub-keys. It owns the connection, the vault key and its HKDF sub-keys, the typed
//! [`RecordKind`]s, and [`Action`], the one way to write: a transaction that also chains
//! its audit entries. Records come in two shapes: typed *sealed records* (JSON metadata)
//! and *secret records* (values, opened into a `SecretString`).

mod action;
pub mod audit;
mod kind;
mod ledger;
mod schema;
pub mod throttle;
mod wraps;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OpenFlags, OptionalExtension};
use secrecy::SecretString;
use serde::de::DeserializeOwned;

use crate::clock::Clock;
use crate::crypto::kdf::KdfParams;
use crate::crypto::{envelope, fill_random, hex, mac, SecretKey, SubKeys};
use crate::error::TillError;
use crate::keyring::Keyring;
use crate::paths::TillPaths;

pub(crate) use action::{Action, Dates};
use audit::{AuditDetails, AuditEntry, AuditRow, Head, Verdict};
pub use kind::RecordKind;
pub use ledger::DailyUsage;
pub(crate) use ledger::GrantRow;
use throttle::Failures;
pub use wraps::Unlock;

/// The store of an open vault.
pub(crate) struct Store {
    conn: Connection,
    path: PathBuf,
    state_dir: PathBuf,
    vault_id: String,
    /// Kept (zeroized on drop) only so the password can be changed by rewrapping it.
    vault_key: SecretKey,
    keys: SubKeys,
    clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

fn random_id() -> String {
    let mut bytes = [0u8; 16];
    fill_random(&mut bytes);
    hex(&bytes)
}

/// A fresh record id (128 random bits, hex).
pub(crate) fn new_id() -> String {
    random_id()
}

fn record_aad(kind: RecordKind, id: &str) -> Vec<u8> {
    format!("till/record/v1/{}/{id}", kind.as_str()).into_bytes()
}

/// Maps a SQLite error to what the user needs to hear.
pub(crate) fn db_error(path: &Path, error: rusqlite::Error) -> TillError {
    use rusqlite::ErrorCode as Code;
    match error.sqlite_error_code() {
        Some(Code::NotADatabase | Code::DatabaseCorrupt) => TillError::Corrupt {
            path: path.to_owned(),
            detail: "not a readable Till database".into(),
        },
        _ => TillError::Database {
            path: path.to_owned(),
            detail: error.to_string(),
        },
    }
}

fn corrupt_or_db(path: &Path, error: rusqlite::Error, what: &str) -> TillError {
    match error {
        rusqlite::Error::QueryReturnedNoRows => TillError::Corrupt {
            path: path.to_owned(),
            detail: what.to_owned(),
        },
        other => db_error(path, other),
    }
}

/// The vault file and its SQLite companions are readable by the user alone (0600), even
/// when created under a permissive umask or by an older Till that left them 0644.
fn restrict_permissions(path: &Path) -> Result<(), TillError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        for suffix in ["", "-wal", "-shm"] {
            let file = PathBuf::from(format!("{}{suffix}", path.display()));
            if file.exists() {
                std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).map_err(
                    |source| TillError::Storage {
                        path: file.clone(),
                        source,
                    },
                )?;
            }
        }
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

/// Creates the empty vault file as 0600 before SQLite opens it: SQLite gives its `-wal`
/// and `-shm` files the database file's permissions.
fn create_private_file(path: &Path) -> Result<(), TillError> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options
        .open(path)
        .map(drop)
        .map_err(|source| TillError::Storage {
            path: path.to_owned(),
            source,
        })
}

impl Store {
    /// Creates the store at `path`, its wraps, and the vault-created audit entry.
    pub fn create(
        path: &Path,
        paths: &TillPaths,
        password: &SecretString,
        kdf: KdfParams,
        keyring: Option<&Keyring>,
        clock: Arc<dyn Clock>,
    ) -> Result<Self, TillError> {
        crate::password::check_new_password(password)?;
        let vault_id = random_id();
        let vault_key = SecretKey::generate();
        let keys = SubKeys::derive(&vault_key, vault_id.as_bytes());
        let wraps = wraps::Wraps::new(password, kdf, keyring, &vault_id, &vault_key)?;

        create_private_file(path)?;
        let mut conn = Connection::open(path).map_err(|e| db_error(path, e))?;
        schema::configure(&conn).map_err(|e| db_error(path, e))?;
        schema::migrate(&mut conn).map_err(|e| db_error(path, e))?;
        restrict_permissions(path)?;
        let mut store = Self {
            conn,
            path: path.to_owned(),
            state_dir: paths.state_dir.clone(),
            vault_id,
            vault_key,
            keys,
            clock,
        };
        let action = store.begin()?;
        action.execute(
            "INSERT INTO vault_meta (id, vault_id, created_at, audit_head) VALUES (1, ?1, ?2, ?3)",
            params![
                action.vault_id(),
                action.now.to_rfc3339(),
                Head::empty().to_bytes(&action.keys().audit_mac)
            ],
        )?;
        wraps.insert(&action)?;
        let mode = if keyring.is_some() {
            "open at login via the OS keyring"
        } else {
            "always ask for the password"
        };
        action.audit(AuditDetails::vault(
            audit::AuditAction::Create,
            Some(format!("vault created ({mode})")),
        ))?;
        action.commit()?;
        Ok(store)
    }

    /// Opens the store at `path`. A wrong password changes nothing in the vault file; the
    /// failure is counted in the state directory and audited at the next unlock.
    pub fn open(
        path: PathBuf,
        paths: &TillPaths,
        unlock: Unlock<'_>,
        clock: Arc<dyn Clock>,
    ) -> Result<Self, TillError> {
        let now = clock.now();
        let failures = Failures::load(&paths.state_dir);
        if matches!(unlock, Unlock::Password(_)) {
            failures.check(now)?;
        }

        let mut conn = Connection::open_with_flags(&path, OpenFlags::SQLITE_OPEN_READ_WRITE)
            .map_err(|e| db_error(&path, e))?;
        schema::configure(&conn).map_err(|e| db_error(&path, e))?;
        let found = schema::version(&conn).map_err(|e| db_error(&path, e))?;
        if found > schema::CURRENT_VERSION {
            return Err(TillError::NewerVault {
                path,
                found,
                known: schema::CURRENT_VERSION,
            });
        }
        if found < 1 {
            return Err(TillError::Corrupt {
                path,
                detail: "the file has no Till schema".into(),
            });
        }
        schema::migrate(&mut conn).map_err(|e| db_error(&path, e))?;
        restrict_permissions(&path)?;

        let vault_id: String = conn
            .query_row("SELECT vault_id FROM vault_meta WHERE id = 1", [], |r| {
                r.get(0)
            })
            .map_err(|e| corrupt_or_db(&path, e, "the vault's header row is missing"))?;
        let vault_key =
            wraps::unwrap_vault_key(&conn, &path, &vault_id, unlock, &paths.state_dir, now)?;
        let keys = SubKeys::derive(&vault_key, vault_id.as_bytes());
        if matches!(unlock, Unlock::Session(_)) {
            // A key from the desktop app is checked against the audit head's MAC: the
            // wrong key (another vault of the same id) would fail every read after.
            let head: Vec<u8> = conn
                .query_row("SELECT audit_head FROM vault_meta WHERE id = 1", [], |r| {
                    r.get(0)
                })
                .map_err(|e| corrupt_or_db(&path, e, "the vault's header row is missing"))?;
            if Head::from_bytes(&keys.audit_mac, &head).is_none() {
                return Err(TillError::PasswordRequired {
                    why: "the desktop app's session does not open this vault",
                });
            }
        }
        let mut store = Self {
            conn,
            path,
            state_dir: paths.state_dir.clone(),
            vault_id,
            vault_key,
            keys,
            clock,
        };
        store.record_unlock(&failures, unlock)?;
        Ok(store)
    }

    fn record_unlock(&mut self, failures: &Failures, unlock: Unlock<'_>) -> Result<(), TillError> {
        let action = self.begin()?;
        for at in &failures.at {
            let details = AuditDetails::vault(
                audit::AuditAction::FailedUnlock,
                Some("wrong master password".into()),
            );
            action.audit_at(*at, details)?;
        }
        action.delete_expired(RecordKind::Previous)?;
        action.audit(AuditDetails::vault(
            audit::AuditAction::Unlock,
            Some(format!("with the {}", unlock.label())),
        ))?;
        action.commit()?;
        Failures::clear(&self.state_dir);
        Ok(())
    }

    /// A second connection to the same open vault, with its own copy of the keys (wiped
    /// when it is dropped): for a gateway served inside this process while this store is
    /// busy. No unlock is recorded; it is the same unlocked session.
    pub fn reopen(&self) -> Result<Self, TillError> {
        let conn = Connection::open_with_flags(&self.path, OpenFlags::SQLITE_OPEN_READ_WRITE)
            .map_err(|e| db_error(&self.path, e))?;
        schema::configure(&conn).map_err(|e| db_error(&self.path, e))?;
        let vault_key = SecretKey::from_bytes(self.vault_key.expose());
        let keys = SubKeys::derive(&vault_key, self.vault_id.as_bytes());
        Ok(Self {
            conn,
            path: self.path.clone(),
            state_dir: self.state_dir.clone(),
            vault_id: self.vault_id.clone(),
            vault_key,
            keys,
            clock: self.clock.clone(),
        })
    }

    /// Whether the OS keyring opens this vault at login (else it always asks).
    pub fn opens_at_login(&self) -> Result<bool, TillError> {
        wraps::has_keyring_wrap(&self.conn, &self.path)
    }

    /// The vault's key with its id, for the desktop app's session socket.
    pub fn session_key(&self) -> crate::session::SessionKey {
        crate::session::SessionKey::new(&self.vault_id, &self.vault_key)
    }

    /// This vault's id (names its keyring entry).
    pub fn vault_id(&self) -> &str {
        &self.vault_id
    }

    /// Now, by the vault's clock (Till's clock: `TILL_NOW` in tests).
    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// Starts one user action's transaction.
    pub fn begin(&mut self) -> Result<Action<'_>, TillError> {
        let now = self.clock.now();
        Action::begin(&mut self.conn, &self.path, &self.keys, &self.vault_id, now)
    }

    /// The keyed fingerprint of a value (hex HMAC): equal values are found without
    /// storing them, and no one without the vault key can test a guess.
    pub fn fingerprint(&self, value: &str) -> String {
        hex(&mac(&self.keys.fingerprint, &[value.as_bytes()]))
    }

    /// An own copy of the fingerprint sub-key, for a [`super::Fingerprinter`] that outlives
    /// this borrow (wiped on drop like the original).
    pub(in crate::vault) fn fingerprint_key(&self) -> SecretKey {
        SecretKey::from_bytes(self.keys.fingerprint.expose())
    }

    /// A damaged-vault error naming this vault's file.
    pub fn corrupt(&self, detail: String) -> TillError {
        TillError::Corrupt {
            path: self.path.clone(),
            detail,
        }
    }

    fn sealed_bytes(&self, kind: RecordKind, id: &str) -> Result<Option<Vec<u8>>, TillError> {
        self.conn
            .query_row(
                "SELECT sealed FROM records WHERE id = ?1 AND kind = ?2",
                params![id, kind.as_str()],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| db_error(&self.path, e))
    }

    fn open_bytes(
        &self,
        kind: RecordKind,
        id: &str,
        sealed: &[u8],
    ) -> Result<zeroize::Zeroizing<Vec<u8>>, TillError> {
        envelope::open(&self.keys.seal, &record_aad(kind, id), sealed)
            .map(|bytes| zeroize::Zeroizing::new(bytes.to_vec()))
            .map_err(|e| self.corrupt(format!("{} record {id}: {e}", kind.as_str())))
    }

    /// Opens the typed sealed record `(kind, id)`, if there is one.
    pub fn get<T: DeserializeOwned>(
        &self,
        kind: RecordKind,
        id: &str,
    ) -> Result<Option<T>, TillError> {
        let Some(sealed) = self.sealed_bytes(kind, id)? else {
            return Ok(None);
        };
        let plaintext = self.open_bytes(kind, id, &sealed)?;
        serde_json::from_slice(&plaintext)
            .map(Some)
            .map_err(|e| self.corrupt(format!("{} record {id}: {e}", kind.as_str())))
    }

    /// Opens every typed sealed record of `kind`.
    pub fn list<T: DeserializeOwned>(&self, kind: RecordKind) -> Result<Vec<T>, TillError> {
        let mut statement = self
            .conn
            .prepare("SELECT id, sealed FROM records WHERE kind = ?1")
            .map_err(|e| db_error(&self.path, e))?;
        let rows = statement
            .query_map([kind.as_str()], |row| {
                Ok((row.get::<_, String>(0)?, row.get::<_, Vec<u8>>(1)?))
            })
            .map_err(|e| db_error(&self.path, e))?;
        let mut out = Vec::new();
        for row in rows {
            let (id, sealed) = row.map_err(|e| db_error(&self.path, e))?;
            let plaintext = self.open_bytes(kind, &id, &sealed)?;
            out.push(
                serde_json::from_slice(&plaintext)
                    .map_err(|e| self.corrupt(format!("{} record {id}: {e}", kind.as_str())))?,
            );
        }
        Ok(out)
    }

    /// Opens the secret record `(kind, id)` (a value, or a text kept sealed as it is).
    pub fn secret(&self, kind: RecordKind, id: &str) -> Result<Option<SecretString>, TillError> {
        let Some(sealed) = self.sealed_bytes(kind, id)? else {
            return Ok(None);
        };
        let plaintext = self.open_bytes(kind, id, &sealed)?;
        let text = std::str::from_utf8(&plaintext)
            .map_err(|_| self.corrupt(format!("{} record {id} is not text", kind.as_str())))?;
        Ok(Some(SecretString::from(text.to_owned())))
    }

    fn audit_rows(&self) -> Result<Vec<AuditRow>, TillError> {
        let mut statement = self
            .conn
            .prepare("SELECT seq, at, sealed, mac FROM audit_log ORDER BY seq")
            .map_err(|e| db_error(&self.path, e))?;
        let rows = statement
            .query_map([], |r| {
                Ok(AuditRow {
                    seq: r.get(0)?,
                    at: r.get(1)?,
                    sealed: r.get(2)?,
                    mac: r.get(3)?,
                })
            })
            .map_err(|e| db_error(&self.path, e))?;
        rows.collect::<Result<_, _>>()
            .map_err(|e| db_error(&self.path, e))
    }

    /// The audit log, oldest first. Entries that cannot be opened are skipped here;
    /// [`Store::verify_audit`] reports them.
    pub fn audit_log(&self) -> Result<Vec<AuditEntry>, TillError> {
        Ok(self
            .audit_rows()?
            .iter()
            .filter_map(|row| audit::open_row(&self.keys, row))
            .collect())
    }

    /// Checks the audit chain end to end.
    pub fn verify_audit(&self) -> Result<Verdict, TillError> {
        let head: Vec<u8> = self
            .conn
            .query_row("SELECT audit_head FROM vault_meta WHERE id = 1", [], |r| {
                r.get(0)
            })
            .map_err(|e| corrupt_or_db(&self.path, e, "the vault's header row is missing"))?;
        Ok(audit::verify(&self.keys, &self.audit_rows()?, &head))
    }

    /// Checks `password` against the vault (as a fresh unlock would, with the same
    /// back-off) before a sensitive change such as a new master password.
    pub fn check_password(&self, password: &SecretString) -> Result<(), TillError> {
        let now = self.clock.now();
        Failures::load(&self.state_dir).check(now)?;
        let key = wraps::unwrap_vault_key(
            &self.conn,
            &self.path,
            &self.vault_id,
            Unlock::Password(password),
            &self.state_dir,
            now,
        )?;
        if key.expose() != self.vault_key.expose() {
            return Err(self.corrupt("the password wrap holds a different vault key".into()));
        }
        Failures::clear(&self.state_dir);
        Ok(())
    }

    /// Rewraps the vault key under a new master password (records are not re-encrypted).
    pub fn change_password(&mut self, new: &SecretString, kdf: KdfParams) -> Result<(), TillError> {
        crate::password::check_new_password(new)?;
        let wrap = wraps::PasswordWrap::new(new, kdf, &self.vault_id, &self.vault_key)?;
        let action = self.begin()?;
        wrap.replace(&action)?;
        action.audit(AuditDetails::vault(
            audit::AuditAction::Edit,
            Some("master password changed".into()),
        ))?;
        action.commit()
    }

    /// The plaintext due index, read without unlocking: how many key records are due at
    /// `now` and the next due time after it.
    pub fn due_index(
        path: &Path,
        now: DateTime<Utc>,
    ) -> Result<(usize, Option<DateTime<Utc>>), TillError> {
        let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY)
            .map_err(|e| db_error(path, e))?;
        let (count, next): (i64, Option<String>) = conn
            .query_row(
                "SELECT COUNT(*) FILTER (WHERE next_due_at <= ?2),
                        MIN(next_due_at) FILTER (WHERE next_due_at > ?2)
                 FROM records WHERE kind = ?1",
                params![RecordKind::Key.as_str(), now.to_rfc3339()],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .map_err(|e| db_error(path, e))?;
        Ok((
            usize::try_from(count).unwrap_or(0),
            next.and_then(|text| DateTime::parse_from_rfc3339(&text).ok())
                .map(|at| at.with_timezone(&Utc)),
        ))
    }
}
