//! The vault key, wrapped: by a key in the OS keyring and by the master password.
//!
//! The vault key itself is never stored. Each wrap seals it under another key: a random
//! key kept in the OS keyring (so the tray can open the vault at login), or a key derived
//! from the master password with Argon2id (recovery, and the only way in for vaults set to
//! always ask). Each wrap is bound to its kind and the vault's id by associated data.

use std::path::Path;

use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension};
use secrecy::SecretString;

use super::throttle::Failures;
use super::{db_error, Action};
use crate::crypto::kdf::{derive_key, KdfParams, SALT_LEN};
use crate::crypto::{envelope, fill_random, SecretKey};
use crate::error::TillError;
use crate::keyring::Keyring;

const WRAP_PASSWORD: &str = "password";
const WRAP_KEYRING: &str = "keyring";

/// How to open a vault.
#[derive(Debug, Clone, Copy)]
pub enum Unlock<'a> {
    /// With the master password.
    Password(&'a SecretString),
    /// With the key kept in the OS keyring.
    Keyring(&'a Keyring),
    /// With the key the unlocked desktop app handed over (see [`crate::session`]).
    Session(&'a crate::session::SessionKey),
}

impl Unlock<'_> {
    /// How the vault was opened, for the audit log.
    pub(super) fn label(&self) -> &'static str {
        match self {
            Self::Password(_) => "master password",
            Self::Keyring(_) => "OS keyring",
            Self::Session(_) => "desktop app's session",
        }
    }
}

fn wrap_aad(kind: &str, vault_id: &str) -> Vec<u8> {
    format!("till/wrap/v1/{kind}/{vault_id}").into_bytes()
}

/// The vault key sealed under a key derived from the master password, with what is
/// needed to derive it again (KDF parameters as JSON, salt).
pub(super) struct PasswordWrap {
    kdf_json: String,
    salt: [u8; SALT_LEN],
    sealed: Vec<u8>,
}

impl PasswordWrap {
    pub fn new(
        password: &SecretString,
        kdf: KdfParams,
        vault_id: &str,
        vault_key: &SecretKey,
    ) -> Result<Self, TillError> {
        let internal = |what: String| TillError::Internal { what };
        let mut salt = [0u8; SALT_LEN];
        fill_random(&mut salt);
        let kek = derive_key(password, &salt, kdf).map_err(|e| internal(e.to_string()))?;
        Ok(Self {
            kdf_json: serde_json::to_string(&kdf).map_err(|e| internal(e.to_string()))?,
            salt,
            sealed: envelope::seal(&kek, &wrap_aad(WRAP_PASSWORD, vault_id), vault_key.expose()),
        })
    }

    /// Replaces the stored password wrap (a new master password); the keyring wrap, if
    /// any, is untouched and no record is re-encrypted.
    pub fn replace(&self, action: &Action<'_>) -> Result<(), TillError> {
        action
            .execute(
                "UPDATE wraps SET kdf_params = ?1, salt = ?2, sealed_key = ?3 WHERE kind = ?4",
                params![
                    self.kdf_json,
                    self.salt.as_slice(),
                    self.sealed,
                    WRAP_PASSWORD
                ],
            )
            .map(drop)
    }
}

/// The wraps of a new vault.
pub(super) struct Wraps {
    password: PasswordWrap,
    keyring: Option<Vec<u8>>,
}

impl Wraps {
    /// Wraps `vault_key` under the password and, if given, a new key saved in `keyring`.
    pub fn new(
        password: &SecretString,
        kdf: KdfParams,
        keyring: Option<&Keyring>,
        vault_id: &str,
        vault_key: &SecretKey,
    ) -> Result<Self, TillError> {
        let password = PasswordWrap::new(password, kdf, vault_id, vault_key)?;
        let keyring = match keyring {
            Some(keyring) => {
                let keyring_key = SecretKey::generate();
                keyring.save(vault_id, &keyring_key)?;
                Some(envelope::seal(
                    &keyring_key,
                    &wrap_aad(WRAP_KEYRING, vault_id),
                    vault_key.expose(),
                ))
            }
            None => None,
        };
        Ok(Self { password, keyring })
    }

    /// Writes the wraps of a new vault.
    pub fn insert(&self, action: &Action<'_>) -> Result<(), TillError> {
        action.execute(
            "INSERT INTO wraps (kind, kdf_params, salt, sealed_key) VALUES (?1, ?2, ?3, ?4)",
            params![
                WRAP_PASSWORD,
                self.password.kdf_json,
                self.password.salt.as_slice(),
                self.password.sealed
            ],
        )?;
        if let Some(sealed) = &self.keyring {
            action.execute(
                "INSERT INTO wraps (kind, sealed_key) VALUES (?1, ?2)",
                params![WRAP_KEYRING, sealed],
            )?;
        }
        Ok(())
    }
}

/// Whether the vault has a keyring wrap, i.e. opens at login without the password.
pub(super) fn has_keyring_wrap(conn: &Connection, path: &Path) -> Result<bool, TillError> {
    conn.query_row(
        "SELECT EXISTS(SELECT 1 FROM wraps WHERE kind = ?1)",
        [WRAP_KEYRING],
        |r| r.get(0),
    )
    .map_err(|e| db_error(path, e))
}

/// A stored wrap: KDF parameters (JSON) and salt for password wraps, and the sealed key.
type WrapRow = (Option<String>, Option<Vec<u8>>, Vec<u8>);

/// Opens the vault key with `unlock`. A wrong password is counted in `state_dir` (the
/// back-off) and changes nothing in the vault.
pub(super) fn unwrap_vault_key(
    conn: &Connection,
    path: &Path,
    vault_id: &str,
    unlock: Unlock<'_>,
    state_dir: &Path,
    now: DateTime<Utc>,
) -> Result<SecretKey, TillError> {
    let kind = match unlock {
        Unlock::Password(_) => WRAP_PASSWORD,
        Unlock::Keyring(_) => WRAP_KEYRING,
        Unlock::Session(session) => {
            // The app's key is checked against the audit head's MAC by the caller.
            return if session.vault_id == vault_id {
                Ok(SecretKey::from_bytes(session.key.expose()))
            } else {
                Err(TillError::PasswordRequired {
                    why: "the desktop app has another vault open",
                })
            };
        }
    };
    let wrap: Option<WrapRow> = conn
        .query_row(
            "SELECT kdf_params, salt, sealed_key FROM wraps WHERE kind = ?1",
            [kind],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()
        .map_err(|e| db_error(path, e))?;
    let Some((kdf_params, salt, sealed)) = wrap else {
        return match unlock {
            Unlock::Keyring(_) | Unlock::Session(_) => Err(TillError::PasswordRequired {
                why: "it was set up to always ask for the password",
            }),
            Unlock::Password(_) => Err(TillError::Corrupt {
                path: path.to_owned(),
                detail: "the password wrap is missing".into(),
            }),
        };
    };
    let aad = wrap_aad(kind, vault_id);
    let vault_key_bytes = match unlock {
        Unlock::Password(password) => {
            let corrupt = |detail: &str| TillError::Corrupt {
                path: path.to_owned(),
                detail: detail.to_owned(),
            };
            let params: KdfParams = kdf_params
                .as_deref()
                .and_then(|json| serde_json::from_str(json).ok())
                .ok_or_else(|| corrupt("the password parameters are unreadable"))?;
            let salt = salt.ok_or_else(|| corrupt("the password salt is missing"))?;
            let kek = derive_key(password, &salt, params)
                .map_err(|_| corrupt("the password parameters are below the safe minimum"))?;
            match envelope::open(&kek, &aad, &sealed) {
                Ok(bytes) => bytes,
                Err(envelope::EnvelopeError::Tampered) => {
                    Failures::record(state_dir, now)?;
                    return Err(TillError::WrongPassword);
                }
                Err(other) => return Err(corrupt(&other.to_string())),
            }
        }
        Unlock::Keyring(keyring) => {
            let key = keyring.load(vault_id)?.ok_or(TillError::PasswordRequired {
                why: "the OS keyring has no entry for this vault",
            })?;
            envelope::open(&key, &aad, &sealed).map_err(|_| TillError::KeyringEntryDamaged)?
        }
        Unlock::Session(_) => {
            return Err(TillError::Internal {
                what: "a session unlock reached the wraps".into(),
            })
        }
    };
    SecretKey::from_slice(&vault_key_bytes).ok_or_else(|| TillError::Corrupt {
        path: path.to_owned(),
        detail: "the wrapped vault key has the wrong length".into(),
    })
}
