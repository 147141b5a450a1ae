//! The gateway over a real vault: grants are found by their token's hash, usage lands in
//! the vault's ledger, and life events in its audit log.
//!
//! The vault is opened by whoever hosts the gateway (`till gateway`, `till run`) and kept
//! behind a mutex; every look-up reads the grant from the file, so a grant minted or
//! revoked by another process counts from the very next request. Errors reach the
//! gateway's log as their code only: a vault error may quote a key's name.

use std::sync::Mutex;

use till_core::vault::Vault;
use till_core::TillError;

use crate::store::{ActiveGrant, GrantEvent, GrantStore, RefusedCall, StoreError, UsageRecord};
use crate::token::TokenHash;

/// A [`GrantStore`] backed by an open vault.
pub struct VaultStore {
    vault: Mutex<Vault>,
}

impl std::fmt::Debug for VaultStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("VaultStore(..)")
    }
}

impl VaultStore {
    /// Serves grants from `vault` (kept open until the store is dropped).
    pub fn new(vault: Vault) -> Self {
        Self {
            vault: Mutex::new(vault),
        }
    }

    /// Runs `action` on the vault (the host's own commands, e.g. revoking at the end of
    /// a run).
    pub fn with_vault<T>(&self, action: impl FnOnce(&mut Vault) -> T) -> T {
        let mut vault = self.vault.lock().unwrap_or_else(|e| e.into_inner());
        action(&mut vault)
    }

    /// The vault back, to lock it.
    pub fn into_vault(self) -> Vault {
        self.vault.into_inner().unwrap_or_else(|e| e.into_inner())
    }
}

fn store_error(error: TillError) -> StoreError {
    StoreError(format!("vault error ({:?})", error.code()))
}

impl GrantStore for VaultStore {
    fn lookup(&self, hash: &TokenHash) -> Result<Option<ActiveGrant>, StoreError> {
        self.with_vault(|vault| vault.grants().lookup(hash))
            .map(|found| found.map(|(grant, key)| ActiveGrant { grant, key }))
            .map_err(store_error)
    }

    fn record_usage(&self, record: &UsageRecord) -> Result<(), StoreError> {
        self.with_vault(|vault| vault.grants().record_usage(record))
            .map_err(store_error)
    }

    fn record_refusal(&self, refused: &RefusedCall) -> Result<(), StoreError> {
        self.with_vault(|vault| vault.grants().record_refusal(refused))
            .map_err(store_error)
    }

    fn mark(&self, grant_id: &str, event: GrantEvent) -> Result<(), StoreError> {
        self.with_vault(|vault| vault.grants().mark(grant_id, event))
            .map_err(store_error)
    }
}
