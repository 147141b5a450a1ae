//! The kinds of record the store keeps, as one closed type.
//!
//! A kind is stored in plaintext beside each record and bound into the record's
//! associated data, so a record cannot be moved to another kind. The strings are part of
//! the on-disk format: never rename one, add a new kind instead.

/// What a record holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RecordKind {
    /// A key's metadata (JSON); its next due time is the plaintext `next_due_at`.
    Key,
    /// A key's current value (secret).
    Value,
    /// The value a rotation replaced, kept for the rollback window (`next_due_at` is
    /// when it is dropped).
    Previous,
    /// The reminder ledger: what was announced (JSON, one per vault).
    Ledger,
    /// Saved purposes (JSON, one per vault).
    Purposes,
    /// Training state: the adopted team file, ticks, lessons, the walkthrough.
    Training,
    /// An agent grant's terms (sealed in the `grants` table, bound to the grant's id).
    Grant,
    /// The agent-alert ledger: which cap and anomaly alerts were announced (JSON, one
    /// per vault).
    AgentAlerts,
}

impl RecordKind {
    /// The kind as stored in the `records.kind` column and the associated data.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Key => "key",
            Self::Value => "value",
            Self::Previous => "previous",
            Self::Ledger => "ledger",
            Self::Purposes => "purposes",
            Self::Training => "training",
            Self::Grant => "grant",
            Self::AgentAlerts => "agent_alerts",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RecordKind;

    #[test]
    fn kind_strings_are_the_on_disk_format() {
        let all = [
            (RecordKind::Key, "key"),
            (RecordKind::Value, "value"),
            (RecordKind::Previous, "previous"),
            (RecordKind::Ledger, "ledger"),
            (RecordKind::Purposes, "purposes"),
            (RecordKind::Training, "training"),
            (RecordKind::Grant, "grant"),
            (RecordKind::AgentAlerts, "agent_alerts"),
        ];
        for (kind, text) in all {
            assert_eq!(kind.as_str(), text);
        }
    }
}
