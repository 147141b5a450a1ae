//! Copying a key for a task: by name, by scope, or by a saved purpose.
//!
//! A copy is planned first (which key, and does it grant more than asked?) so the window
//! and the CLI can ask before handing out a broader key; then the value is opened and
//! the copy audited with the scope asked and whether it was least privilege. Purposes
//! ("CI deploy" = `github:contents:read`) are sealed in the vault like everything else.

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::{AuditAction, Vault};
use crate::error::TillError;
use crate::reminders::DueState;
use crate::scopes::pick::{parse_request, pick, Picked};

/// The sealed record that holds the purposes (one per vault).
const KIND_PURPOSES: &str = "purposes";
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

impl Vault {
    /// Works out which key a copy would use, without opening any value.
    pub fn plan_copy(&self, request: &CopyRequest) -> Result<CopyPlan, TillError> {
        let asked = match request {
            CopyRequest::Key(name) => {
                let key = self.find(name)?;
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
        match pick(&self.inventory, &request, self.clock.now()) {
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
                let provider = self.find(&choice.name)?.provider.clone();
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
        plan.overdue = self.due_items().iter().any(|item| {
            item.name == plan.key_name
                && matches!(item.state, DueState::Overdue | DueState::Expired)
        });
        if plan.overdue {
            plan.why.push_str("; it is overdue: rotate it soon");
        }
        plan
    }

    /// Opens the planned key's value for the clipboard and audits the copy. A broader
    /// key is refused unless `allow_broader` says the person agreed.
    pub fn take_for_copy(
        &mut self,
        plan: &CopyPlan,
        allow_broader: bool,
    ) -> Result<SecretString, TillError> {
        if plan.broader && !allow_broader {
            return Err(TillError::InvalidInput {
                what: format!("{}; confirm to copy it anyway", plan.why),
            });
        }
        let mut meta = self.find(&plan.key_name)?.clone();
        let value = self.open_value(&meta)?;
        let detail = match (plan.asked.is_empty(), plan.broader) {
            (true, _) => "by name".to_owned(),
            (false, false) => format!("for {}: least privilege", plan.asked.join(", ")),
            (false, true) => format!(
                "for {}: over-privileged, also grants {}",
                plan.asked.join(", "),
                plan.beyond.join(", ")
            ),
        };
        meta.last_copied_at = Some(self.clock.now());
        self.save_meta(&meta, AuditAction::Copy, Some(detail), None)?;
        Ok(value)
    }

    /// The saved purposes, by name.
    pub fn purposes(&self) -> Result<Vec<Purpose>, TillError> {
        let Some(text) = self.open_record_text(KIND_PURPOSES, PURPOSES_ID)? else {
            return Ok(Vec::new());
        };
        serde_json::from_str(text.expose_secret())
            .map_err(|e| self.corrupt(format!("the purposes: {e}")))
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
        let json = serde_json::to_string(all).map_err(|e| TillError::Internal {
            what: e.to_string(),
        })?;
        let action = self.begin()?;
        action.write_value(KIND_PURPOSES, PURPOSES_ID, &json, None)?;
        action.audit(super::vault_event(AuditAction::Edit, Some(detail)))?;
        action.commit()
    }

    /// Keys for the tray's Copy menu: pinned ones, then the most recently copied.
    pub fn copy_shortlist(
        &self,
        recent: usize,
    ) -> (Vec<&crate::model::KeyMeta>, Vec<&crate::model::KeyMeta>) {
        let pinned: Vec<_> = self.inventory.iter().filter(|k| k.pinned).collect();
        let mut copied: Vec<_> = self
            .inventory
            .iter()
            .filter(|k| !k.pinned && k.last_copied_at.is_some())
            .collect();
        copied.sort_by_key(|k| std::cmp::Reverse(k.last_copied_at));
        copied.truncate(recent);
        (pinned, copied)
    }
}
