//! The master and backup password policy (placeholder; replaced by the policy module).
use secrecy::{ExposeSecret, SecretString};

use crate::error::TillError;

/// Refuses a password shorter than 8 characters.
pub fn check_new_password(password: &SecretString) -> Result<(), TillError> {
    if password.expose_secret().chars().count() < 8 {
        return Err(TillError::InvalidInput {
            what: "the password is shorter than 8 characters: use a passphrase of several words"
                .into(),
        });
    }
    Ok(())
}
