//! One user action's writes: a SQLite transaction that also chains the action's audit
//! entries, so a change and its record land together or not at all.

use std::path::Path;

use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, Transaction};
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;

use super::audit::{self, AuditDetails, Head};
use super::{corrupt_or_db, db_error, record_aad, RecordKind};
use crate::crypto::{envelope, SubKeys};
use crate::error::TillError;

/// An open transaction with what it needs to seal records and extend the audit chain.
pub(crate) struct Action<'a> {
    tx: Transaction<'a>,
    path: &'a Path,
    keys: &'a SubKeys,
    vault_id: &'a str,
    /// The action's time, used for its records and audit entries.
    pub now: DateTime<Utc>,
}

/// When a record was first written and last changed, and when it is next due (the only
/// plaintext beside its id and kind).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Dates {
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub next_due_at: Option<DateTime<Utc>>,
}

impl<'a> Action<'a> {
    pub(super) fn begin(
        conn: &'a mut Connection,
        path: &'a Path,
        keys: &'a SubKeys,
        vault_id: &'a str,
        now: DateTime<Utc>,
    ) -> Result<Self, TillError> {
        let tx = conn.transaction().map_err(|e| db_error(path, e))?;
        Ok(Self {
            tx,
            path,
            keys,
            vault_id,
            now,
        })
    }

    pub(super) fn keys(&self) -> &SubKeys {
        self.keys
    }

    pub(super) fn vault_id(&self) -> &str {
        self.vault_id
    }

    /// Runs one statement (the store's own tables only).
    pub(super) fn execute(
        &self,
        sql: &str,
        params: impl rusqlite::Params,
    ) -> Result<usize, TillError> {
        self.tx
            .execute(sql, params)
            .map_err(|e| db_error(self.path, e))
    }

    /// Seals and writes a typed record as JSON; the plaintext is wiped after sealing.
    pub fn put<T: Serialize>(
        &self,
        kind: RecordKind,
        id: &str,
        record: &T,
        dates: Dates,
    ) -> Result<(), TillError> {
        let plaintext = zeroize::Zeroizing::new(serde_json::to_vec(record).map_err(|e| {
            TillError::Internal {
                what: e.to_string(),
            }
        })?);
        self.put_sealed(kind, id, &plaintext, dates)
    }

    /// Seals and writes a secret record (a value) at the action's time, due at `due`.
    pub fn put_secret(
        &self,
        kind: RecordKind,
        id: &str,
        value: &SecretString,
        due: Option<DateTime<Utc>>,
    ) -> Result<(), TillError> {
        let dates = Dates {
            created_at: self.now,
            updated_at: self.now,
            next_due_at: due,
        };
        self.put_sealed(kind, id, value.expose_secret().as_bytes(), dates)
    }

    /// Inserts or replaces one sealed record; `created_at` stays as first written.
    fn put_sealed(
        &self,
        kind: RecordKind,
        id: &str,
        plaintext: &[u8],
        dates: Dates,
    ) -> Result<(), TillError> {
        let sealed = envelope::seal(&self.keys.seal, &record_aad(kind, id), plaintext);
        self.execute(
            "INSERT INTO records (id, kind, created_at, updated_at, next_due_at, sealed)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (id, kind) DO UPDATE SET
               updated_at = excluded.updated_at, next_due_at = excluded.next_due_at,
               sealed = excluded.sealed",
            params![
                id,
                kind.as_str(),
                dates.created_at.to_rfc3339(),
                dates.updated_at.to_rfc3339(),
                dates.next_due_at.map(|d| d.to_rfc3339()),
                sealed
            ],
        )
        .map(drop)
    }

    /// Sets a record's plaintext due time if it changed (settings may move deadlines).
    pub fn set_due(
        &self,
        kind: RecordKind,
        id: &str,
        due: Option<DateTime<Utc>>,
    ) -> Result<(), TillError> {
        let due = due.map(|d| d.to_rfc3339());
        self.execute(
            "UPDATE records SET next_due_at = ?1
             WHERE id = ?2 AND kind = ?3 AND next_due_at IS NOT ?1",
            params![due, id, kind.as_str()],
        )
        .map(drop)
    }

    /// Deletes every record with this id (a key's metadata, value and kept previous value).
    pub fn delete_all(&self, id: &str) -> Result<(), TillError> {
        self.execute("DELETE FROM records WHERE id = ?1", [id])
            .map(drop)
    }

    /// Deletes the records of `kind` whose due time has passed (kept values past their
    /// rollback window).
    pub fn delete_expired(&self, kind: RecordKind) -> Result<(), TillError> {
        self.execute(
            "DELETE FROM records WHERE kind = ?1 AND next_due_at < ?2",
            params![kind.as_str(), self.now.to_rfc3339()],
        )
        .map(drop)
    }

    /// Appends an audit entry at the action's time.
    pub fn audit(&self, details: AuditDetails) -> Result<(), TillError> {
        self.audit_at(self.now, details)
    }

    /// Appends an audit entry at `at` (failed unlocks are recorded at their own time).
    pub fn audit_at(&self, at: DateTime<Utc>, details: AuditDetails) -> Result<(), TillError> {
        let stored: Vec<u8> = self
            .tx
            .query_row("SELECT audit_head FROM vault_meta WHERE id = 1", [], |r| {
                r.get(0)
            })
            .map_err(|e| corrupt_or_db(self.path, e, "the vault's header row is missing"))?;
        let head =
            Head::from_bytes(&self.keys.audit_mac, &stored).ok_or_else(|| TillError::Corrupt {
                path: self.path.to_owned(),
                detail: "the audit log's head was altered".into(),
            })?;
        let (row, new_head) = audit::next_row(self.keys, &head, at, &details);
        self.execute(
            "INSERT INTO audit_log (seq, at, sealed, mac) VALUES (?1, ?2, ?3, ?4)",
            params![row.seq, row.at, row.sealed, row.mac],
        )?;
        self.execute(
            "UPDATE vault_meta SET audit_head = ?1 WHERE id = 1",
            [new_head.to_bytes(&self.keys.audit_mac)],
        )
        .map(drop)
    }

    /// Makes everything durable (WAL, `synchronous=FULL`).
    pub fn commit(self) -> Result<(), TillError> {
        self.tx.commit().map_err(|e| db_error(self.path, e))
    }
}
