//! The vault's side of reminders: due dates under the settings' policies, the sealed
//! ledger of what was announced, snoozes, audits and live checks.
//!
//! The time logic itself is in [`crate::reminders`]; this module feeds it the inventory
//! and records the outcomes, each as one audited action.

use chrono::{DateTime, Local, Utc};
use rusqlite::{Connection, OpenFlags};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

use super::{db_error, AuditAction, Vault, KIND_KEY, KIND_LEDGER};
use crate::error::TillError;
use crate::model::{KeyMeta, KeyView, Verified};
use crate::paths::TillPaths;
use crate::reminders::due::earliest_deadline;
use crate::reminders::{self, Announced, DueItem, Ledger, Plan, ReminderSettings};
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
    let conn = Connection::open_with_flags(&path, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .map_err(|e| db_error(&path, e))?;
    let (count, next): (i64, Option<String>) = conn
        .query_row(
            "SELECT COUNT(*) FILTER (WHERE next_due_at <= ?2),
                    MIN(next_due_at) FILTER (WHERE next_due_at > ?2)
             FROM records WHERE kind = ?1",
            rusqlite::params![KIND_KEY, now.to_rfc3339()],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .map_err(|e| db_error(&path, e))?;
    Ok(LockedDue {
        due: usize::try_from(count).unwrap_or(0),
        next_due_at: next
            .and_then(|text| DateTime::parse_from_rfc3339(&text).ok())
            .map(|at| at.with_timezone(&Utc)),
    })
}

impl Vault {
    /// Uses these reminder policies from now on and brings the plaintext due index in
    /// line with them (settings may have changed since the keys were written).
    pub fn set_reminder_settings(&mut self, settings: ReminderSettings) -> Result<(), TillError> {
        self.reminders = settings;
        let dues: Vec<(String, Option<String>)> = self
            .inventory
            .iter()
            .map(|k| (k.id.clone(), self.next_due(k).map(|d| d.to_rfc3339())))
            .collect();
        let action = self.begin()?;
        for (id, due) in dues {
            // Only rows whose due time changed are written: most opens change none.
            action.execute(
                "UPDATE records SET next_due_at = ?1
                 WHERE id = ?2 AND kind = ?3 AND next_due_at IS NOT ?1",
                rusqlite::params![due, id, KIND_KEY],
            )?;
        }
        action.commit()
    }

    /// The reminder policies in use.
    pub fn reminder_settings(&self) -> &ReminderSettings {
        &self.reminders
    }

    /// The earliest deadline of a key, for the plaintext due index.
    pub(super) fn next_due(&self, meta: &KeyMeta) -> Option<DateTime<Utc>> {
        earliest_deadline(meta, &self.reminders, &Local)
    }

    /// A key as the window shows it, with its policy and due dates.
    pub fn view(&self, meta: &KeyMeta) -> KeyView {
        KeyView::new(meta, &self.reminders, self.clock.now(), &Local)
    }

    /// Everything upcoming or past due now, most urgent first.
    pub fn due_items(&self) -> Vec<DueItem> {
        reminders::due_items(&self.inventory, &self.reminders, self.clock.now(), &Local)
    }

    /// What to announce now and when to look again, given what was already announced.
    pub fn plan_reminders(&self) -> Result<Plan, TillError> {
        let ledger = self.reminder_ledger()?;
        Ok(reminders::plan(
            &self.inventory,
            &self.reminders,
            &ledger,
            self.clock.now(),
            &Local,
        ))
    }

    fn reminder_ledger(&self) -> Result<Ledger, TillError> {
        let Some(text) = self.open_record_text(KIND_LEDGER, LEDGER_ID)? else {
            return Ok(Ledger::default());
        };
        let stored: Vec<Announced> = serde_json::from_str(text.expose_secret())
            .map_err(|e| self.corrupt(format!("the reminder ledger: {e}")))?;
        Ok(Ledger::from_entries(stored))
    }

    /// Adds announcements to the sealed ledger, dropping entries of deleted keys.
    pub fn record_announced(&mut self, announced: &[Announced]) -> Result<(), TillError> {
        if announced.is_empty() {
            return Ok(());
        }
        let mut ledger = self.reminder_ledger()?;
        for entry in announced {
            ledger.insert(entry.clone());
        }
        let stored: Vec<&Announced> = ledger
            .entries()
            .filter(|e| self.inventory.iter().any(|k| k.id == e.key_id))
            .collect();
        let json = serde_json::to_string(&stored).map_err(|e| TillError::Internal {
            what: e.to_string(),
        })?;
        let action = self.begin()?;
        action.write_value(KIND_LEDGER, LEDGER_ID, &json, None)?;
        action.commit()
    }

    /// Holds a key's reminders until `until` ("Snooze 1 day").
    pub fn snooze(&mut self, name: &str, until: DateTime<Utc>) -> Result<KeyMeta, TillError> {
        let mut meta = self.find(name)?.clone();
        meta.snoozed_until = Some(until);
        meta.updated_at = self.clock.now();
        let detail = format!(
            "reminders held until {}",
            until.format("%Y-%m-%d %H:%M UTC")
        );
        self.save_meta(&meta, AuditAction::Snooze, Some(detail), None)?;
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
            self.save_meta(
                &meta,
                AuditAction::Edit,
                Some("marked retiring: no longer needed (audit review)".into()),
                None,
            )?;
        }
        Ok(meta)
    }

    fn complete_audit(&mut self, name: &str, detail: String) -> Result<KeyMeta, TillError> {
        let mut meta = self.find(name)?.clone();
        let now = self.clock.now();
        meta.last_audited_at = Some(now);
        meta.updated_at = now;
        self.save_meta(&meta, AuditAction::Audit, Some(detail), None)?;
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
        let meta = self.find(name)?.clone();
        self.record(
            AuditAction::Audit,
            Some(&meta),
            Some(format!("audit skipped: {reason}")),
        )
    }

    /// A key's value and provider for a live check. The caller must report the outcome
    /// with [`Vault::record_check`], which is what the audit log records.
    pub fn value_for_check(&self, name: &str) -> Result<(KeyMeta, SecretString), TillError> {
        let meta = self.find(name)?.clone();
        let value = self.open_value(&meta)?;
        Ok((meta, value))
    }

    /// Records a live check of the key's current value. During a rotation runbook a live
    /// new key (or one Till cannot check) moves the runbook on.
    pub fn record_check(&mut self, name: &str, check: &Check) -> Result<KeyMeta, TillError> {
        let mut meta = self.find(name)?.clone();
        let now = self.clock.now();
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
        self.save_meta(&meta, AuditAction::Verify, Some(detail), None)?;
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
