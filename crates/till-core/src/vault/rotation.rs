//! The rotation runbook: a rotation as a sequence of recorded steps.
//!
//! Create the new key at the provider → paste it (the old value is kept for the rollback
//! window) → check it is live → update every place it is deployed → confirm the old key
//! is unused → revoke it. Each step is one audited action and the step reached is sealed
//! with the key, so a runbook can be left at any point and resumed, even after a restart.

use secrecy::SecretString;
use serde::Deserialize;

use super::inventory::Keys;
use super::store::audit::AuditAction;
use crate::error::TillError;
use crate::model::{KeyMeta, RotationRun, RotationStep};
use crate::runbook::step_phrase as step_name;

/// What the person did, one runbook step at a time.
#[derive(Debug)]
pub enum RotationInput {
    /// Start (or restart) the runbook.
    Start,
    /// The new key exists at the provider.
    Created,
    /// The new value, pasted.
    Paste(SecretString),
    /// One deployed place now uses the new key.
    PlaceUpdated(String),
    /// Every place is updated (or there are none).
    PlacesDone,
    /// Nothing uses the old key any more.
    OldUnused,
    /// The old key is revoked at the provider: the rotation is done.
    Revoked,
    /// Leave the rotation; a pasted new value stays (roll back to undo it).
    Cancel,
}

/// The runbook steps the window sends (the value travels separately).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, ts_rs::TS)]
#[serde(tag = "step", rename_all = "snake_case")]
#[ts(export)]
pub enum RotationAction {
    Start,
    Created,
    PlaceUpdated { place: String },
    PlacesDone,
    OldUnused,
    Revoked,
    Cancel,
}

impl From<RotationAction> for RotationInput {
    fn from(action: RotationAction) -> Self {
        match action {
            RotationAction::Start => Self::Start,
            RotationAction::Created => Self::Created,
            RotationAction::PlaceUpdated { place } => Self::PlaceUpdated(place),
            RotationAction::PlacesDone => Self::PlacesDone,
            RotationAction::OldUnused => Self::OldUnused,
            RotationAction::Revoked => Self::Revoked,
            RotationAction::Cancel => Self::Cancel,
        }
    }
}

/// The rotation runbook of the vault's keys (a handle from [`super::Vault::rotation`]).
#[derive(Debug)]
pub struct Runbook<'v> {
    pub(super) keys: Keys<'v>,
}

impl Runbook<'_> {
    /// Takes one runbook step for the key `name` and records it.
    pub fn step(&mut self, name: &str, input: RotationInput) -> Result<KeyMeta, TillError> {
        let mut meta = self.keys.inventory.find(name)?.clone();
        let now = self.keys.store.now();
        if meta.rotation.is_none() && matches!(input, RotationInput::Start) {
            meta.rotation = Some(RotationRun {
                started_at: now,
                step: RotationStep::CreateNew,
                old_fingerprint: meta.fingerprint.clone(),
                new_fingerprint: None,
                places_updated: Vec::new(),
            });
            meta.updated_at = now;
            self.keys
                .save(&meta, AuditAction::Rotation, Some("runbook started".into()))?;
            return Ok(meta);
        }
        let Some(mut run) = meta.rotation.clone() else {
            return Err(TillError::InvalidInput {
                what: format!("no rotation of '{name}' is in progress: start the runbook first"),
            });
        };
        let out_of_order = |expected: RotationStep| TillError::InvalidInput {
            what: format!(
                "the rotation of '{name}' is at \"{}\", not \"{}\": finish that step first",
                step_name(run.step),
                step_name(expected)
            ),
        };
        let detail = match input {
            // Already running: the runbook resumes where it was left.
            RotationInput::Start => return Ok(meta),
            RotationInput::Cancel => {
                meta.rotation = None;
                let kept = if run.new_fingerprint.is_some() {
                    "; the new value stays (roll back to restore the old one)"
                } else {
                    ""
                };
                meta.updated_at = now;
                self.keys.save(
                    &meta,
                    AuditAction::Rotation,
                    Some(format!("runbook left at \"{}\"{kept}", step_name(run.step))),
                )?;
                return Ok(meta);
            }
            RotationInput::Created if run.step == RotationStep::CreateNew => {
                run.step = RotationStep::PasteNew;
                "new key created at the provider".to_owned()
            }
            RotationInput::Created => return Err(out_of_order(RotationStep::CreateNew)),
            RotationInput::Paste(value) if run.step <= RotationStep::PasteNew => {
                return self.keys.swap_value(
                    name,
                    value,
                    "rotation: new key pasted".into(),
                    AuditAction::Rotation,
                    |meta| {
                        run.step = RotationStep::Verify;
                        run.new_fingerprint = Some(meta.fingerprint.clone());
                        meta.rotation = Some(run);
                        meta.snoozed_until = None;
                    },
                );
            }
            RotationInput::Paste(_) => return Err(out_of_order(RotationStep::PasteNew)),
            RotationInput::PlaceUpdated(place) if run.step == RotationStep::UpdatePlaces => {
                if !meta.places.contains(&place) {
                    return Err(TillError::InvalidInput {
                        what: format!("'{place}' is not one of the places '{name}' is deployed"),
                    });
                }
                if !run.places_updated.contains(&place) {
                    run.places_updated.push(place.clone());
                }
                format!("updated to the new key: {place}")
            }
            RotationInput::PlaceUpdated(_) => return Err(out_of_order(RotationStep::UpdatePlaces)),
            RotationInput::PlacesDone if run.step == RotationStep::UpdatePlaces => {
                let left: Vec<&String> = meta
                    .places
                    .iter()
                    .filter(|p| !run.places_updated.contains(p))
                    .collect();
                if !left.is_empty() {
                    let left: Vec<&str> = left.iter().map(|p| p.as_str()).collect();
                    return Err(TillError::InvalidInput {
                        what: format!("still to update: {}", left.join(", ")),
                    });
                }
                run.step = RotationStep::ConfirmOldUnused;
                if meta.places.is_empty() {
                    "no deployed places recorded".to_owned()
                } else {
                    format!("all {} places updated", meta.places.len())
                }
            }
            RotationInput::PlacesDone => return Err(out_of_order(RotationStep::UpdatePlaces)),
            RotationInput::OldUnused if run.step == RotationStep::ConfirmOldUnused => {
                run.step = RotationStep::RevokeOld;
                format!("old key {} confirmed unused", run.old_fingerprint)
            }
            RotationInput::OldUnused => return Err(out_of_order(RotationStep::ConfirmOldUnused)),
            RotationInput::Revoked if run.step == RotationStep::RevokeOld => {
                meta.rotation = None;
                meta.updated_at = now;
                let detail = format!(
                    "old key {} revoked; rotation finished (new key {})",
                    run.old_fingerprint,
                    run.new_fingerprint.as_deref().unwrap_or("?")
                );
                self.keys.save(&meta, AuditAction::Rotation, Some(detail))?;
                return Ok(meta);
            }
            RotationInput::Revoked => return Err(out_of_order(RotationStep::RevokeOld)),
        };
        meta.rotation = Some(run);
        meta.updated_at = now;
        self.keys.save(&meta, AuditAction::Rotation, Some(detail))?;
        Ok(meta)
    }
}
