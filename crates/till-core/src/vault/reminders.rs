//! The vault's side of reminders: due dates under the settings' policies, the sealed
//! ledger of what was announced, snoozes, audits and live checks.
//!
//! The time logic itself is in [`crate::reminders`]; this module feeds it the inventory
//! and records the outcomes, each as one audited action.

use chrono::{DateTime, Local, Utc};
use serde::Deserialize;

use super::inventory::{Inventory, Keys};
use super::store::audit::{AuditAction, AuditDetails};
use super::store::{Dates, RecordKind, Store};
use super::values::CheckTicket;
use super::Vault;
use crate::error::TillError;
use crate::model::{KeyMeta, Verified};
use crate::paths::TillPaths;
use crate::reminders::{self, Announced, Ledger, Plan, ReminderSettings};
use crate::verify::{Check, Outcome};

/// The ledger's record id (one per vault).
const LEDGER_ID: &str = "reminders";

/// The answers of an audit review in the window.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct AuditReview {
    pub still_needed: bool,
    pub owner_right: bool,
    pub scopes_minimal: bool,
    pub places_known: bool,
    pub verified_live: bool,
    pub note: Option<String>,
}

impl AuditReview {
    fn summary(&self) -> String {
        let answers = [
            (self.still_needed, "still needed"),
            (self.owner_right, "owner right"),
            (self.scopes_minimal, "scopes minimal"),
            (self.places_known, "places known"),
            (self.verified_live, "verified live"),
        ];
        let mut text = answers
            .iter()
            .map(|(yes, what)| format!("{what}: {}", if *yes { "yes" } else { "no" }))
            .collect::<Vec<_>>()
            .join(", ");
        if let Some(note) = self
            .note
            .as_deref()
            .map(str::trim)
            .filter(|n| !n.is_empty())
        {
            text.push_str(&format!("; note: {note}"));
        }
        text
    }
}

/// What the locked tray may know: how many keys are past a deadline and when the next
/// one falls due, from the plaintext index. Never which keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LockedDue {
    pub due: usize,
    pub next_due_at: Option<DateTime<Utc>>,
}

/// Reads [`LockedDue`] without unlocking (no vault: nothing due).
pub fn due_while_locked(paths: &TillPaths, now: DateTime<Utc>) -> Result<LockedDue, TillError> {
    let path = Vault::file(paths);
    if !path.is_file() {
        return Ok(LockedDue::default());
    }
    let (due, next_due_at) = Store::due_index(&path, now)?;
    Ok(LockedDue { due, next_due_at })
}

/// Reminders: the announcement ledger, snoozes, audits and live checks.
#[derive(Debug)]
pub struct Reminders<'v> {
    pub(super) store: &'v mut Store,
    pub(super) inventory: &'v mut Inventory,
    pub(super) settings: &'v ReminderSettings,
}

impl Reminders<'_> {
    fn keys(&mut self) -> Keys<'_> {
        Keys {
            store: self.store,
            inventory: self.inventory,
            settings: self.settings,
        }
    }

    /// What to announce now and when to look again, given what was already announced.
    pub fn plan(&self) -> Result<Plan, TillError> {
        let ledger = self.ledger()?;
        Ok(reminders::plan(
            self.inventory,
            self.settings,
            &ledger,
            self.store.now(),
            &Local,
        ))
    }

    fn ledger(&self) -> Result<Ledger, TillError> {
        let stored: Vec<Announced> = self
            .store
            .get(RecordKind::Ledger, LEDGER_ID)?
            .unwrap_or_default();
        Ok(Ledger::from_entries(stored))
    }

    /// Adds announcements to the sealed ledger, dropping entries of deleted keys.
    pub fn record_announced(&mut self, announced: &[Announced]) -> Result<(), TillError> {
        if announced.is_empty() {
            return Ok(());
        }
        let mut ledger = self.ledger()?;
        for entry in announced {
            ledger.insert(entry.clone());
        }
        let stored: Vec<&Announced> = ledger
            .entries()
            .filter(|e| self.inventory.by_id(&e.key_id).is_some())
            .collect();
        let action = self.store.begin()?;
        let dates = Dates {
            created_at: action.now,
            updated_at: action.now,
            next_due_at: None,
        };
        action.put(RecordKind::Ledger, LEDGER_ID, &stored, dates)?;
        action.commit()
    }

    /// Holds a key's reminders until `until` ("Snooze 1 day").
    pub fn snooze(&mut self, name: &str, until: DateTime<Utc>) -> Result<KeyMeta, TillError> {
        let mut meta = self.inventory.find(name)?.clone();
        meta.snoozed_until = Some(until);
        meta.updated_at = self.store.now();
        let detail = format!(
            "reminders held until {}",
            until.format("%Y-%m-%d %H:%M UTC")
        );
        self.keys().save(&meta, AuditAction::Snooze, Some(detail))?;
        Ok(meta)
    }

    /// Marks a key audited now (`till audit NAME --ok`, "Mark audited").
    pub fn mark_audited(&mut self, name: &str, note: Option<&str>) -> Result<KeyMeta, TillError> {
        let detail = match note.map(str::trim).filter(|n| !n.is_empty()) {
            Some(note) => format!("audited: {note}"),
            None => "audited".to_owned(),
        };
        self.complete_audit(name, detail)
    }

    /// Completes an audit review from the window: answers are recorded; a key no longer
    /// needed is marked retiring, so it stops asking for rotations.
    pub fn review_audit(&mut self, name: &str, review: &AuditReview) -> Result<KeyMeta, TillError> {
        let detail = format!("audit review: {}", review.summary());
        let mut meta = self.complete_audit(name, detail)?;
        if !review.still_needed {
            meta.status = crate::model::KeyStatus::Retiring;
            self.keys().save(
                &meta,
                AuditAction::Edit,
                Some("marked retiring: no longer needed (audit review)".into()),
            )?;
        }
        Ok(meta)
    }

    fn complete_audit(&mut self, name: &str, detail: String) -> Result<KeyMeta, TillError> {
        let mut meta = self.inventory.find(name)?.clone();
        let now = self.store.now();
        meta.last_audited_at = Some(now);
        meta.updated_at = now;
        self.keys().save(&meta, AuditAction::Audit, Some(detail))?;
        Ok(meta)
    }

    /// Skips an audit review; the reason is required and recorded.
    pub fn skip_audit(&mut self, name: &str, reason: &str) -> Result<(), TillError> {
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(TillError::InvalidInput {
                what: "say why the audit is skipped: the reason goes in the audit log".into(),
            });
        }
        let meta = self.inventory.find(name)?.clone();
        let action = self.store.begin()?;
        action.audit(AuditDetails::key(
            AuditAction::Audit,
            &meta,
            Some(format!("audit skipped: {reason}")),
        ))?;
        action.commit()
    }

    /// Records a live check of the key's current value: this is the check's audit entry.
    /// During a rotation runbook a live new key (or one Till cannot check) moves the
    /// runbook on.
    pub fn record_check(
        &mut self,
        ticket: CheckTicket,
        check: &Check,
    ) -> Result<KeyMeta, TillError> {
        let CheckTicket { meta, value } = ticket;
        drop(value);
        // The key may have changed since the ticket was taken: record on what is current.
        let mut meta = self
            .inventory
            .by_id(&meta.id)
            .cloned()
            .ok_or(TillError::KeyNotFound { name: meta.name })?;
        let now = self.store.now();
        meta.last_verified = Some(Verified {
            at: now,
            outcome: check.outcome,
            message: check.message.clone(),
            fingerprint: meta.fingerprint.clone(),
        });
        let mut detail = format!(
            "{} ({}): {}",
            meta.fingerprint,
            outcome_word(check.outcome),
            check.message
        );
        if let Some(run) = meta.rotation.as_mut() {
            if run.step == crate::model::RotationStep::Verify
                && matches!(check.outcome, Outcome::Live | Outcome::NotChecked)
            {
                run.step = crate::model::RotationStep::UpdatePlaces;
                detail.push_str("; rotation moves on to updating the deployed places");
            }
        }
        self.keys().save(&meta, AuditAction::Verify, Some(detail))?;
        Ok(meta)
    }
}

fn outcome_word(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Live => "live",
        Outcome::Revoked => "revoked",
        Outcome::Unreachable => "unreachable",
        Outcome::Unexpected => "unexpected answer",
        Outcome::NotChecked => "not checked",
    }
}
