//! A key's audit history, found by the key's id so a rename keeps it.
//!
//! The window used to download the whole log and filter it by name, which lost every
//! entry from before a rename. The log's entries carry the key's id; this picks them out.

use crate::vault::AuditEntry;

/// The entries about the key with id `key_id`, newest first.
pub fn key_history(entries: Vec<AuditEntry>, key_id: &str) -> Vec<AuditEntry> {
    let mut mine: Vec<AuditEntry> = entries
        .into_iter()
        .filter(|entry| entry.key_id.as_deref() == Some(key_id))
        .collect();
    mine.sort_by_key(|entry| std::cmp::Reverse(entry.seq));
    mine
}

#[cfg(test)]
mod tests {
    use chrono::{DateTime, Utc};

    use super::*;
    use crate::vault::AuditAction;

    fn entry(seq: i64, key: Option<(&str, &str)>, action: AuditAction) -> AuditEntry {
        AuditEntry {
            seq,
            at: DateTime::<Utc>::from_timestamp(1_770_000_000 + seq, 0).unwrap(),
            action,
            key_name: key.map(|(_, name)| name.to_owned()),
            detail: None,
            key_id: key.map(|(id, _)| id.to_owned()),
        }
    }

    #[test]
    fn picks_a_keys_entries_by_id_newest_first() {
        let log = vec![
            entry(1, None, AuditAction::Unlock),
            entry(2, Some(("k1", "Stripe")), AuditAction::Create),
            entry(3, Some(("k2", "Stripe test")), AuditAction::Create),
            entry(4, Some(("k1", "Stripe")), AuditAction::Reveal),
            entry(5, Some(("k1", "Stripe live")), AuditAction::Edit),
            entry(6, Some(("k2", "Stripe")), AuditAction::Copy),
            entry(7, None, AuditAction::Lock),
        ];
        let cases: &[(&str, &[i64])] = &[("k1", &[5, 4, 2]), ("k2", &[6, 3]), ("k3", &[])];
        for (id, expected) in cases {
            let seqs: Vec<i64> = key_history(log.clone(), id).iter().map(|e| e.seq).collect();
            assert_eq!(seqs, *expected, "key {id}");
        }
    }
}
