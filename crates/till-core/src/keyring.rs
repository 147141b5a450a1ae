//! The OS keyring: where the key that opens the vault at login is kept.
//!
//! On Linux this is the Secret Service (gnome-keyring, KWallet) over D-Bus, reached
//! through the keyring v4 split crates. The store is created explicitly and retried
//! briefly, because at login the session bus may not be up yet (the keyring facade's lazy
//! default would cache that failure for the life of the process). Calls block: async
//! callers should run them on a blocking thread.

use std::sync::Arc;
use std::time::Duration;

use keyring_core::{CredentialStore, Entry};

use crate::crypto::SecretKey;
use crate::error::TillError;

/// The keyring service name under which Till's entries live; the user is the vault id.
pub const SERVICE: &str = "dev.till.vault";

const CONNECT_ATTEMPTS: u32 = 3;
const CONNECT_BACKOFF: Duration = Duration::from_millis(250);

/// A connection to a credential store.
#[derive(Clone)]
pub struct Keyring {
    store: Arc<CredentialStore>,
}

impl std::fmt::Debug for Keyring {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Keyring").finish_non_exhaustive()
    }
}

impl Keyring {
    /// Connects to the platform's keyring (Secret Service on Linux).
    pub fn connect() -> Result<Self, TillError> {
        let mut last = None;
        for attempt in 0..CONNECT_ATTEMPTS {
            if attempt > 0 {
                std::thread::sleep(CONNECT_BACKOFF * attempt);
            }
            match platform_store() {
                Ok(store) => return Ok(Self { store }),
                Err(error) => last = Some(error),
            }
        }
        Err(unavailable(last.map(|e| e.to_string()).unwrap_or_default()))
    }

    /// An in-memory store for tests: nothing persists beyond this value.
    pub fn in_memory() -> Self {
        let store = keyring_core::mock::Store::new().expect("the mock store always builds");
        Self { store }
    }

    fn entry(&self, vault_id: &str) -> Result<Entry, TillError> {
        Entry::new_in_store(&self.store, SERVICE, vault_id).map_err(|e| unavailable(e.to_string()))
    }

    /// Saves the key that unwraps the vault key of vault `vault_id`.
    pub fn save(&self, vault_id: &str, key: &SecretKey) -> Result<(), TillError> {
        self.entry(vault_id)?
            .set_secret(key.expose())
            .map_err(|e| unavailable(e.to_string()))
    }

    /// Loads that key; `None` when the keyring has no entry for this vault.
    pub fn load(&self, vault_id: &str) -> Result<Option<SecretKey>, TillError> {
        match self.entry(vault_id)?.get_secret() {
            Ok(bytes) => {
                let bytes = zeroize::Zeroizing::new(bytes);
                SecretKey::from_slice(&bytes)
                    .map(Some)
                    .ok_or(TillError::KeyringEntryDamaged)
            }
            Err(keyring_core::Error::NoEntry) => Ok(None),
            Err(error) => Err(unavailable(error.to_string())),
        }
    }

    /// Removes the entry (when the user switches to "always ask for the password").
    pub fn delete(&self, vault_id: &str) -> Result<(), TillError> {
        match self.entry(vault_id)?.delete_credential() {
            Ok(()) | Err(keyring_core::Error::NoEntry) => Ok(()),
            Err(error) => Err(unavailable(error.to_string())),
        }
    }
}

fn unavailable(detail: String) -> TillError {
    TillError::KeyringUnavailable { detail }
}

#[cfg(target_os = "linux")]
fn platform_store() -> keyring_core::Result<Arc<CredentialStore>> {
    zbus_secret_service_keyring_store::Store::new().map(|s| s as Arc<CredentialStore>)
}

/// The login keychain (never built or run here).
#[cfg(target_os = "macos")]
fn platform_store() -> keyring_core::Result<Arc<CredentialStore>> {
    apple_native_keyring_store::keychain::Store::new().map(|s| s as Arc<CredentialStore>)
}

/// The Windows Credential Manager (never built or run here).
#[cfg(windows)]
fn platform_store() -> keyring_core::Result<Arc<CredentialStore>> {
    windows_native_keyring_store::Store::new().map(|s| s as Arc<CredentialStore>)
}

#[cfg(not(any(target_os = "linux", target_os = "macos", windows)))]
fn platform_store() -> keyring_core::Result<Arc<CredentialStore>> {
    Err(keyring_core::Error::NotSupportedByStore(
        "this build of Till has no keyring for this system; the master password opens the vault"
            .into(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn saves_loads_and_deletes_a_key_per_vault() {
        let keyring = Keyring::in_memory();
        let key = SecretKey::generate();
        assert!(keyring.load("vault-1").unwrap().is_none());
        keyring.save("vault-1", &key).unwrap();
        assert_eq!(
            keyring.load("vault-1").unwrap().unwrap().expose(),
            key.expose()
        );
        assert!(keyring.load("vault-2").unwrap().is_none());
        keyring.delete("vault-1").unwrap();
        assert!(keyring.load("vault-1").unwrap().is_none());
        keyring.delete("vault-1").unwrap();
    }
}
