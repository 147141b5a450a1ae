//! The audit log: append-only, sealed, and chained with an HMAC.
//!
//! Each entry's details are sealed like any record (bound to its sequence number), and
//! each entry carries `mac = HMAC(audit key, previous mac | seq | time | sealed)`. The
//! vault's meta row keeps a MAC'd head (last seq and mac), so an entry edited, removed,
//! reordered, or cut off the end is found by [`verify`], which says where.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::crypto::{envelope, mac, mac_eq, SecretKey, SubKeys};

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum AuditAction {
    Create,
    Reveal,
    Copy,
    Edit,
    Delete,
    Import,
    Export,
    Unlock,
    FailedUnlock,
    Lock,
    /// A step of a rotation runbook, or a rotation from the CLI.
    Rotation,
    /// A live check against the provider.
    Verify,
    /// An audit review completed or skipped.
    Audit,
    /// Reminders held for a while.
    Snooze,
    /// `till run`: a value injected into a command's environment, or the run itself
    /// (its keys, grants and the command's name, never its arguments).
    Run,
    /// An agent key minted (a grant on a parent key).
    AgentMint,
    /// An agent key revoked.
    AgentRevoke,
    /// An agent key used for the first time.
    AgentFirstUse,
    /// An agent key reached one of its caps.
    AgentCapReached,
    /// An agent key expired.
    AgentExpired,
    /// A step of the leaked-key runbook: started from a finding, a step done, the
    /// incident recorded.
    Leak,
    /// An agent key's caps changed (old and new in the detail).
    AgentCaps,
}

impl AuditAction {
    /// The action's name as shown by `till log`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Create => "create",
            Self::Reveal => "reveal",
            Self::Copy => "copy",
            Self::Edit => "edit",
            Self::Delete => "delete",
            Self::Import => "import",
            Self::Export => "export",
            Self::Unlock => "unlock",
            Self::FailedUnlock => "failed_unlock",
            Self::Lock => "lock",
            Self::Rotation => "rotation",
            Self::Verify => "verify",
            Self::Audit => "audit",
            Self::Snooze => "snooze",
            Self::Run => "run",
            Self::AgentMint => "agent_mint",
            Self::AgentRevoke => "agent_revoke",
            Self::AgentFirstUse => "agent_first_use",
            Self::AgentCapReached => "agent_cap_reached",
            Self::AgentExpired => "agent_expired",
            Self::Leak => "leak",
            Self::AgentCaps => "agent_caps",
        }
    }
}

/// The sealed part of an entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditDetails {
    pub action: AuditAction,
    pub key_id: Option<String>,
    pub key_name: Option<String>,
    pub detail: Option<String>,
}

impl AuditDetails {
    /// An event about the vault itself (unlock, lock, settings).
    pub fn vault(action: AuditAction, detail: Option<String>) -> Self {
        Self {
            action,
            key_id: None,
            key_name: None,
            detail,
        }
    }

    /// An event about one key: its id follows it across renames, its name is as it was.
    pub fn key(action: AuditAction, meta: &crate::model::KeyMeta, detail: Option<String>) -> Self {
        Self {
            action,
            key_id: Some(meta.id.clone()),
            key_name: Some(meta.name.clone()),
            detail,
        }
    }
}

/// An opened entry, as shown to the user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct AuditEntry {
    pub seq: i64,
    pub at: DateTime<Utc>,
    pub action: AuditAction,
    /// The key's id (stable across renames), for a key's own history.
    pub key_id: Option<String>,
    /// The key's name when the entry was written.
    pub key_name: Option<String>,
    pub detail: Option<String>,
}

/// A stored row, as read from the database.
#[derive(Debug, Clone)]
pub struct AuditRow {
    pub seq: i64,
    pub at: String,
    pub sealed: Vec<u8>,
    pub mac: Vec<u8>,
}

/// The chain's head: the last entry's seq and mac, with a tag so it cannot be forged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Head {
    pub seq: i64,
    pub mac: [u8; 32],
}

const EMPTY_MAC: [u8; 32] = [0; 32];

impl Head {
    /// The head of an empty log.
    pub fn empty() -> Self {
        Self {
            seq: 0,
            mac: EMPTY_MAC,
        }
    }

    /// Serializes as `seq (8 bytes) | mac | tag`.
    pub fn to_bytes(&self, key: &SecretKey) -> Vec<u8> {
        let seq = self.seq.to_be_bytes();
        let tag = mac(key, &[b"till/audit/head", &seq, &self.mac]);
        [seq.as_slice(), &self.mac, &tag].concat()
    }

    /// Parses and checks the tag; `None` if the head was tampered with.
    pub fn from_bytes(key: &SecretKey, bytes: &[u8]) -> Option<Self> {
        if bytes.len() != 8 + 32 + 32 {
            return None;
        }
        let seq = i64::from_be_bytes(bytes[..8].try_into().ok()?);
        let entry_mac: [u8; 32] = bytes[8..40].try_into().ok()?;
        let expected = mac(key, &[b"till/audit/head", &bytes[..8], &entry_mac]);
        mac_eq(&expected, &bytes[40..]).then_some(Self {
            seq,
            mac: entry_mac,
        })
    }
}

fn aad(seq: i64) -> Vec<u8> {
    [b"till/audit/v1/".as_slice(), &seq.to_be_bytes()].concat()
}

/// The chained MAC of one entry.
pub fn entry_mac(
    key: &SecretKey,
    previous: &[u8; 32],
    seq: i64,
    at: &str,
    sealed: &[u8],
) -> [u8; 32] {
    mac(
        key,
        &[
            b"till/audit/entry",
            previous,
            &seq.to_be_bytes(),
            at.as_bytes(),
            sealed,
        ],
    )
}

/// Builds the row that follows `head`, and the new head.
pub fn next_row(
    keys: &SubKeys,
    head: &Head,
    at: DateTime<Utc>,
    details: &AuditDetails,
) -> (AuditRow, Head) {
    let seq = head.seq + 1;
    let at = at.to_rfc3339();
    let plaintext = serde_json::to_vec(details).expect("audit details serialize");
    let sealed = envelope::seal(&keys.seal, &aad(seq), &plaintext);
    let row_mac = entry_mac(&keys.audit_mac, &head.mac, seq, &at, &sealed);
    (
        AuditRow {
            seq,
            at,
            sealed,
            mac: row_mac.to_vec(),
        },
        Head { seq, mac: row_mac },
    )
}

/// Opens a row's details (used for display; integrity is [`verify`]'s job).
pub fn open_row(keys: &SubKeys, row: &AuditRow) -> Option<AuditEntry> {
    let plaintext = envelope::open(&keys.seal, &aad(row.seq), &row.sealed).ok()?;
    let details: AuditDetails = serde_json::from_slice(&plaintext).ok()?;
    Some(AuditEntry {
        seq: row.seq,
        at: DateTime::parse_from_rfc3339(&row.at)
            .ok()?
            .with_timezone(&Utc),
        action: details.action,
        key_id: details.key_id,
        key_name: details.key_name,
        detail: details.detail,
    })
}

/// What [`verify`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Every entry is present, unchanged and in order.
    Intact { entries: i64 },
    /// The first problem found.
    Broken { seq: i64, problem: String },
}

/// Walks the chain in `rows` (ordered by seq) and checks it against the stored head.
pub fn verify(keys: &SubKeys, rows: &[AuditRow], stored_head: &[u8]) -> Verdict {
    let broken = |seq: i64, problem: &str| Verdict::Broken {
        seq,
        problem: problem.to_owned(),
    };
    let Some(head) = Head::from_bytes(&keys.audit_mac, stored_head) else {
        return broken(0, "the log's head record was altered");
    };
    let mut previous = EMPTY_MAC;
    let mut expected_seq = 1;
    for row in rows {
        if row.seq != expected_seq {
            return broken(
                expected_seq,
                &format!(
                    "entry {expected_seq} is missing (the next one found is {})",
                    row.seq
                ),
            );
        }
        let computed = entry_mac(&keys.audit_mac, &previous, row.seq, &row.at, &row.sealed);
        if !mac_eq(&computed, &row.mac) {
            return broken(
                row.seq,
                &format!("entry {} was edited, replaced or moved", row.seq),
            );
        }
        if envelope::open(&keys.seal, &aad(row.seq), &row.sealed).is_err() {
            return broken(row.seq, &format!("entry {} cannot be opened", row.seq));
        }
        previous = computed;
        expected_seq += 1;
    }
    let last = expected_seq - 1;
    if head.seq != last || head.mac != previous {
        return broken(
            last + 1,
            &format!(
                "entries after {last} were removed (the log should end at {})",
                head.seq
            ),
        );
    }
    Verdict::Intact { entries: last }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> SubKeys {
        SubKeys::derive(&SecretKey::from_bytes(&[3; 32]), b"vault")
    }

    fn chain(n: i64) -> (Vec<AuditRow>, Vec<u8>) {
        let keys = keys();
        let mut head = Head::empty();
        let mut rows = Vec::new();
        for i in 0..n {
            let details = AuditDetails {
                action: AuditAction::Create,
                key_id: None,
                key_name: Some(format!("key {i}")),
                detail: None,
            };
            let at = DateTime::from_timestamp(1_800_000_000 + i, 0).unwrap();
            let (row, next) = next_row(&keys, &head, at, &details);
            rows.push(row);
            head = next;
        }
        (rows, head.to_bytes(&keys.audit_mac))
    }

    #[test]
    fn an_untouched_chain_is_intact_and_opens() {
        let (rows, head) = chain(5);
        assert_eq!(
            verify(&keys(), &rows, &head),
            Verdict::Intact { entries: 5 }
        );
        let entry = open_row(&keys(), &rows[2]).unwrap();
        assert_eq!(entry.key_name.as_deref(), Some("key 2"));
        assert_eq!(entry.seq, 3);
    }

    #[test]
    fn an_edited_entry_is_found() {
        let (mut rows, head) = chain(5);
        rows[2].at = "2030-01-01T00:00:00+00:00".into();
        assert!(matches!(
            verify(&keys(), &rows, &head),
            Verdict::Broken { seq: 3, .. }
        ));
        let (mut rows, head) = chain(5);
        let last = rows[3].sealed.len() - 1;
        rows[3].sealed[last] ^= 1;
        assert!(matches!(
            verify(&keys(), &rows, &head),
            Verdict::Broken { seq: 4, .. }
        ));
    }

    #[test]
    fn a_removed_entry_is_found() {
        let (mut rows, head) = chain(5);
        rows.remove(1);
        let verdict = verify(&keys(), &rows, &head);
        assert!(
            matches!(&verdict, Verdict::Broken { seq: 2, problem } if problem.contains("missing")),
            "{verdict:?}"
        );
    }

    #[test]
    fn reordered_entries_are_found() {
        let (mut rows, head) = chain(5);
        // Swap the contents of entries 2 and 3 but keep the sequence numbers in order.
        let (a, b) = (rows[1].clone(), rows[2].clone());
        rows[1] = AuditRow { seq: 2, ..b };
        rows[2] = AuditRow { seq: 3, ..a };
        assert!(matches!(
            verify(&keys(), &rows, &head),
            Verdict::Broken { seq: 2, .. }
        ));
    }

    #[test]
    fn a_truncated_tail_is_found() {
        let (mut rows, head) = chain(5);
        rows.truncate(3);
        let verdict = verify(&keys(), &rows, &head);
        assert!(
            matches!(&verdict, Verdict::Broken { seq: 4, problem } if problem.contains("removed")),
            "{verdict:?}"
        );
    }

    #[test]
    fn a_forged_head_is_found() {
        let (rows, mut head) = chain(2);
        head[7] ^= 1;
        assert!(matches!(
            verify(&keys(), &rows, &head),
            Verdict::Broken { seq: 0, .. }
        ));
    }
}
