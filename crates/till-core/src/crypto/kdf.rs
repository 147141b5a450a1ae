//! Argon2id: from a master password to a key-encryption key.
//!
//! Parameters are stored beside each password wrap, so they can rise over time without
//! breaking old vaults. Setup calibrates them to take about half a second here, never
//! below OWASP's floor for Argon2id (19 MiB, 2 passes, 1 lane).

use std::time::{Duration, Instant};

use argon2::{Algorithm, Argon2, Params, Version};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use super::{SecretKey, KEY_LEN};

/// Salt length for password derivation.
pub const SALT_LEN: usize = 16;

/// Argon2id cost parameters, as stored with a password wrap.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct KdfParams {
    /// Memory in KiB.
    pub memory_kib: u32,
    /// Passes over memory.
    pub iterations: u32,
    /// Lanes.
    pub parallelism: u32,
}

impl KdfParams {
    /// OWASP's minimum for Argon2id: m=19 MiB, t=2, p=1.
    pub const OWASP_FLOOR: Self = Self {
        memory_kib: 19 * 1024,
        iterations: 2,
        parallelism: 1,
    };

    /// The most memory calibration will pick (derivation must also work on small laptops).
    const MAX_MEMORY_KIB: u32 = 256 * 1024;
    const MAX_ITERATIONS: u32 = 10;

    /// Whether these parameters meet the floor (a tampered wrap might try to lower them).
    pub fn meets_floor(&self) -> bool {
        self.memory_kib >= Self::OWASP_FLOOR.memory_kib
            && self.iterations >= Self::OWASP_FLOOR.iterations
            && self.parallelism >= 1
    }

    /// Raises memory, then passes, from the floor while one more step stays within
    /// `target`: the result takes between half of `target` and `target` on this machine.
    pub fn calibrate(target: Duration) -> Self {
        let mut params = Self::OWASP_FLOOR;
        let probe = SecretString::from("calibration");
        let salt = [0u8; SALT_LEN];
        loop {
            let started = Instant::now();
            // The floor is always valid, and calibration only raises it.
            let _ = derive_key(&probe, &salt, params);
            let took = started.elapsed();
            if took * 2 > target {
                return params;
            }
            if params.memory_kib * 2 <= Self::MAX_MEMORY_KIB {
                params.memory_kib *= 2;
            } else if params.iterations < Self::MAX_ITERATIONS {
                params.iterations += 1;
            } else {
                return params;
            }
        }
    }
}

/// How long deriving a key for a new password wrap may take at most; calibration lands
/// between half of this and this.
pub const NEW_VAULT_TARGET: Duration = Duration::from_secs(1);

/// The Argon2id cost for a new password wrap (vault setup, password change, backups),
/// for the CLI and the desktop alike: calibrated on this machine, or OWASP's floor when
/// `TILL_KDF=floor` (for tests and slow CI machines; never below the floor).
pub fn params_for_new_vault() -> KdfParams {
    params_for(std::env::var("TILL_KDF").ok().as_deref())
}

fn params_for(till_kdf: Option<&str>) -> KdfParams {
    match till_kdf {
        Some("floor") => KdfParams::OWASP_FLOOR,
        _ => KdfParams::calibrate(NEW_VAULT_TARGET),
    }
}

/// Why a key could not be derived.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KdfError {
    #[error("the stored password parameters are below the safe minimum or invalid")]
    WeakParams,
}

/// Derives a key-encryption key from `password` and `salt`.
pub fn derive_key(
    password: &SecretString,
    salt: &[u8],
    params: KdfParams,
) -> Result<SecretKey, KdfError> {
    if !params.meets_floor() {
        return Err(KdfError::WeakParams);
    }
    let argon_params = Params::new(
        params.memory_kib,
        params.iterations,
        params.parallelism,
        Some(KEY_LEN),
    )
    .map_err(|_| KdfError::WeakParams)?;
    let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, argon_params);
    let mut out = Zeroizing::new([0u8; KEY_LEN]);
    argon
        .hash_password_into(
            password.expose_secret().as_bytes(),
            salt,
            out.as_mut_slice(),
        )
        .map_err(|_| KdfError::WeakParams)?;
    Ok(SecretKey::from_bytes(&out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_password_and_salt_give_the_same_key_and_others_do_not() {
        let params = KdfParams::OWASP_FLOOR;
        let pw = SecretString::from("correct horse battery staple");
        let a = derive_key(&pw, b"0123456789abcdef", params).unwrap();
        let b = derive_key(&pw, b"0123456789abcdef", params).unwrap();
        let other_salt = derive_key(&pw, b"fedcba9876543210", params).unwrap();
        let other_pw = derive_key(
            &SecretString::from("Correct horse"),
            b"0123456789abcdef",
            params,
        )
        .unwrap();
        assert_eq!(a.expose(), b.expose());
        assert_ne!(a.expose(), other_salt.expose());
        assert_ne!(a.expose(), other_pw.expose());
    }

    #[test]
    fn parameters_below_the_floor_are_refused() {
        let weak = KdfParams {
            memory_kib: 1024,
            iterations: 1,
            parallelism: 1,
        };
        assert_eq!(
            derive_key(&SecretString::from("pw"), b"0123456789abcdef", weak).unwrap_err(),
            KdfError::WeakParams
        );
    }

    #[test]
    fn till_kdf_floor_picks_the_floor() {
        // Other values calibrate (about a second), covered by the calibration test below.
        assert_eq!(params_for(Some("floor")), KdfParams::OWASP_FLOOR);
    }

    #[test]
    fn calibration_never_goes_below_the_floor() {
        let params = KdfParams::calibrate(Duration::from_millis(1));
        assert!(params.meets_floor());
        assert_eq!(params, KdfParams::OWASP_FLOOR);
    }
}
