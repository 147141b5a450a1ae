//! The vault: a SQLite file of sealed records, opened with a key from the OS keyring or
//! the master password.
//!
//! [`Vault`] is an open vault: it holds the derived sub-keys and the decrypted key
//! metadata, both dropped (and the keys zeroized) when it is locked or dropped. Every
//! change is one SQLite transaction that also appends its audit entry, so an
//! acknowledged action is durable (WAL, `synchronous=FULL`) and always audited.

mod action;
pub mod audit;
mod copy;
mod reminders;
mod rotation;
mod schema;
mod team;
pub mod throttle;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use rusqlite::{params, Connection, OpenFlags, OptionalExtension};
use secrecy::{ExposeSecret, SecretString};

use crate::catalog;
use crate::clock::Clock;
use crate::crypto::kdf::{derive_key, KdfParams, SALT_LEN};
use crate::crypto::{envelope, fill_random, mac, SecretKey, SubKeys};
use crate::error::TillError;
use crate::import::{ImportPreview, ImportProblem};
use crate::keyring::Keyring;
use crate::model::{
    display_fingerprint, validate_name, validate_value, KeyChanges, KeyMeta, KeyStatus, NewKey,
};
use crate::paths::TillPaths;
use crate::reminders::ReminderSettings;
use crate::status::VAULT_FILE_NAME;

use action::Action;
pub use audit::{AuditAction, AuditEntry, Verdict};
use audit::{AuditDetails, AuditRow, Head};
pub use copy::{CopyPlan, CopyRequest, Purpose};
pub use reminders::{due_while_locked, AuditReview, LockedDue};
pub use rotation::{RotationAction, RotationInput};
pub use team::{team_file_error, LessonProgress, Onboarding};
use throttle::Failures;

const WRAP_PASSWORD: &str = "password";
const WRAP_KEYRING: &str = "keyring";
const KIND_KEY: &str = "key";
const KIND_VALUE: &str = "value";
/// The value a rotation replaced, kept sealed for the rollback window.
const KIND_PREVIOUS: &str = "previous";
/// The reminder ledger (what was announced), one sealed record per vault.
const KIND_LEDGER: &str = "ledger";

/// How long a replaced value is kept for a rollback.
pub const ROLLBACK_WINDOW_DAYS: i64 = 7;

/// What an import added and what it left out (with line numbers).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, ts_rs::TS)]
#[ts(export)]
pub struct ImportReport {
    pub added: Vec<String>,
    pub skipped: Vec<ImportProblem>,
}

/// The vault key sealed under a key derived from the master password, with what is
/// needed to derive it again (KDF parameters as JSON, salt).
struct PasswordWrap {
    kdf_json: String,
    salt: [u8; SALT_LEN],
    sealed: Vec<u8>,
}

impl PasswordWrap {
    fn new(
        password: &SecretString,
        kdf: KdfParams,
        vault_id: &str,
        vault_key: &SecretKey,
    ) -> Result<Self, TillError> {
        let internal = |what: String| TillError::Internal { what };
        let mut salt = [0u8; SALT_LEN];
        fill_random(&mut salt);
        let kek = derive_key(password, &salt, kdf).map_err(|e| internal(e.to_string()))?;
        Ok(Self {
            kdf_json: serde_json::to_string(&kdf).map_err(|e| internal(e.to_string()))?,
            salt,
            sealed: envelope::seal(&kek, &wrap_aad(WRAP_PASSWORD, vault_id), vault_key.expose()),
        })
    }
}

/// How to open a vault.
#[derive(Debug, Clone, Copy)]
pub enum Unlock<'a> {
    /// With the master password.
    Password(&'a SecretString),
    /// With the key kept in the OS keyring.
    Keyring(&'a Keyring),
}

impl Unlock<'_> {
    fn label(&self) -> &'static str {
        match self {
            Self::Password(_) => "master password",
            Self::Keyring(_) => "OS keyring",
        }
    }
}

/// An open vault.
pub struct Vault {
    conn: Connection,
    path: PathBuf,
    state_dir: PathBuf,
    vault_id: String,
    /// Kept (zeroized on drop) only so the password can be changed by rewrapping it.
    vault_key: SecretKey,
    keys: SubKeys,
    clock: Arc<dyn Clock>,
    inventory: Vec<KeyMeta>,
    /// Reminder policies from the settings, for due dates and the plaintext due index.
    reminders: ReminderSettings,
}

impl Drop for Vault {
    /// The sub-keys zeroize themselves; this wipes the decrypted metadata too, so names,
    /// owners and notes do not linger in freed memory after a lock.
    fn drop(&mut self) {
        use zeroize::Zeroize;
        for key in &mut self.inventory {
            key.name.zeroize();
            key.owner.zeroize();
            key.purpose.zeroize();
            key.notes.zeroize();
            key.scopes.zeroize();
            key.places.zeroize();
            key.tags.zeroize();
            key.value_hmac.zeroize();
        }
    }
}

impl std::fmt::Debug for Vault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Vault")
            .field("path", &self.path)
            .field("keys", &self.inventory.len())
            .finish_non_exhaustive()
    }
}

fn random_id() -> String {
    let mut bytes = [0u8; 16];
    fill_random(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn wrap_aad(kind: &str, vault_id: &str) -> Vec<u8> {
    format!("till/wrap/v1/{kind}/{vault_id}").into_bytes()
}

fn record_aad(kind: &str, id: &str) -> Vec<u8> {
    format!("till/record/v1/{kind}/{id}").into_bytes()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Maps a SQLite error to what the user needs to hear.
fn db_error(path: &Path, error: rusqlite::Error) -> TillError {
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

impl Vault {
    /// Where the vault file lives.
    pub fn file(paths: &TillPaths) -> PathBuf {
        paths.data_dir.join(VAULT_FILE_NAME)
    }

    /// Whether a vault exists in these paths.
    pub fn exists(paths: &TillPaths) -> bool {
        Self::file(paths).is_file()
    }

    /// Creates a vault protected by `password` and, if given, by a key in `keyring`.
    pub fn create(
        paths: &TillPaths,
        password: &SecretString,
        kdf: KdfParams,
        keyring: Option<&Keyring>,
        clock: Arc<dyn Clock>,
    ) -> Result<Self, TillError> {
        let path = Self::file(paths);
        if path.exists() {
            return Err(TillError::VaultExists { path });
        }
        paths.ensure_exist()?;
        let result = Self::create_at(&path, paths, password, kdf, keyring, clock);
        if result.is_err() {
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
            }
        }
        result
    }

    fn create_at(
        path: &Path,
        paths: &TillPaths,
        password: &SecretString,
        kdf: KdfParams,
        keyring: Option<&Keyring>,
        clock: Arc<dyn Clock>,
    ) -> Result<Self, TillError> {
        if password.expose_secret().is_empty() {
            return Err(TillError::InvalidInput {
                what: "the master password is empty: choose a passphrase of several words".into(),
            });
        }
        let vault_id = random_id();
        let vault_key = SecretKey::generate();
        let keys = SubKeys::derive(&vault_key, vault_id.as_bytes());

        let password_wrap = PasswordWrap::new(password, kdf, &vault_id, &vault_key)?;
        let keyring_wrap = match keyring {
            Some(keyring) => {
                let keyring_key = SecretKey::generate();
                keyring.save(&vault_id, &keyring_key)?;
                Some(envelope::seal(
                    &keyring_key,
                    &wrap_aad(WRAP_KEYRING, &vault_id),
                    vault_key.expose(),
                ))
            }
            None => None,
        };

        let mut conn = Connection::open(path).map_err(|e| db_error(path, e))?;
        schema::configure(&conn).map_err(|e| db_error(path, e))?;
        schema::migrate(&mut conn).map_err(|e| db_error(path, e))?;
        let action = Action::begin(&mut conn, path, &keys, clock.now())?;
        action.execute(
            "INSERT INTO vault_meta (id, vault_id, created_at, audit_head) VALUES (1, ?1, ?2, ?3)",
            params![
                vault_id,
                action.now.to_rfc3339(),
                Head::empty().to_bytes(&keys.audit_mac)
            ],
        )?;
        action.execute(
            "INSERT INTO wraps (kind, kdf_params, salt, sealed_key) VALUES (?1, ?2, ?3, ?4)",
            params![
                WRAP_PASSWORD,
                password_wrap.kdf_json,
                password_wrap.salt.as_slice(),
                password_wrap.sealed
            ],
        )?;
        if let Some(sealed) = keyring_wrap {
            action.execute(
                "INSERT INTO wraps (kind, sealed_key) VALUES (?1, ?2)",
                params![WRAP_KEYRING, sealed],
            )?;
        }
        let mode = if keyring.is_some() {
            "open at login via the OS keyring"
        } else {
            "always ask for the password"
        };
        action.audit(vault_event(
            AuditAction::Create,
            Some(format!("vault created ({mode})")),
        ))?;
        action.commit()?;
        Ok(Self {
            conn,
            path: path.to_owned(),
            state_dir: paths.state_dir.clone(),
            vault_id,
            vault_key,
            keys,
            clock,
            inventory: Vec::new(),
            reminders: ReminderSettings::default(),
        })
    }

    /// Opens an existing vault. A wrong password changes nothing in the vault file; the
    /// failure is counted in the state directory and audited at the next unlock.
    pub fn open(
        paths: &TillPaths,
        unlock: Unlock<'_>,
        clock: Arc<dyn Clock>,
    ) -> Result<Self, TillError> {
        let path = Self::file(paths);
        if !path.is_file() {
            return Err(TillError::VaultMissing { path });
        }
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

        let vault_id: String = conn
            .query_row("SELECT vault_id FROM vault_meta WHERE id = 1", [], |r| {
                r.get(0)
            })
            .map_err(|e| corrupt_or_db(&path, e, "the vault's header row is missing"))?;
        let vault_key = unwrap_vault_key(&conn, &path, &vault_id, unlock, &paths.state_dir, now)?;
        let keys = SubKeys::derive(&vault_key, vault_id.as_bytes());

        let mut vault = Self {
            conn,
            path,
            state_dir: paths.state_dir.clone(),
            vault_id,
            vault_key,
            keys,
            clock,
            inventory: Vec::new(),
            reminders: ReminderSettings::default(),
        };
        vault.inventory = vault.load_inventory()?;
        vault.record_unlock(&failures, unlock)?;
        Ok(vault)
    }

    fn record_unlock(&mut self, failures: &Failures, unlock: Unlock<'_>) -> Result<(), TillError> {
        let action = self.begin()?;
        for at in &failures.at {
            let details = vault_event(
                AuditAction::FailedUnlock,
                Some("wrong master password".into()),
            );
            action.audit_at(*at, details)?;
        }
        // Replaced values past their rollback window are not kept any longer.
        action.execute(
            "DELETE FROM records WHERE kind = ?1 AND next_due_at < ?2",
            params![KIND_PREVIOUS, action.now.to_rfc3339()],
        )?;
        action.audit(vault_event(
            AuditAction::Unlock,
            Some(format!("with the {}", unlock.label())),
        ))?;
        action.commit()?;
        Failures::clear(&self.state_dir);
        Ok(())
    }

    fn load_inventory(&self) -> Result<Vec<KeyMeta>, TillError> {
        let mut statement = self
            .conn
            .prepare("SELECT id, sealed FROM records WHERE kind = ?1")
            .map_err(|e| db_error(&self.path, e))?;
        let rows = statement
            .query_map([KIND_KEY], |row| {
                Ok((row.get::<_, String>(0)?, row.get::<_, Vec<u8>>(1)?))
            })
            .map_err(|e| db_error(&self.path, e))?;
        let mut inventory = Vec::new();
        for row in rows {
            let (id, sealed) = row.map_err(|e| db_error(&self.path, e))?;
            let plaintext = envelope::open(&self.keys.seal, &record_aad(KIND_KEY, &id), &sealed)
                .map_err(|e| self.corrupt(format!("key record {id}: {e}")))?;
            let meta: KeyMeta = serde_json::from_slice(&plaintext)
                .map_err(|e| self.corrupt(format!("key record {id}: {e}")))?;
            inventory.push(meta);
        }
        sort_by_name(&mut inventory);
        Ok(inventory)
    }

    fn corrupt(&self, detail: String) -> TillError {
        TillError::Corrupt {
            path: self.path.clone(),
            detail,
        }
    }

    /// This vault's id (names its keyring entry).
    pub fn id(&self) -> &str {
        &self.vault_id
    }

    /// All keys, sorted by name.
    pub fn keys(&self) -> &[KeyMeta] {
        &self.inventory
    }

    /// Keys whose name, provider, environment, owner, scopes or tags contain `query`.
    pub fn search(&self, query: &str) -> Vec<&KeyMeta> {
        let query = query.trim().to_lowercase();
        self.inventory
            .iter()
            .filter(|k| k.matches(&query))
            .collect()
    }

    /// The key named `name` (exact match).
    pub fn find(&self, name: &str) -> Result<&KeyMeta, TillError> {
        self.inventory
            .iter()
            .find(|k| k.name == name)
            .ok_or_else(|| TillError::KeyNotFound {
                name: name.to_owned(),
            })
    }

    /// Checks a new key against the inventory and `pending` (keys about to be added in
    /// the same batch), and builds its record.
    fn prepare(
        &self,
        new: NewKey,
        pending: &[KeyMeta],
    ) -> Result<(KeyMeta, SecretString), TillError> {
        validate_name(&new.name)?;
        validate_value(&new.value)?;
        let existing = || self.inventory.iter().chain(pending);
        if existing().any(|k| k.name == new.name) {
            return Err(TillError::DuplicateName { name: new.name });
        }
        let value = new.value.expose_secret();
        let value_hmac = hex(&mac(&self.keys.fingerprint, &[value.as_bytes()]));
        if let Some(twin) = existing().find(|k| k.value_hmac == value_hmac) {
            return Err(TillError::InvalidInput {
                what: format!(
                    "this value is already stored as '{}': keep one record per key",
                    twin.name
                ),
            });
        }
        let provider = match new.provider {
            Some(id) if catalog::provider(&id).is_some() => id,
            Some(id) => {
                let known: Vec<&str> = catalog::providers().iter().map(|p| p.id.as_str()).collect();
                return Err(TillError::InvalidInput {
                    what: format!("unknown provider '{id}': use one of {}", known.join(", ")),
                });
            }
            None => catalog::recognize(value)
                .map(|r| r.provider_id)
                .unwrap_or_else(|| catalog::GENERIC.into()),
        };
        let now = self.clock.now();
        let meta = KeyMeta {
            id: random_id(),
            name: new.name,
            provider,
            environment: new.environment.unwrap_or_else(|| "dev".into()),
            owner: new.owner,
            purpose: new.purpose,
            scopes: new.scopes,
            places: Vec::new(),
            tags: new.tags,
            notes: new.notes,
            status: KeyStatus::Active,
            created_at: now,
            updated_at: now,
            expires_at: new.expires_at,
            rotate_every_days: new.rotate_every_days,
            audit_every_days: new.audit_every_days,
            lead_days: None,
            last_rotated_at: now,
            last_audited_at: None,
            snoozed_until: None,
            last_verified: None,
            rotation: None,
            pinned: false,
            last_copied_at: None,
            fingerprint: display_fingerprint(value),
            value_hmac,
            history: Vec::new(),
        };
        Ok((meta, new.value))
    }

    /// Writes prepared keys and their audit entries in one transaction.
    fn insert(
        &mut self,
        keys: Vec<(KeyMeta, SecretString, AuditAction, Option<String>)>,
    ) -> Result<(), TillError> {
        let dues: Vec<_> = keys.iter().map(|(meta, ..)| self.next_due(meta)).collect();
        let action = self.begin()?;
        for ((meta, value, kind, detail), due) in keys.iter().zip(dues) {
            action.write_key(meta, due)?;
            action.write_value(KIND_VALUE, &meta.id, value.expose_secret(), None)?;
            action.audit(key_event(*kind, meta, detail.clone()))?;
        }
        action.commit()?;
        self.inventory
            .extend(keys.into_iter().map(|(meta, ..)| meta));
        sort_by_name(&mut self.inventory);
        Ok(())
    }

    /// Adds a key; refuses a duplicate name or a value already stored under another name.
    pub fn add(&mut self, new: NewKey) -> Result<KeyMeta, TillError> {
        let (meta, value) = self.prepare(new, &[])?;
        self.insert(vec![(meta.clone(), value, AuditAction::Create, None)])?;
        Ok(meta)
    }

    /// Adds the keys of an accepted import preview in one transaction. Keys that clash
    /// with the vault (same name or value) are skipped and reported, not fatal.
    pub fn import(
        &mut self,
        preview: ImportPreview,
        source: &str,
    ) -> Result<ImportReport, TillError> {
        let mut prepared: Vec<KeyMeta> = Vec::new();
        let mut batch = Vec::new();
        let mut skipped = preview.problems;
        for candidate in preview.candidates {
            let line = candidate.line;
            match self.prepare(candidate.into_new_key(), &prepared) {
                Ok((meta, value)) => {
                    prepared.push(meta.clone());
                    batch.push((
                        meta,
                        value,
                        AuditAction::Import,
                        Some(format!("from {source}, line {line}")),
                    ));
                }
                Err(error) => skipped.push(ImportProblem {
                    line,
                    message: error.to_string(),
                }),
            }
        }
        let added = prepared.iter().map(|k| k.name.clone()).collect();
        self.insert(batch)?;
        skipped.sort_by_key(|p| p.line);
        Ok(ImportReport { added, skipped })
    }

    /// Every key with its value, for an encrypted backup; audited as an export.
    pub fn export_all(
        &mut self,
        detail: &str,
    ) -> Result<Vec<crate::backup::BackedUpKey>, TillError> {
        let mut out = Vec::with_capacity(self.inventory.len());
        for meta in &self.inventory {
            let value = self.open_value(meta)?;
            out.push(crate::backup::BackedUpKey {
                meta: meta.clone(),
                value: value.expose_secret().to_owned(),
            });
        }
        self.record(AuditAction::Export, None, Some(detail.to_owned()))?;
        Ok(out)
    }

    /// Checks `password` against the vault (as a fresh unlock would, with the same
    /// back-off) before a sensitive change such as a new master password.
    pub fn check_password(&self, password: &SecretString) -> Result<(), TillError> {
        let now = self.clock.now();
        Failures::load(&self.state_dir).check(now)?;
        let key = unwrap_vault_key(
            &self.conn,
            &self.path,
            &self.vault_id,
            Unlock::Password(password),
            &self.state_dir,
            now,
        )?;
        if key.expose() != self.vault_key.expose() {
            return Err(TillError::Corrupt {
                path: self.path.clone(),
                detail: "the password wrap holds a different vault key".into(),
            });
        }
        Failures::clear(&self.state_dir);
        Ok(())
    }

    /// Changes the master password: the vault key is rewrapped under the new password;
    /// no record is re-encrypted. The keyring wrap, if any, is untouched.
    pub fn change_password(&mut self, new: &SecretString, kdf: KdfParams) -> Result<(), TillError> {
        if new.expose_secret().chars().count() < 8 {
            return Err(TillError::InvalidInput {
                what: "the new master password is shorter than 8 characters: use a passphrase"
                    .into(),
            });
        }
        let wrap = PasswordWrap::new(new, kdf, &self.vault_id, &self.vault_key)?;
        let action = self.begin()?;
        action.execute(
            "UPDATE wraps SET kdf_params = ?1, salt = ?2, sealed_key = ?3 WHERE kind = ?4",
            params![
                wrap.kdf_json,
                wrap.salt.as_slice(),
                wrap.sealed,
                WRAP_PASSWORD
            ],
        )?;
        action.audit(vault_event(
            AuditAction::Edit,
            Some("master password changed".into()),
        ))?;
        action.commit()
    }

    /// Changes a key's details (not its value). Renaming checks for a clash.
    pub fn edit(&mut self, name: &str, changes: KeyChanges) -> Result<KeyMeta, TillError> {
        let mut meta = self.find(name)?.clone();
        let mut changed = Vec::new();
        if let Some(new_name) = changes
            .name
            .map(|n| n.trim().to_owned())
            .filter(|n| *n != meta.name)
        {
            validate_name(&new_name)?;
            if self.inventory.iter().any(|k| k.name == new_name) {
                return Err(TillError::DuplicateName { name: new_name });
            }
            changed.push(format!("renamed from '{}'", meta.name));
            meta.name = new_name;
        }
        if let Some(provider) = changes.provider.filter(|p| *p != meta.provider) {
            if catalog::provider(&provider).is_none() {
                return Err(TillError::InvalidInput {
                    what: format!("unknown provider '{provider}'"),
                });
            }
            meta.provider = provider;
            changed.push("provider".into());
        }
        let blank_to_none = |v: String| Some(v.trim().to_owned()).filter(|v| !v.is_empty());
        macro_rules! apply {
            ($field:ident, $value:expr, $label:literal) => {
                if let Some(value) = $value {
                    if meta.$field != value {
                        meta.$field = value;
                        changed.push($label.to_string());
                    }
                }
            };
        }
        apply!(environment, changes.environment, "environment");
        apply!(owner, changes.owner.map(blank_to_none), "owner");
        apply!(purpose, changes.purpose.map(blank_to_none), "purpose");
        apply!(notes, changes.notes.map(blank_to_none), "notes");
        apply!(scopes, changes.scopes, "scopes");
        apply!(tags, changes.tags, "tags");
        apply!(places, changes.places, "places");
        apply!(pinned, changes.pinned, "pinned");
        apply!(
            lead_days,
            changes.lead_days.map(|d| Some(d).filter(|d| *d > 0)),
            "reminder lead time"
        );
        apply!(
            rotate_every_days,
            changes
                .rotate_every_days
                .map(|d| Some(d).filter(|d| *d > 0)),
            "rotation interval"
        );
        apply!(
            audit_every_days,
            changes.audit_every_days.map(|d| Some(d).filter(|d| *d > 0)),
            "audit interval"
        );
        if changed.is_empty() {
            return Ok(meta);
        }
        meta.updated_at = self.clock.now();
        self.save_meta(
            &meta,
            AuditAction::Edit,
            Some(format!("changed {}", changed.join(", "))),
            None,
        )?;
        Ok(meta)
    }

    /// Replaces a key's value (a rotation): the old value's fingerprint goes into the
    /// history and the value itself is kept sealed for [`ROLLBACK_WINDOW_DAYS`].
    pub fn replace_value(&mut self, name: &str, value: SecretString) -> Result<KeyMeta, TillError> {
        self.swap_value(
            name,
            value,
            "value replaced".into(),
            AuditAction::Edit,
            |_| (),
        )
    }

    /// Puts in a new value, keeping the old one for the rollback window; `also` makes
    /// further changes to the metadata in the same write.
    /// Rotates a key outside the runbook (`till rotate`): a new value, audited as a
    /// rotation; the old one is kept for the rollback window.
    pub fn rotate(&mut self, name: &str, value: SecretString) -> Result<KeyMeta, TillError> {
        self.swap_value(
            name,
            value,
            "rotated".into(),
            AuditAction::Rotation,
            |meta| {
                meta.snoozed_until = None;
            },
        )
    }

    fn swap_value(
        &mut self,
        name: &str,
        value: SecretString,
        reason: String,
        audit_as: AuditAction,
        also: impl FnOnce(&mut KeyMeta),
    ) -> Result<KeyMeta, TillError> {
        validate_value(&value)?;
        let mut meta = self.find(name)?.clone();
        let value_hmac = hex(&mac(
            &self.keys.fingerprint,
            &[value.expose_secret().as_bytes()],
        ));
        if value_hmac == meta.value_hmac {
            return Err(TillError::InvalidInput {
                what: "the new value is the same as the current one: paste the new key".into(),
            });
        }
        if let Some(twin) = self.inventory.iter().find(|k| k.value_hmac == value_hmac) {
            return Err(TillError::InvalidInput {
                what: format!("this value is already stored as '{}'", twin.name),
            });
        }
        let previous = self.open_value(&meta)?;
        let now = self.clock.now();
        let keep_until = now + Duration::days(ROLLBACK_WINDOW_DAYS);
        meta.history.insert(
            0,
            crate::model::RetiredValue {
                fingerprint: meta.fingerprint.clone(),
                retired_at: now,
                keep_until,
                value_hmac: meta.value_hmac.clone(),
            },
        );
        meta.fingerprint = display_fingerprint(value.expose_secret());
        meta.value_hmac = value_hmac;
        meta.last_rotated_at = now;
        meta.updated_at = now;
        also(&mut meta);
        let detail = format!(
            "{reason}; the old one ({}) is kept until {}",
            meta.history[0].fingerprint,
            keep_until.format("%Y-%m-%d")
        );
        self.save_meta(
            &meta,
            audit_as,
            Some(detail),
            Some((value, previous, keep_until)),
        )?;
        Ok(meta)
    }

    /// Writes changed metadata (and, for a new value, the value and the kept previous
    /// one) with its audit entry, in one transaction, and updates the inventory.
    fn save_meta(
        &mut self,
        meta: &KeyMeta,
        kind: AuditAction,
        detail: Option<String>,
        new_value: Option<(SecretString, SecretString, DateTime<Utc>)>,
    ) -> Result<(), TillError> {
        let due = self.next_due(meta);
        let action = self.begin()?;
        action.write_key(meta, due)?;
        if let Some((value, previous, keep_until)) = new_value {
            action.write_value(KIND_VALUE, &meta.id, value.expose_secret(), None)?;
            action.write_value(
                KIND_PREVIOUS,
                &meta.id,
                previous.expose_secret(),
                Some(keep_until),
            )?;
        }
        action.audit(key_event(kind, meta, detail))?;
        action.commit()?;
        if let Some(slot) = self.inventory.iter_mut().find(|k| k.id == meta.id) {
            *slot = meta.clone();
        }
        sort_by_name(&mut self.inventory);
        Ok(())
    }

    /// Puts back the value the last rotation replaced, while it is still kept.
    pub fn rollback(&mut self, name: &str) -> Result<KeyMeta, TillError> {
        let meta = self.find(name)?.clone();
        let now = self.clock.now();
        let Some(last) = meta.history.first().filter(|h| h.keep_until > now) else {
            return Err(TillError::InvalidInput {
                what: format!("'{name}' has no earlier value within the {ROLLBACK_WINDOW_DAYS}-day rollback window"),
            });
        };
        let previous = self.open_text(KIND_PREVIOUS, &meta)?;
        let detail = format!("rolled back to the earlier value {}", last.fingerprint);
        self.swap_value(
            name,
            SecretString::from(previous),
            detail,
            AuditAction::Edit,
            |meta| meta.rotation = None,
        )
    }

    /// Records an action that changed nothing else (export, copy) in the audit log.
    pub fn record(
        &mut self,
        kind: AuditAction,
        key: Option<&KeyMeta>,
        detail: Option<String>,
    ) -> Result<(), TillError> {
        let details = match key {
            Some(meta) => key_event(kind, meta, detail),
            None => vault_event(kind, detail),
        };
        let action = self.begin()?;
        action.audit(details)?;
        action.commit()
    }

    /// Starts one user action's transaction.
    fn begin(&mut self) -> Result<Action<'_>, TillError> {
        Action::begin(&mut self.conn, &self.path, &self.keys, self.clock.now())
    }

    fn open_value(&self, meta: &KeyMeta) -> Result<SecretString, TillError> {
        self.open_text(KIND_VALUE, meta)
    }

    /// Opens a key's sealed text record of `kind` (its value, or the kept previous one).
    fn open_text(&self, kind: &str, meta: &KeyMeta) -> Result<SecretString, TillError> {
        let what = if kind == KIND_VALUE {
            "value"
        } else {
            "previous value"
        };
        self.open_record_text(kind, &meta.id)?
            .ok_or_else(|| self.corrupt(format!("the {what} of '{}' is missing", meta.name)))
    }

    /// Opens the sealed text record `(id, kind)`, if there is one.
    fn open_record_text(&self, kind: &str, id: &str) -> Result<Option<SecretString>, TillError> {
        let sealed: Option<Vec<u8>> = self
            .conn
            .query_row(
                "SELECT sealed FROM records WHERE id = ?1 AND kind = ?2",
                params![id, kind],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| db_error(&self.path, e))?;
        let Some(sealed) = sealed else {
            return Ok(None);
        };
        let plaintext = envelope::open(&self.keys.seal, &record_aad(kind, id), &sealed)
            .map_err(|e| self.corrupt(format!("{kind} record {id}: {e}")))?;
        let text = String::from_utf8(plaintext.to_vec())
            .map_err(|_| self.corrupt(format!("{kind} record {id} is not text")))?;
        Ok(Some(SecretString::from(text)))
    }

    /// Opens a key's value for use; `action` says what for (reveal, copy) and is audited.
    pub fn use_value(
        &mut self,
        name: &str,
        action: AuditAction,
        detail: Option<String>,
    ) -> Result<SecretString, TillError> {
        let meta = self.find(name)?.clone();
        let value = self.open_value(&meta)?;
        self.record(action, Some(&meta), detail)?;
        Ok(value)
    }

    /// Deletes a key and its value.
    pub fn remove(&mut self, name: &str) -> Result<KeyMeta, TillError> {
        let meta = self.find(name)?.clone();
        let action = self.begin()?;
        action.execute("DELETE FROM records WHERE id = ?1", [&meta.id])?;
        action.audit(key_event(AuditAction::Delete, &meta, None))?;
        action.commit()?;
        self.inventory.retain(|k| k.id != meta.id);
        Ok(meta)
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
    /// [`Vault::verify_audit`] reports them.
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

    /// Locks: records the lock, then drops the keys (zeroized) and the inventory.
    pub fn lock(mut self) -> Result<(), TillError> {
        let action = self.begin()?;
        action.audit(vault_event(AuditAction::Lock, None))?;
        action.commit()
    }
}

fn sort_by_name(keys: &mut [KeyMeta]) {
    keys.sort_by_cached_key(|k| k.name.to_lowercase());
}

/// A stored wrap: KDF parameters (JSON) and salt for password wraps, and the sealed key.
type WrapRow = (Option<String>, Option<Vec<u8>>, Vec<u8>);

fn corrupt_or_db(path: &Path, error: rusqlite::Error, what: &str) -> TillError {
    match error {
        rusqlite::Error::QueryReturnedNoRows => TillError::Corrupt {
            path: path.to_owned(),
            detail: what.to_owned(),
        },
        other => db_error(path, other),
    }
}

fn vault_event(action: AuditAction, detail: Option<String>) -> AuditDetails {
    AuditDetails {
        action,
        key_id: None,
        key_name: None,
        detail,
    }
}

fn key_event(action: AuditAction, meta: &KeyMeta, detail: Option<String>) -> AuditDetails {
    AuditDetails {
        action,
        key_id: Some(meta.id.clone()),
        key_name: Some(meta.name.clone()),
        detail,
    }
}

fn unwrap_vault_key(
    conn: &Connection,
    path: &Path,
    vault_id: &str,
    unlock: Unlock<'_>,
    state_dir: &Path,
    now: DateTime<Utc>,
) -> Result<SecretKey, TillError> {
    let kind = match unlock {
        Unlock::Password(_) => WRAP_PASSWORD,
        Unlock::Keyring(_) => WRAP_KEYRING,
    };
    let wrap: Option<WrapRow> = conn
        .query_row(
            "SELECT kdf_params, salt, sealed_key FROM wraps WHERE kind = ?1",
            [kind],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()
        .map_err(|e| db_error(path, e))?;
    let Some((kdf_params, salt, sealed)) = wrap else {
        return match unlock {
            Unlock::Keyring(_) => Err(TillError::PasswordRequired {
                why: "it was set up to always ask for the password",
            }),
            Unlock::Password(_) => Err(TillError::Corrupt {
                path: path.to_owned(),
                detail: "the password wrap is missing".into(),
            }),
        };
    };
    let aad = wrap_aad(kind, vault_id);
    let vault_key_bytes = match unlock {
        Unlock::Password(password) => {
            let corrupt = |detail: &str| TillError::Corrupt {
                path: path.to_owned(),
                detail: detail.to_owned(),
            };
            let params: KdfParams = kdf_params
                .as_deref()
                .and_then(|json| serde_json::from_str(json).ok())
                .ok_or_else(|| corrupt("the password parameters are unreadable"))?;
            let salt = salt.ok_or_else(|| corrupt("the password salt is missing"))?;
            let kek = derive_key(password, &salt, params)
                .map_err(|_| corrupt("the password parameters are below the safe minimum"))?;
            match envelope::open(&kek, &aad, &sealed) {
                Ok(bytes) => bytes,
                Err(envelope::EnvelopeError::Tampered) => {
                    Failures::record(state_dir, now)?;
                    return Err(TillError::WrongPassword);
                }
                Err(other) => return Err(corrupt(&other.to_string())),
            }
        }
        Unlock::Keyring(keyring) => {
            let key = keyring.load(vault_id)?.ok_or(TillError::PasswordRequired {
                why: "the OS keyring has no entry for this vault",
            })?;
            envelope::open(&key, &aad, &sealed).map_err(|_| TillError::KeyringEntryDamaged)?
        }
    };
    SecretKey::from_slice(&vault_key_bytes).ok_or_else(|| TillError::Corrupt {
        path: path.to_owned(),
        detail: "the wrapped vault key has the wrong length".into(),
    })
}
