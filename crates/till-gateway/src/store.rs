//! The gateway's only window on storage: look up a grant by token hash, record usage and
//! refusals, note life events.
//!
//! till-core implements [`GrantStore`] over the sealed vault (grants, ledger, audit log);
//! [`MemoryStore`] is the in-memory one for tests. The gateway calls `lookup` on every
//! request, so a revocation or a new grant written by another process (the CLI while the
//! app runs) applies to the very next request; an implementation may cache as long as it
//! checks a cheap generation counter each call.
//!
//! Calls are synchronous and made on the request path: implementations must be quick
//! (an indexed read, an append); a slow ledger write belongs on a writer thread.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Mutex, RwLock};

use secrecy::SecretString;

use crate::grant::{Grant, GrantState};
use crate::token::TokenHash;

/// A grant and the real provider key it spends.
pub struct ActiveGrant {
    pub grant: Grant,
    /// The parent key. Exposed only to build the upstream auth header.
    pub key: SecretString,
}

impl fmt::Debug for ActiveGrant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ActiveGrant")
            .field("grant", &self.grant.id)
            .field("key", &"<redacted>")
            .finish()
    }
}

pub use till_core::agents::{GrantEvent, RefusedCall, UsageRecord};

/// A store failure; the gateway answers 500 and logs the message (which must not contain
/// a key).
#[derive(Debug, thiserror::Error)]
#[error("grant store: {0}")]
pub struct StoreError(pub String);

/// What the gateway needs from wherever grants live.
pub trait GrantStore: Send + Sync + 'static {
    /// The grant whose token hashes to `hash`, in whatever state, with its parent key;
    /// `None` if no grant has this hash. Called on every request.
    fn lookup(&self, hash: &TokenHash) -> Result<Option<ActiveGrant>, StoreError>;

    /// Appends one request to the ledger (and to the grant's totals).
    fn record_usage(&self, record: &UsageRecord) -> Result<(), StoreError>;

    /// Counts one request the gateway refused for a known grant (revoked, spent, not
    /// allowed, over its rate). Kept as counters, so a loop of refusals stays small.
    fn record_refusal(&self, refused: &RefusedCall) -> Result<(), StoreError>;

    /// Notes a life event: sets `first_used_at` or the state, and audits it.
    fn mark(&self, grant_id: &str, event: GrantEvent) -> Result<(), StoreError>;
}

struct Entry {
    grant: Grant,
    key: SecretString,
}

/// Grants in memory (tests, or an ephemeral gateway).
#[derive(Default)]
pub struct MemoryStore {
    grants: RwLock<HashMap<TokenHash, Entry>>,
    ledger: Mutex<Vec<UsageRecord>>,
    refusals: Mutex<Vec<RefusedCall>>,
    events: Mutex<Vec<(String, GrantEvent)>>,
}

impl fmt::Debug for MemoryStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("MemoryStore(..)")
    }
}

impl MemoryStore {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn insert(&self, hash: TokenHash, grant: Grant, key: SecretString) {
        let mut g = self.grants.write().unwrap_or_else(|e| e.into_inner());
        g.insert(hash, Entry { grant, key });
    }

    fn update(&self, grant_id: &str, f: impl FnOnce(&mut Grant)) {
        let mut g = self.grants.write().unwrap_or_else(|e| e.into_inner());
        if let Some(e) = g.values_mut().find(|e| e.grant.id == grant_id) {
            f(&mut e.grant);
        }
    }

    /// Revokes a grant, as another writer would.
    pub fn revoke(&self, grant_id: &str) {
        self.update(grant_id, |g| g.state = GrantState::Revoked);
    }

    /// Gives a grant new caps and makes it active, as the vault's `set_caps` does.
    pub fn set_caps(&self, grant_id: &str, caps: crate::grant::Caps) {
        self.update(grant_id, |g| {
            g.caps = caps;
            g.state = GrantState::Active;
        });
    }

    pub fn grant(&self, grant_id: &str) -> Option<Grant> {
        let g = self.grants.read().unwrap_or_else(|e| e.into_inner());
        g.values()
            .find(|e| e.grant.id == grant_id)
            .map(|e| e.grant.clone())
    }

    /// The ledger so far.
    pub fn usage(&self) -> Vec<UsageRecord> {
        self.ledger
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// The refusals counted so far, one per refused request.
    pub fn refusals(&self) -> Vec<RefusedCall> {
        self.refusals
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    pub fn events(&self) -> Vec<(String, GrantEvent)> {
        self.events
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}

impl GrantStore for MemoryStore {
    fn lookup(&self, hash: &TokenHash) -> Result<Option<ActiveGrant>, StoreError> {
        let g = self.grants.read().unwrap_or_else(|e| e.into_inner());
        Ok(g.get(hash).map(|e| ActiveGrant {
            grant: e.grant.clone(),
            key: e.key.clone(),
        }))
    }

    fn record_usage(&self, record: &UsageRecord) -> Result<(), StoreError> {
        self.update(&record.grant_id, |g| {
            g.used.calls += 1;
            g.used.input_tokens += record.input_tokens;
            g.used.output_tokens += record.output_tokens;
            g.used.micro_usd += record.micro_usd;
        });
        self.ledger
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(record.clone());
        Ok(())
    }

    fn record_refusal(&self, refused: &RefusedCall) -> Result<(), StoreError> {
        self.refusals
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(refused.clone());
        Ok(())
    }

    fn mark(&self, grant_id: &str, event: GrantEvent) -> Result<(), StoreError> {
        self.update(grant_id, |g| match event {
            GrantEvent::FirstUse { at } => {
                g.first_used_at.get_or_insert(at);
            }
            GrantEvent::Exhausted { .. } => g.state = GrantState::Exhausted,
            GrantEvent::Expired { .. } => g.state = GrantState::Expired,
        });
        self.events
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push((grant_id.to_owned(), event));
        Ok(())
    }
}
