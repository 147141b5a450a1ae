//! Copying a key for a task: by name, by scope, or by a saved purpose.
//!
//! A copy is planned first (which key, and does it grant more than asked?) so the window
//! and the CLI can ask before handing out a broader key; then the value is opened and
//! the copy audited with the scope asked and whether it was least privilege. Purposes
//! ("CI deploy" = `github:contents:read`) are sealed in the vault like everything else.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::inventory::Inventory;
use super::store::audit::{AuditAction, AuditDetails};
use super::store::{Dates, RecordKind, Store};
use crate::error::TillError;
use crate::reminders::{self, DueState, ReminderSettings};
use crate::scopes::pick::{parse_request, pick, Picked};

/// The sealed record that holds the purposes (one per vault).
const PURPOSES_ID: &str = "purposes";

/// What to copy.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, TS)]
#[serde(tag = "by", content = "value", rename_all = "snake_case")]
#[ts(export)]
pub enum CopyRequest {
    /// This key, by name.
    Key(String),
    /// The narrowest key covering these scopes (one provider).
    Scopes(Vec<String>),
    /// A saved purpose's scopes.
    Purpose(String),
}

/// A named request, saved for one-click copies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Purpose {
    pub name: String,
    pub scopes: Vec<String>,
}

impl Purpose {
    /// The provider its scopes belong to (saved scopes are normalised, one provider).
    pub fn provider(&self) -> &str {
        self.scopes
            .first()
            .and_then(|scope| scope.split(':').next())
            .unwrap_or_default()
    }
}

/// Which key a copy would hand out, and how well it fits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct CopyPlan {
    pub key_name: String,
    /// The key's provider (where a narrower key would be created).
    pub provider: String,
    /// The scopes asked for (empty for a copy by name).
    pub asked: Vec<String>,
    /// What the key grants beyond the request.
    pub beyond: Vec<String>,
    /// True when the key grants more than asked: confirm before copying.
    pub broader: bool,
    /// True when the key's rotation is overdue (allowed, with a warning).
    pub overdue: bool,
    /// One sentence on why this key.
    pub why: String,
}

impl CopyPlan {
    /// What the audit log says about a copy made by this plan.
    pub(super) fn audit_detail(&self) -> String {
        match (self.asked.is_empty(), self.broader) {
            (true, _) => "by name".to_owned(),
            (false, false) => format!("for {}: least privilege", self.asked.join(", ")),
            (false, true) => format!(
                "for {}: over-privileged, also grants {}",
                self.asked.join(", "),
                self.beyond.join(", ")
            ),
        }
    }
}

/// Copy planning and saved purposes. The copy itself opens a value, so it is
/// [`super::Values::for_copy`].
#[derive(Debug)]
pub struct Copies<'v> {
    pub(super) store: &'v mut Store,
    pub(super) inventory: &'v Inventory,
    pub(super) settings: &'v ReminderSettings,
}

impl Copies<'_> {
    /// Works out which key a copy would use, without opening any value.
    pub fn plan(&self, request: &CopyRequest) -> Result<CopyPlan, TillError> {
        let asked = match request {
            CopyRequest::Key(name) => {
                let key = self.inventory.find(name)?;
                return Ok(self.finish_plan(CopyPlan {
                    key_name: key.name.clone(),
                    provider: key.provider.clone(),
                    asked: Vec::new(),
                    beyond: Vec::new(),
                    broader: false,
                    overdue: false,
                    why: format!("'{}' by name", key.name),
                }));
            }
            CopyRequest::Scopes(scopes) => scopes.clone(),
            CopyRequest::Purpose(name) => {
                self.purposes()?
                    .into_iter()
                    .find(|p| p.name == *name)
                    .ok_or_else(|| TillError::InvalidInput {
                        what: format!("there is no purpose named '{name}'"),
                    })?
                    .scopes
            }
        };
        let request = parse_request(&asked)?;
        let asked: Vec<String> = request.iter().map(ToString::to_string).collect();
        match pick(self.inventory, &request, self.store.now()) {
            Picked::Nothing { advice } => Err(TillError::InvalidInput { what: advice }),
            Picked::Chosen(choice) => {
                let why = if choice.is_broader() {
                    format!(
                        "Only '{}' covers {}, and it also grants {}: create a narrower key",
                        choice.name,
                        asked.join(", "),
                        choice.beyond.join(", ")
                    )
                } else {
                    format!(
                        "'{}' is the narrowest key for {}: it grants nothing more",
                        choice.name,
                        asked.join(", ")
                    )
                };
                let provider = self.inventory.find(&choice.name)?.provider.clone();
                Ok(self.finish_plan(CopyPlan {
                    key_name: choice.name.clone(),
                    provider,
                    broader: choice.is_broader(),
                    beyond: choice.beyond,
                    asked,
                    overdue: false,
                    why,
                }))
            }
        }
    }

    /// Adds the overdue warning to a plan.
    fn finish_plan(&self, mut plan: CopyPlan) -> CopyPlan {
        let due = reminders::due_items(
            self.inventory,
            self.settings,
            self.store.now(),
            &chrono::Local,
        );
        plan.overdue = due.iter().any(|item| {
            item.name == plan.key_name
                && matches!(item.state, DueState::Overdue | DueState::Expired)
        });
        if plan.overdue {
            plan.why.push_str("; it is overdue: rotate it soon");
        }
        plan
    }

    /// The saved purposes, by name.
    pub fn purposes(&self) -> Result<Vec<Purpose>, TillError> {
        Ok(self
            .store
            .get(RecordKind::Purposes, PURPOSES_ID)?
            .unwrap_or_default())
    }

    /// Saves (or replaces) a purpose; its scopes must parse and share one provider.
    pub fn save_purpose(&mut self, name: &str, scopes: &[String]) -> Result<Purpose, TillError> {
        crate::model::validate_name(name)?;
        let request = parse_request(scopes)?;
        let purpose = Purpose {
            name: name.trim().to_owned(),
            scopes: request.iter().map(ToString::to_string).collect(),
        };
        let mut all = self.purposes()?;
        all.retain(|p| p.name != purpose.name);
        all.push(purpose.clone());
        all.sort_by_cached_key(|p| p.name.to_lowercase());
        self.write_purposes(&all, format!("purpose '{}' saved", purpose.name))?;
        Ok(purpose)
    }

    /// Deletes a purpose.
    pub fn remove_purpose(&mut self, name: &str) -> Result<(), TillError> {
        let mut all = self.purposes()?;
        let before = all.len();
        all.retain(|p| p.name != name);
        if all.len() == before {
            return Err(TillError::InvalidInput {
                what: format!("there is no purpose named '{name}'"),
            });
        }
        self.write_purposes(&all, format!("purpose '{name}' removed"))
    }

    fn write_purposes(&mut self, all: &[Purpose], detail: String) -> Result<(), TillError> {
        let action = self.store.begin()?;
        let dates = Dates {
            created_at: action.now,
            updated_at: action.now,
            next_due_at: None,
        };
        action.put(RecordKind::Purposes, PURPOSES_ID, &all, dates)?;
        action.audit(AuditDetails::vault(AuditAction::Edit, Some(detail)))?;
        action.commit()
    }
}
