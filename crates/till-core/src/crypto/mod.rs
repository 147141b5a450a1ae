//! Keys and sealing: everything Till writes to disk passes through here.
//!
//! One random 256-bit vault key (VK) per vault. It is never stored as it is: it is kept
//! *wrapped* (sealed) by a key from the OS keyring and/or by a key derived from the master
//! password (the vault's `wrap` records). From the VK, HKDF-SHA256 derives one sub-key per job, so a
//! key used to seal records is never also used to MAC the audit chain or to fingerprint
//! values. Every sealed blob is a versioned envelope (see [`envelope`]).

pub mod envelope;
pub mod kdf;

use hkdf::Hkdf;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

/// Length of every symmetric key Till uses.
pub const KEY_LEN: usize = 32;

/// A 256-bit symmetric key, wiped from memory on drop. `Debug` never shows it, and it
/// is not `Clone`: each copy of a key is one more place to wipe.
#[derive(Zeroize, ZeroizeOnDrop)]
pub struct SecretKey(Box<[u8; KEY_LEN]>);

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretKey(<redacted>)")
    }
}

impl SecretKey {
    /// A fresh key from the operating system's CSPRNG.
    pub fn generate() -> Self {
        let mut bytes = Box::new([0u8; KEY_LEN]);
        fill_random(bytes.as_mut_slice());
        Self(bytes)
    }

    /// Takes ownership of key bytes (the caller's copy should be a `Zeroizing` buffer).
    pub fn from_bytes(bytes: &[u8; KEY_LEN]) -> Self {
        Self(Box::new(*bytes))
    }

    /// Reads a key from a slice of exactly [`KEY_LEN`] bytes.
    pub fn from_slice(bytes: &[u8]) -> Option<Self> {
        let array: &[u8; KEY_LEN] = bytes.try_into().ok()?;
        Some(Self::from_bytes(array))
    }

    /// The raw bytes, for the AEAD, the MAC and the keyring; never for display.
    pub fn expose(&self) -> &[u8; KEY_LEN] {
        &self.0
    }
}

/// Fills `buf` from the OS CSPRNG. A failing CSPRNG leaves nothing safe to do but stop.
pub fn fill_random(buf: &mut [u8]) {
    use chacha20poly1305::aead::rand_core::RngCore;
    chacha20poly1305::aead::OsRng.fill_bytes(buf);
}

/// The sub-keys derived from a vault key, one per job (not `Clone`, like [`SecretKey`]).
#[derive(Debug)]
pub struct SubKeys {
    /// Seals records and audit details.
    pub seal: SecretKey,
    /// MACs the audit chain.
    pub audit_mac: SecretKey,
    /// Keys fingerprints of values, so equal values can be found without storing them.
    pub fingerprint: SecretKey,
    /// Hashes agent tokens, so the vault stores no usable token.
    pub agent_token: SecretKey,
}

impl SubKeys {
    /// Derives the sub-keys with HKDF-SHA256; `vault_id` salts them to this vault.
    pub fn derive(vault_key: &SecretKey, vault_id: &[u8]) -> Self {
        let hkdf = Hkdf::<Sha256>::new(Some(vault_id), vault_key.expose());
        let expand = |info: &[u8]| {
            let mut out = Zeroizing::new([0u8; KEY_LEN]);
            hkdf.expand(info, out.as_mut_slice())
                .expect("32 bytes is a valid HKDF-SHA256 output length");
            SecretKey::from_bytes(&out)
        };
        Self {
            seal: expand(b"till/v1/seal"),
            audit_mac: expand(b"till/v1/audit-mac"),
            fingerprint: expand(b"till/v1/fingerprint"),
            agent_token: expand(b"till/v1/agent-token"),
        }
    }
}

/// HMAC-SHA256 of the concatenated `parts` under `key`.
pub fn mac(key: &SecretKey, parts: &[&[u8]]) -> [u8; 32] {
    let mut hmac =
        <Hmac<Sha256> as Mac>::new_from_slice(key.expose()).expect("HMAC takes any key length");
    for part in parts {
        hmac.update(part);
    }
    hmac.finalize().into_bytes().into()
}

/// Lowercase hex of `bytes`: how MACs, salts and sealed blobs are written as text.
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    let mut out = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        // Writing to a String cannot fail.
        let _ = write!(out, "{byte:02x}");
    }
    out
}

/// The bytes of a hex string (either case), or `None` if it is not hex.
pub fn from_hex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

/// Compares two MACs in constant time.
pub fn mac_eq(a: &[u8], b: &[u8]) -> bool {
    use subtle::ConstantTimeEq;
    a.len() == b.len() && bool::from(a.ct_eq(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sub_keys_differ_from_each_other_and_across_vaults() {
        let vk = SecretKey::generate();
        let a = SubKeys::derive(&vk, b"vault-a");
        let b = SubKeys::derive(&vk, b"vault-b");
        assert_ne!(a.seal.expose(), a.audit_mac.expose());
        assert_ne!(a.seal.expose(), a.fingerprint.expose());
        assert_ne!(a.seal.expose(), b.seal.expose());
        assert_eq!(
            a.seal.expose(),
            SubKeys::derive(&vk, b"vault-a").seal.expose()
        );
    }

    #[test]
    fn hkdf_matches_rfc5869_test_case_1() {
        // RFC 5869 A.1, to pin the construction (SHA-256, salt, info) independently.
        let ikm = [0x0b_u8; 22];
        let salt: Vec<u8> = (0x00..=0x0c).collect();
        let info: Vec<u8> = (0xf0..=0xf9).collect();
        let mut okm = [0u8; 42];
        Hkdf::<Sha256>::new(Some(&salt), &ikm)
            .expand(&info, &mut okm)
            .unwrap();
        assert_eq!(
            hex(&okm),
            "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865"
        );
    }

    #[test]
    fn debug_never_shows_key_bytes() {
        let key = SecretKey::from_bytes(&[0xAB; KEY_LEN]);
        let shown = format!("{key:?}");
        assert!(
            !shown.contains("171") && !shown.to_lowercase().contains("ab"),
            "{shown}"
        );
    }

    #[test]
    fn mac_eq_rejects_different_lengths_and_bytes() {
        assert!(mac_eq(b"abc", b"abc"));
        assert!(!mac_eq(b"abc", b"abd"));
        assert!(!mac_eq(b"abc", b"ab"));
    }

    #[test]
    fn hex_round_trips_and_refuses_odd_or_foreign_text() {
        assert_eq!(hex(&[0x00, 0x0f, 0xa0, 0xff]), "000fa0ff");
        assert_eq!(hex(&[]), "");
        assert_eq!(from_hex("000fa0ff"), Some(vec![0x00, 0x0f, 0xa0, 0xff]));
        assert_eq!(from_hex("ABcd"), Some(vec![0xab, 0xcd]));
        assert_eq!(from_hex("abc"), None);
        assert_eq!(from_hex("zz"), None);
        assert_eq!(from_hex("é1"), None);
    }
}
