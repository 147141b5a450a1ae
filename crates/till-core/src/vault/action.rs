//! One user action's writes: a SQLite transaction that also chains the action's audit
//! entries, so a change and its record land together or not at all.

use std::path::Path;

use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, Transaction};

use super::audit::{self, AuditDetails, Head};
use super::{db_error, record_aad, KIND_KEY};
use crate::crypto::{envelope, SubKeys};
use crate::error::TillError;
use crate::model::KeyMeta;

/// An open transaction with what it needs to seal records and extend the audit chain.
pub(super) struct Action<'a> {
    tx: Transaction<'a>,
    path: &'a Path,
    keys: &'a SubKeys,
    /// The action's time, used for its records and audit entries.
    pub now: DateTime<Utc>,
}

impl<'a> Action<'a> {
    pub fn begin(
        conn: &'a mut Connection,
        path: &'a Path,
        keys: &'a SubKeys,
        now: DateTime<Utc>,
    ) -> Result<Self, TillError> {
        let tx = conn.transaction().map_err(|e| db_error(path, e))?;
        Ok(Self {
            tx,
            path,
            keys,
            now,
        })
    }

    /// Runs one statement.
    pub fn execute(&self, sql: &str, params: impl rusqlite::Params) -> Result<usize, TillError> {
        self.tx
            .execute(sql, params)
            .map_err(|e| db_error(self.path, e))
    }

    /// Seals and writes a key's metadata, with its next due time in plaintext so the
    /// tray can count what is due while the vault is locked.
    pub fn write_key(&self, meta: &KeyMeta, due: Option<DateTime<Utc>>) -> Result<(), TillError> {
        let plaintext =
            zeroize::Zeroizing::new(serde_json::to_vec(meta).map_err(|e| TillError::Internal {
                what: e.to_string(),
            })?);
        let sealed = envelope::seal(&self.keys.seal, &record_aad(KIND_KEY, &meta.id), &plaintext);
        self.upsert(
            KIND_KEY,
            &meta.id,
            meta.created_at,
            meta.updated_at,
            due,
            &sealed,
        )
    }

    /// Seals and writes a value record (`value`, or the `previous` one kept until `due`).
    pub fn write_value(
        &self,
        kind: &str,
        id: &str,
        value: &str,
        due: Option<DateTime<Utc>>,
    ) -> Result<(), TillError> {
        let sealed = envelope::seal(&self.keys.seal, &record_aad(kind, id), value.as_bytes());
        self.upsert(kind, id, self.now, self.now, due, &sealed)
    }

    /// Inserts or replaces one sealed record; `created_at` stays as first written.
    pub fn upsert(
        &self,
        kind: &str,
        id: &str,
        created_at: DateTime<Utc>,
        updated_at: DateTime<Utc>,
        due: Option<DateTime<Utc>>,
        sealed: &[u8],
    ) -> Result<(), TillError> {
        self.execute(
            "INSERT INTO records (id, kind, created_at, updated_at, next_due_at, sealed)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (id, kind) DO UPDATE SET
               updated_at = excluded.updated_at, next_due_at = excluded.next_due_at,
               sealed = excluded.sealed",
            params![
                id,
                kind,
                created_at.to_rfc3339(),
                updated_at.to_rfc3339(),
                due.map(|d| d.to_rfc3339()),
                sealed
            ],
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
            .map_err(|e| super::corrupt_or_db(self.path, e, "the vault's header row is missing"))?;
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
