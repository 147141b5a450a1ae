//! Watching agent keys: what the tray and the alert detector read from the vault, and the
//! sealed ledger of alerts already announced.
//!
//! Its own handle (not more methods on [`super::Grants`]) because it serves a poller: a
//! cheap signature first, so an idle Till reads almost nothing, then the grants, their
//! parent keys' rotation dates and the last half hour of calls and of the gateway's own
//! refusals for [`alerts::detect`].
//! Parent keys are read from the store, not the inventory: this may be the gateway's
//! connection, opened before a key was rotated by the window.

use chrono::{DateTime, Utc};

use super::grants::{GrantView, Grants};
use super::inventory::Inventory;
use super::store::{Action, Dates, RecordKind, Store};
use crate::agents::alerts::{self, AlertLedger, AlertMark, AlertSettings, Watched};
use crate::agents::RUN_CREATOR;
use crate::error::TillError;
use crate::model::KeyMeta;

/// The one alert-ledger record's id.
const LEDGER_ID: &str = "agent-alerts";

/// The watcher's view of agent keys (a handle from [`super::Vault::agent_watch`]).
#[derive(Debug)]
pub struct AgentWatch<'v> {
    pub(super) store: &'v mut Store,
    pub(super) inventory: &'v Inventory,
}

/// What a look found: the grants as listed, and the alerts due.
#[derive(Debug, Clone, Default)]
pub struct AgentLook {
    pub grants: Vec<GrantView>,
    pub alerts: Vec<alerts::Alert>,
}

impl AgentWatch<'_> {
    /// Changes whenever a call is recorded or a grant minted or changed, by any process.
    pub fn signature(&self) -> Result<String, TillError> {
        self.store.agents_signature()
    }

    /// The grants, and the alerts due given the sealed ledger.
    pub fn look(&mut self, settings: &AlertSettings) -> Result<AgentLook, TillError> {
        let now = self.store.now();
        let grants = Grants {
            store: self.store,
            inventory: self.inventory,
        }
        .list()?;
        let since = now - settings.lookback();
        let calls = self.store.calls_since(since)?;
        let refusals = self.store.refusals_since(since)?;
        let mut watched = Vec::new();
        for grant in &grants {
            let parent: Option<KeyMeta> = self.store.get(RecordKind::Key, &grant.key_id)?;
            watched.push(Watched {
                id: grant.id.clone(),
                label: grant.label.clone(),
                caps: grant.caps.clone(),
                used: grant.used,
                state: grant.state,
                created_at: grant.created_at,
                last_used_at: grant.last_used_at,
                parent_rotated_at: parent.map(|p| p.last_rotated_at),
                recent: calls
                    .iter()
                    .filter(|(id, _)| *id == grant.id)
                    .map(|(_, call)| *call)
                    .collect(),
                refused: refusals
                    .iter()
                    .filter(|(id, _)| *id == grant.id)
                    .map(|(_, refused)| refused.clone())
                    .collect(),
                run_ended_at: grant
                    .created_by
                    .starts_with(RUN_CREATOR)
                    .then_some(grant.revoked_at)
                    .flatten(),
            });
        }
        let alerts = alerts::detect(&watched, &self.ledger()?, settings, now);
        Ok(AgentLook { grants, alerts })
    }

    fn ledger(&self) -> Result<AlertLedger, TillError> {
        read_ledger(self.store)
    }

    /// Records alerts as announced (sealed), forgetting grants that no longer exist.
    pub fn record(&mut self, marks: Vec<AlertMark>) -> Result<(), TillError> {
        if marks.is_empty() {
            return Ok(());
        }
        let ids: Vec<String> = self
            .store
            .grants::<serde_json::Value>()?
            .into_iter()
            .map(|row| row.id)
            .collect();
        let mut ledger = self.ledger()?;
        ledger.record(marks);
        ledger.retain_grants(&ids.iter().map(String::as_str).collect::<Vec<_>>());
        let action = self.store.begin()?;
        write_ledger(&action, &ledger)?;
        action.commit()
    }
}

/// The sealed alert ledger (empty before the first alert).
pub(super) fn read_ledger(store: &Store) -> Result<AlertLedger, TillError> {
    let marks: Vec<AlertMark> = store
        .get(RecordKind::AgentAlerts, LEDGER_ID)?
        .unwrap_or_default();
    Ok(AlertLedger::from_marks(marks))
}

/// Writes the alert ledger within `action` (with the change that made it).
pub(super) fn write_ledger(action: &Action<'_>, ledger: &AlertLedger) -> Result<(), TillError> {
    let now: DateTime<Utc> = action.now;
    let dates = Dates {
        created_at: now,
        updated_at: now,
        next_due_at: None,
    };
    action.put(RecordKind::AgentAlerts, LEDGER_ID, ledger, dates)
}
