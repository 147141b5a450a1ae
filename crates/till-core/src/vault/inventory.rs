//! The inventory: every key's metadata, decrypted while the vault is open, and the
//! changes that keep it and the store in step.
//!
//! [`Inventory`] is the read side (find, search, iterate); it wipes every decrypted field
//! when dropped, because [`KeyMeta`] zeroizes all its text by its own derive. [`Keys`] is
//! the write side, a handle from [`super::Vault::keys_mut`]: each change is one store
//! action with its audit entry, then mirrored in the inventory.

use chrono::{DateTime, Duration, Utc};
use secrecy::{ExposeSecret, SecretString};
use zeroize::Zeroize;

use super::store::audit::{AuditAction, AuditDetails};
use super::store::{new_id, Dates, RecordKind, Store};
use super::ROLLBACK_WINDOW_DAYS;
use crate::catalog;
use crate::error::TillError;
use crate::import::{ImportPreview, ImportProblem};
use crate::model::{
    display_fingerprint, validate_name, validate_value, KeyChanges, KeyMeta, KeyStatus, NewKey,
    RetiredValue,
};
use crate::reminders::due::earliest_deadline;
use crate::reminders::ReminderSettings;

/// What an import added and what it left out (with line numbers).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, ts_rs::TS)]
#[ts(export)]
pub struct ImportReport {
    pub added: Vec<String>,
    pub skipped: Vec<ImportProblem>,
}

/// The decrypted key metadata of an open vault, sorted by name.
#[derive(Debug, Default)]
pub struct Inventory {
    keys: Vec<KeyMeta>,
}

impl Drop for Inventory {
    /// Names, owners, notes and scopes do not linger in freed memory after a lock.
    fn drop(&mut self) {
        self.keys.zeroize();
    }
}

impl std::ops::Deref for Inventory {
    type Target = [KeyMeta];

    fn deref(&self) -> &[KeyMeta] {
        &self.keys
    }
}

impl<'a> IntoIterator for &'a Inventory {
    type Item = &'a KeyMeta;
    type IntoIter = std::slice::Iter<'a, KeyMeta>;

    fn into_iter(self) -> Self::IntoIter {
        self.keys.iter()
    }
}

impl Inventory {
    /// Loads and opens every key record.
    pub(super) fn load(store: &Store) -> Result<Self, TillError> {
        let mut inventory = Self {
            keys: store.list(RecordKind::Key)?,
        };
        inventory.sort();
        Ok(inventory)
    }

    fn sort(&mut self) {
        self.keys.sort_by_cached_key(|k| k.name.to_lowercase());
    }

    /// The key named `name` (exact match).
    pub fn find(&self, name: &str) -> Result<&KeyMeta, TillError> {
        self.keys
            .iter()
            .find(|k| k.name == name)
            .ok_or_else(|| TillError::KeyNotFound {
                name: name.to_owned(),
            })
    }

    /// The key with this id.
    pub fn by_id(&self, id: &str) -> Option<&KeyMeta> {
        self.keys.iter().find(|k| k.id == id)
    }

    /// Keys matching `query`, best match first (see [`crate::search`]).
    pub fn search(&self, query: &str) -> Vec<&KeyMeta> {
        crate::search::rank(&self.keys, query)
    }

    fn put(&mut self, meta: KeyMeta) {
        match self.keys.iter_mut().find(|k| k.id == meta.id) {
            Some(slot) => *slot = meta,
            None => self.keys.push(meta),
        }
        self.sort();
    }
}

/// A new value for a key, with the one it replaces (kept until `keep_until`).
pub(super) struct NewValue {
    pub value: SecretString,
    pub previous: SecretString,
    pub keep_until: DateTime<Utc>,
}

/// Changes to the inventory, each one audited action.
#[derive(Debug)]
pub struct Keys<'v> {
    pub(super) store: &'v mut Store,
    pub(super) inventory: &'v mut Inventory,
    pub(super) settings: &'v ReminderSettings,
}

impl Keys<'_> {
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
        let value_hmac = self.store.fingerprint(value);
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
                let known: Vec<&str> = catalog::storable_providers()
                    .map(|p| p.id.as_str())
                    .collect();
                return Err(TillError::InvalidInput {
                    what: format!("unknown provider '{id}': use one of {}", known.join(", ")),
                });
            }
            None => catalog::recognize(value)
                .map(|r| r.provider_id)
                .unwrap_or_else(|| catalog::GENERIC.into()),
        };
        if provider == catalog::TILL {
            return Err(TillError::InvalidInput {
                what: "this is a Till agent key (till_sk_…), not a provider key: it is not \
                       stored; if it leaked, revoke it with `till agent revoke`"
                    .into(),
            });
        }
        let now = self.store.now();
        let meta = KeyMeta {
            id: new_id(),
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

    fn dates(&self, meta: &KeyMeta) -> Dates {
        Dates {
            created_at: meta.created_at,
            updated_at: meta.updated_at,
            next_due_at: earliest_deadline(meta, self.settings, &chrono::Local),
        }
    }

    /// Writes prepared keys and their audit entries in one transaction.
    fn insert(
        &mut self,
        keys: Vec<(KeyMeta, SecretString, AuditAction, Option<String>)>,
    ) -> Result<(), TillError> {
        let dates: Vec<Dates> = keys.iter().map(|(meta, ..)| self.dates(meta)).collect();
        let action = self.store.begin()?;
        for ((meta, value, kind, detail), dates) in keys.iter().zip(dates) {
            action.put(RecordKind::Key, &meta.id, meta, dates)?;
            action.put_secret(RecordKind::Value, &meta.id, value, None)?;
            action.audit(AuditDetails::key(*kind, meta, detail.clone()))?;
        }
        action.commit()?;
        for (meta, ..) in keys {
            self.inventory.put(meta);
        }
        Ok(())
    }

    /// Changes a key's details (not its value). Renaming checks for a clash.
    pub fn edit(&mut self, name: &str, changes: KeyChanges) -> Result<KeyMeta, TillError> {
        let mut meta = self.inventory.find(name)?.clone();
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
        meta.updated_at = self.store.now();
        self.save(
            &meta,
            AuditAction::Edit,
            Some(format!("changed {}", changed.join(", "))),
        )?;
        Ok(meta)
    }

    /// Replaces a key's value outside a rotation (a correction): the old value's
    /// fingerprint goes into the history and the value is kept for the rollback window.
    pub fn replace_value(&mut self, name: &str, value: SecretString) -> Result<KeyMeta, TillError> {
        self.swap_value(
            name,
            value,
            "value replaced".into(),
            AuditAction::Edit,
            |_| (),
        )
    }

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

    /// Puts back the value the last rotation replaced, while it is still kept.
    pub fn rollback(&mut self, name: &str) -> Result<KeyMeta, TillError> {
        let meta = self.inventory.find(name)?.clone();
        let now = self.store.now();
        let Some(last) = meta.history.first().filter(|h| h.keep_until > now) else {
            return Err(TillError::InvalidInput {
                what: format!("'{name}' has no earlier value within the {ROLLBACK_WINDOW_DAYS}-day rollback window"),
            });
        };
        let previous = self
            .store
            .secret(RecordKind::Previous, &meta.id)?
            .ok_or_else(|| {
                self.store
                    .corrupt(format!("the previous value of '{}' is missing", meta.name))
            })?;
        let detail = format!("rolled back to the earlier value {}", last.fingerprint);
        self.swap_value(name, previous, detail, AuditAction::Edit, |meta| {
            meta.rotation = None
        })
    }

    /// Puts in a new value, keeping the old one for the rollback window; `also` makes
    /// further changes to the metadata in the same write.
    pub(super) fn swap_value(
        &mut self,
        name: &str,
        value: SecretString,
        reason: String,
        audit_as: AuditAction,
        also: impl FnOnce(&mut KeyMeta),
    ) -> Result<KeyMeta, TillError> {
        validate_value(&value)?;
        let mut meta = self.inventory.find(name)?.clone();
        let value_hmac = self.store.fingerprint(value.expose_secret());
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
        let previous = super::values::open_value(self.store, &meta)?;
        let now = self.store.now();
        let keep_until = now + Duration::days(ROLLBACK_WINDOW_DAYS);
        meta.history.insert(
            0,
            RetiredValue {
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
        let new_value = NewValue {
            value,
            previous,
            keep_until,
        };
        self.write(&meta, audit_as, Some(detail), Some(new_value))?;
        Ok(meta)
    }

    /// Deletes a key, its value and any kept previous value.
    pub fn remove(&mut self, name: &str) -> Result<KeyMeta, TillError> {
        let meta = self.inventory.find(name)?.clone();
        let action = self.store.begin()?;
        action.delete_all(&meta.id)?;
        action.audit(AuditDetails::key(AuditAction::Delete, &meta, None))?;
        action.commit()?;
        self.inventory.keys.retain(|k| k.id != meta.id);
        Ok(meta)
    }

    /// Writes changed metadata with its audit entry in one transaction, and updates the
    /// inventory.
    pub(super) fn save(
        &mut self,
        meta: &KeyMeta,
        kind: AuditAction,
        detail: Option<String>,
    ) -> Result<(), TillError> {
        self.write(meta, kind, detail, None)
    }

    /// Writes metadata (and, for a new value, the value and the kept previous one) with
    /// its audit entry, in one transaction.
    fn write(
        &mut self,
        meta: &KeyMeta,
        kind: AuditAction,
        detail: Option<String>,
        new_value: Option<NewValue>,
    ) -> Result<(), TillError> {
        let dates = self.dates(meta);
        let action = self.store.begin()?;
        action.put(RecordKind::Key, &meta.id, meta, dates)?;
        if let Some(new) = new_value {
            action.put_secret(RecordKind::Value, &meta.id, &new.value, None)?;
            action.put_secret(
                RecordKind::Previous,
                &meta.id,
                &new.previous,
                Some(new.keep_until),
            )?;
        }
        action.audit(AuditDetails::key(kind, meta, detail))?;
        action.commit()?;
        self.inventory.put(meta.clone());
        Ok(())
    }

    /// Brings the plaintext due index in line with the reminder settings (they may have
    /// changed since the keys were written). Only rows whose due time changed are written.
    pub(super) fn refresh_due_index(&mut self) -> Result<(), TillError> {
        let dues: Vec<_> = self
            .inventory
            .iter()
            .map(|k| (k.id.clone(), self.dates(k).next_due_at))
            .collect();
        let action = self.store.begin()?;
        for (id, due) in dues {
            action.set_due(RecordKind::Key, &id, due)?;
        }
        action.commit()
    }
}
