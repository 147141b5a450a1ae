//! The vault's side of the leaked-key runbook: each step the person takes on a key found
//! written in a file is one audited action, and the incident note lands in the key's
//! notes, dated, where the next person to handle the key will read it.
//!
//! The wording and order of the steps are in [`crate::leaks::runbook`]; the rotation
//! itself is the ordinary rotation runbook ([`super::Runbook`]).

use super::inventory::Keys;
use super::store::audit::{AuditAction, AuditDetails};
use crate::error::TillError;
use crate::leaks::runbook::LeakStep;
use crate::model::KeyMeta;

/// The longest incident note kept.
const MAX_NOTE: usize = 2000;

/// The leaked-key runbook's audited actions on one vault (from [`super::Vault::leak_response`]).
#[derive(Debug)]
pub struct LeakResponse<'v> {
    pub(super) keys: Keys<'v>,
}

impl LeakResponse<'_> {
    fn audit(&mut self, name: &str, detail: String) -> Result<KeyMeta, TillError> {
        let meta = self.keys.inventory.find(name)?.clone();
        let action = self.keys.store.begin()?;
        action.audit(AuditDetails::key(AuditAction::Leak, &meta, Some(detail)))?;
        action.commit()?;
        Ok(meta)
    }

    /// Opens the runbook for `name`, found at `place` (`~/code/shop/.env:3`).
    pub fn start(&mut self, name: &str, place: Option<&str>) -> Result<KeyMeta, TillError> {
        let detail = match place {
            Some(place) => format!("leaked-key runbook started: found in {place}"),
            None => "leaked-key runbook started".to_owned(),
        };
        self.audit(name, detail)
    }

    /// Records that the person did `step` (the record step takes [`Self::record`]).
    pub fn step_done(&mut self, name: &str, step: LeakStep) -> Result<KeyMeta, TillError> {
        self.audit(name, format!("leaked-key runbook: {}", step.phrase()))
    }

    /// Adds a dated incident note to the key's notes, audited.
    pub fn record(&mut self, name: &str, note: &str) -> Result<KeyMeta, TillError> {
        let note = note.trim();
        if note.is_empty() || note.chars().count() > MAX_NOTE {
            return Err(TillError::InvalidInput {
                what: format!(
                    "write what happened in 1 to {MAX_NOTE} characters: when it leaked, \
                     where, when it was revoked"
                ),
            });
        }
        let mut meta = self.keys.inventory.find(name)?.clone();
        let now = self.keys.store.now();
        let line = format!("Leak recorded {}: {note}", now.format("%Y-%m-%d"));
        meta.notes = Some(match meta.notes.as_deref().map(str::trim_end) {
            Some(notes) if !notes.is_empty() => format!("{notes}\n{line}"),
            _ => line,
        });
        meta.updated_at = now;
        self.keys.save(
            &meta,
            AuditAction::Leak,
            Some(format!("leaked-key runbook: {}", LeakStep::Record.phrase())),
        )?;
        Ok(meta)
    }
}
