//! Agent keys in the vault: minting a grant on a parent key, listing and revoking
//! grants, and the gateway's side (finding a grant by its token, recording usage and a
//! grant's life events), each change audited on the parent key's history.
//!
//! The token is shown once at mint and never stored: the vault keeps its keyed hash.
//! Revocation, expiry and spend are plaintext columns (see `store/ledger.rs`), so a
//! gateway in another process sees a revocation on its very next request.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use secrecy::SecretString;
use serde::{Deserialize, Serialize};

use super::agent_watch::{read_ledger, write_ledger};
use super::inventory::Inventory;
use super::store::audit::{AuditAction, AuditDetails};
use super::store::{new_id, DailyUsage, GrantRow, RecordKind, Store};
use super::values::open_value;
use crate::agents::alerts::AlertSettings;
use crate::agents::cap_change::{self, CapChange};
use crate::agents::hourly::{self, HourUsage};
use crate::agents::{
    validate_grant, Caps, EndpointFamily, Grant, GrantEvent, GrantState, PricingCatalog, Provider,
    RefusedCall, Token, TokenHash, TokenKey, UsageRecord, UsageTotals,
};
use crate::error::TillError;
use crate::model::{KeyMeta, KeyStatus};
use crate::team::check::AgentKeyFacts;

/// A grant's terms: what the agent may do. Sealed at rest.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Terms {
    label: String,
    provider: Provider,
    models: Option<Vec<String>>,
    endpoints: BTreeSet<EndpointFamily>,
    caps: Caps,
    /// Who minted it ("till agent mint", "till run", "the window").
    created_by: String,
}

/// What to mint.
#[derive(Debug, Clone)]
pub struct NewGrant {
    /// The parent key, by name.
    pub key: String,
    pub label: String,
    /// Allowed models; `None` allows every model (not with a dollar cap).
    pub models: Option<Vec<String>>,
    /// Allowed endpoint families; `None` allows every one the provider has.
    pub endpoints: Option<BTreeSet<EndpointFamily>>,
    pub caps: Caps,
    pub expires_at: Option<DateTime<Utc>>,
    pub created_by: String,
}

/// A freshly minted grant and its token, shown once.
#[derive(Debug)]
pub struct Minted {
    pub grant: GrantView,
    pub token: Token,
}

/// A grant as listed: its terms, state, spend, and the parent key's name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GrantView {
    pub id: String,
    pub label: String,
    /// The parent key's name (empty if the key was deleted).
    pub key: String,
    pub key_id: String,
    pub provider: Provider,
    pub models: Option<Vec<String>>,
    pub endpoints: BTreeSet<EndpointFamily>,
    pub caps: Caps,
    /// The state now: an active grant past its expiry is shown as expired.
    pub state: GrantState,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub first_used_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
    /// When it was revoked (a `till run` key: when its run ended).
    pub revoked_at: Option<DateTime<Utc>>,
    pub used: UsageTotals,
    /// Requests the gateway refused itself (revoked, spent, not allowed, over its rate).
    pub refused: u64,
}

impl GrantView {
    /// The cap this grant has reached ("calls", "tokens", "dollars"), if any. An
    /// exhausted grant whose totals sit just under every cap was stopped by a
    /// reservation that no longer fit: its dollar cap if it has one, else its tokens.
    pub fn cap_reached(&self) -> Option<&'static str> {
        let (caps, used) = (&self.caps, &self.used);
        if caps.calls.is_some_and(|cap| used.calls >= cap) {
            Some("calls")
        } else if caps
            .tokens
            .is_some_and(|cap| used.input_tokens + used.output_tokens >= cap)
        {
            Some("tokens")
        } else if caps.micro_usd.is_some_and(|cap| used.micro_usd >= cap) {
            Some("dollars")
        } else if self.state == GrantState::Exhausted {
            Some(if caps.micro_usd.is_some() {
                "dollars"
            } else {
                "tokens"
            })
        } else {
            None
        }
    }
}

/// Grants on the vault's keys (a handle from [`super::Vault::grants`]).
#[derive(Debug)]
pub struct Grants<'v> {
    pub(super) store: &'v mut Store,
    pub(super) inventory: &'v Inventory,
}

impl Grants<'_> {
    /// Mints a grant on a parent key; the token is returned once and only its hash kept.
    pub fn mint(&mut self, new: NewGrant) -> Result<Minted, TillError> {
        let parent = self.inventory.find(&new.key)?.clone();
        let provider = gateway_provider(&parent)?;
        if parent.status != KeyStatus::Active {
            return Err(TillError::InvalidInput {
                what: format!(
                    "'{}' is {}: agent keys are minted on active keys only",
                    parent.name,
                    parent.status.as_str()
                ),
            });
        }
        let label = new.label.trim().to_owned();
        if label.is_empty() || label.chars().count() > 100 {
            return Err(TillError::InvalidInput {
                what: "give the agent key a label of 1 to 100 characters (--label)".into(),
            });
        }
        let now = self.store.now();
        let endpoints = new.endpoints.unwrap_or_else(|| {
            EndpointFamily::ALL
                .into_iter()
                .filter(|family| provider.has(*family))
                .collect()
        });
        let row = GrantRow {
            id: format!("g_{}", &new_id()[..16]),
            parent_id: parent.id.clone(),
            state: GrantState::Active,
            created_at: now,
            expires_at: new.expires_at,
            first_used_at: None,
            last_used_at: None,
            revoked_at: None,
            used: UsageTotals::default(),
            refused: 0,
            terms: Terms {
                label,
                provider,
                models: new.models,
                endpoints,
                caps: new.caps,
                created_by: new.created_by,
            },
        };
        validate_grant(&to_grant(&row, now), PricingCatalog::builtin(), now).map_err(|e| {
            TillError::InvalidInput {
                what: e.to_string(),
            }
        })?;
        let token = Token::mint().map_err(|e| TillError::Internal {
            what: e.to_string(),
        })?;
        let hash = self.store.agent_token_key().hash(&token);
        let action = self.store.begin()?;
        action.insert_grant(&row, &hash.0)?;
        action.audit(AuditDetails::key(
            AuditAction::AgentMint,
            &parent,
            Some(format!(
                "agent key {} '{}' minted ({})",
                row.id,
                row.terms.label,
                describe_limits(&row.terms.caps, row.expires_at)
            )),
        ))?;
        action.commit()?;
        Ok(Minted {
            grant: self.view(row, now),
            token,
        })
    }

    fn view(&self, row: GrantRow<Terms>, now: DateTime<Utc>) -> GrantView {
        let key = self
            .inventory
            .by_id(&row.parent_id)
            .map(|k| k.name.clone())
            .unwrap_or_default();
        let state = effective_state(row.state, row.expires_at, now);
        GrantView {
            id: row.id,
            label: row.terms.label,
            key,
            key_id: row.parent_id,
            provider: row.terms.provider,
            models: row.terms.models,
            endpoints: row.terms.endpoints,
            caps: row.terms.caps,
            state,
            created_by: row.terms.created_by,
            created_at: row.created_at,
            expires_at: row.expires_at,
            first_used_at: row.first_used_at,
            last_used_at: row.last_used_at,
            revoked_at: row.revoked_at,
            used: row.used,
            refused: row.refused,
        }
    }

    /// Every grant, newest first.
    pub fn list(&self) -> Result<Vec<GrantView>, TillError> {
        let now = self.store.now();
        Ok(self
            .store
            .grants::<Terms>()?
            .into_iter()
            .map(|row| self.view(row, now))
            .collect())
    }

    /// One grant by id.
    pub fn get(&self, id: &str) -> Result<GrantView, TillError> {
        let now = self.store.now();
        self.store
            .grant::<Terms>(id)?
            .map(|row| self.view(row, now))
            .ok_or_else(|| no_grant(id))
    }

    /// Changes a live grant's caps (a person raising them after an alert). The terms are
    /// resealed and audited with old → new; an exhausted grant the new caps give room is
    /// active again, and its cap alerts start over at the new caps (see
    /// [`crate::agents::alerts::AlertLedger::caps_changed`]). A cap may be lowered, but
    /// not to what is already used; a revoked or expired grant cannot change. The
    /// gateway reads the grant on every request: the next call meets the new caps.
    pub fn set_caps(
        &mut self,
        id: &str,
        change: CapChange,
        alerts: &AlertSettings,
    ) -> Result<GrantView, TillError> {
        let now = self.store.now();
        let Some(mut row) = self.store.grant::<Terms>(id)? else {
            return Err(no_grant(id));
        };
        let state = effective_state(row.state, row.expires_at, now);
        if matches!(state, GrantState::Revoked | GrantState::Expired) {
            return Err(TillError::InvalidInput {
                what: format!(
                    "agent key {id} is {}: its caps can no longer change; mint a new agent key",
                    state.as_str()
                ),
            });
        }
        let old = row.terms.caps.clone();
        let caps = change.apply(&old);
        if caps == old && state == GrantState::Active {
            return Ok(self.view(row, now));
        }
        row.terms.caps = caps;
        validate_grant(&to_grant(&row, now), PricingCatalog::builtin(), now).map_err(|e| {
            TillError::InvalidInput {
                what: e.to_string(),
            }
        })?;
        if let Some(why) = cap_change::no_room(&row.terms.caps, &row.used) {
            return Err(TillError::InvalidInput {
                what: format!("agent key {id} {why}"),
            });
        }
        let mut ledger = read_ledger(self.store)?;
        ledger.caps_changed(id, &row.terms.caps, &row.used, alerts, now);
        let parent = self.inventory.by_id(&row.parent_id).cloned();
        let detail = Some(format!(
            "agent key {id} '{}' {}",
            row.terms.label,
            cap_change::describe(&old, &row.terms.caps)
        ));
        let action = self.store.begin()?;
        if !action.set_grant_terms(id, &row.terms)? {
            return Err(TillError::InvalidInput {
                what: format!(
                    "agent key {id} was revoked or expired meanwhile: mint a new agent key"
                ),
            });
        }
        write_ledger(&action, &ledger)?;
        action.audit(match &parent {
            Some(meta) => AuditDetails::key(AuditAction::AgentCaps, meta, detail),
            None => AuditDetails::vault(AuditAction::AgentCaps, detail),
        })?;
        action.commit()?;
        self.get(id)
    }

    /// Revokes a grant: its token is refused from the next request on.
    pub fn revoke(&mut self, id: &str) -> Result<GrantView, TillError> {
        let grant = self.get(id)?;
        self.change_state(
            &grant,
            GrantState::Revoked,
            AuditAction::AgentRevoke,
            "revoked",
        )?;
        self.get(id)
    }

    /// Revokes every active grant; returns how many.
    pub fn revoke_all(&mut self) -> Result<usize, TillError> {
        let active: Vec<GrantView> = self
            .list()?
            .into_iter()
            .filter(|g| g.state == GrantState::Active)
            .collect();
        for grant in &active {
            self.change_state(
                grant,
                GrantState::Revoked,
                AuditAction::AgentRevoke,
                "revoked",
            )?;
        }
        Ok(active.len())
    }

    fn change_state(
        &mut self,
        grant: &GrantView,
        state: GrantState,
        audit_as: AuditAction,
        what: &str,
    ) -> Result<(), TillError> {
        let parent = self.inventory.by_id(&grant.key_id).cloned();
        let action = self.store.begin()?;
        if !action.set_grant_state(&grant.id, state)? {
            return Ok(());
        }
        let detail = Some(format!("agent key {} '{}' {what}", grant.id, grant.label));
        action.audit(match &parent {
            Some(meta) => AuditDetails::key(audit_as, meta, detail),
            None => AuditDetails::vault(audit_as, detail),
        })?;
        action.commit()
    }

    /// The key tokens are hashed with, for a gateway that checks them.
    pub fn token_key(&self) -> TokenKey {
        self.store.agent_token_key()
    }

    /// The gateway's look-up: the grant behind a token's hash, with its parent key's
    /// value. A grant whose parent key is gone or not active comes back revoked.
    pub fn lookup(&self, hash: &TokenHash) -> Result<Option<(Grant, SecretString)>, TillError> {
        let Some(row) = self.store.grant_by_hash::<Terms>(&hash.0)? else {
            return Ok(None);
        };
        let now = self.store.now();
        let mut grant = to_grant(&row, now);
        // Look the parent up in the store, not the inventory: it may have been added or
        // rotated by another process since this vault was opened.
        let parent: Option<KeyMeta> = self.store.get(RecordKind::Key, &row.parent_id)?;
        match parent.filter(|meta| meta.status == KeyStatus::Active) {
            Some(meta) => Ok(Some((grant, open_value(self.store, &meta)?))),
            None => {
                grant.state = GrantState::Revoked;
                Ok(Some((grant, SecretString::from(String::new()))))
            }
        }
    }

    /// Appends one forwarded request to the ledger.
    pub fn record_usage(&mut self, record: &UsageRecord) -> Result<(), TillError> {
        self.store.append_usage(record)
    }

    /// Counts a request the gateway refused itself (per grant, minute and code).
    pub fn record_refusal(&mut self, refused: &RefusedCall) -> Result<(), TillError> {
        self.store.append_refusal(refused)
    }

    /// Records a grant's life event (first use, a cap reached, expiry), audited once.
    pub fn mark(&mut self, id: &str, event: GrantEvent) -> Result<(), TillError> {
        let grant = self.get(id)?;
        match event {
            GrantEvent::FirstUse { at } => {
                let parent = self.inventory.by_id(&grant.key_id).cloned();
                let action = self.store.begin()?;
                if action.set_first_use(id, at)? {
                    let detail = Some(format!("agent key {id} '{}' used first", grant.label));
                    action.audit(match &parent {
                        Some(meta) => AuditDetails::key(AuditAction::AgentFirstUse, meta, detail),
                        None => AuditDetails::vault(AuditAction::AgentFirstUse, detail),
                    })?;
                }
                action.commit()
            }
            // A gateway settles against the caps it admitted the request under: if they
            // were changed meanwhile, the grant goes on (the gateway notes the new caps
            // when they in turn are used up). The ledger is not asked: other requests
            // settling at the same moment may not be in it yet.
            GrantEvent::Exhausted { under, .. } if under != grant.caps => Ok(()),
            GrantEvent::Exhausted { .. } => self.change_state(
                &grant,
                GrantState::Exhausted,
                AuditAction::AgentCapReached,
                &format!("reached its cap ({})", describe_used(&grant)),
            ),
            GrantEvent::Expired { .. } => self.change_state(
                &grant,
                GrantState::Expired,
                AuditAction::AgentExpired,
                "expired",
            ),
        }
    }

    /// The request log of one grant (or all), newest first.
    pub fn usage(&self, id: Option<&str>, limit: usize) -> Result<Vec<UsageRecord>, TillError> {
        if let Some(id) = id {
            self.get(id)?;
        }
        self.store.usage(id, limit)
    }

    /// One grant's last 24 hours, hour by hour (UTC), the quiet hours as zeros.
    pub fn hourly(&self, id: &str) -> Result<Vec<HourUsage>, TillError> {
        self.get(id)?;
        let now = self.store.now();
        let rows = self.store.hourly_usage(id, hourly::first_hour(now))?;
        Ok(hourly::last_day(now, &rows))
    }

    /// Spend per grant per day over the last `days` days (UTC).
    pub fn daily(&self, days: u32) -> Result<Vec<DailyUsage>, TillError> {
        let since = (self.store.now() - chrono::Duration::days(i64::from(days))).date_naive();
        self.store.daily_usage(since)
    }
}

/// What the team rules need of the active agent keys (see `team::check`).
pub(super) fn agent_facts(store: &Store) -> Result<Vec<AgentKeyFacts>, TillError> {
    let now = store.now();
    Ok(store
        .grants::<Terms>()?
        .into_iter()
        .filter(|row| effective_state(row.state, row.expires_at, now) == GrantState::Active)
        .map(|row| AgentKeyFacts {
            key_id: row.parent_id,
            label: row.terms.label,
            expires: row.expires_at.is_some(),
            capped: row.terms.caps.micro_usd.is_some() || row.terms.caps.calls.is_some(),
        })
        .collect())
}

fn no_grant(id: &str) -> TillError {
    TillError::InvalidInput {
        what: format!("no agent key with id '{id}': `till agent list` shows them"),
    }
}

/// The gateway provider of a key, or why the key cannot back an agent key.
fn gateway_provider(parent: &KeyMeta) -> Result<Provider, TillError> {
    Provider::from_id(&parent.provider).ok_or_else(|| {
        let fronted: Vec<&str> = Provider::ALL.iter().map(|p| p.id()).collect();
        TillError::InvalidInput {
            what: format!(
                "'{}' is a {} key, and the agent gateway fronts {} only: use `till run` to \
                 give a process the real key, or `till copy`",
                parent.name,
                parent.provider,
                fronted.join(", ")
            ),
        }
    })
}

fn effective_state(
    state: GrantState,
    expires_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> GrantState {
    if state == GrantState::Active && expires_at.is_some_and(|at| now >= at) {
        GrantState::Expired
    } else {
        state
    }
}

fn to_grant(row: &GrantRow<Terms>, now: DateTime<Utc>) -> Grant {
    Grant {
        id: row.id.clone(),
        label: row.terms.label.clone(),
        provider: row.terms.provider,
        models: row.terms.models.clone(),
        endpoints: row.terms.endpoints.clone(),
        caps: row.terms.caps.clone(),
        expires_at: row.expires_at,
        state: effective_state(row.state, row.expires_at, now),
        first_used_at: row.first_used_at,
        used: row.used,
    }
}

/// "calls ≤ 100, $5.00, expires 2026-12-01 17:00 UTC", for the audit log.
pub fn describe_limits(caps: &Caps, expires_at: Option<DateTime<Utc>>) -> String {
    let mut parts = Vec::new();
    if let Some(calls) = caps.calls {
        parts.push(format!("{calls} calls"));
    }
    if let Some(tokens) = caps.tokens {
        parts.push(format!("{tokens} tokens"));
    }
    if let Some(micro) = caps.micro_usd {
        parts.push(format!("${:.2}", micro as f64 / 1e6));
    }
    if let Some(rpm) = caps.rpm {
        parts.push(format!("{rpm}/min"));
    }
    if parts.is_empty() {
        parts.push("no caps".into());
    }
    match expires_at {
        Some(at) => parts.push(format!("expires {}", at.format("%Y-%m-%d %H:%M UTC"))),
        None => parts.push("no expiry".into()),
    }
    parts.join(", ")
}

fn describe_used(grant: &GrantView) -> String {
    format!(
        "{} calls, {} tokens, ${:.4}",
        grant.used.calls,
        grant.used.input_tokens + grant.used.output_tokens,
        grant.used.micro_usd as f64 / 1e6
    )
}
