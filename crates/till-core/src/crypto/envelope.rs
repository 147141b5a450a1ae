//! The sealed envelope: `version | nonce | XChaCha20-Poly1305(ciphertext + tag)`.
//!
//! The version byte lets the format (or the cipher) change later without guessing. The
//! 192-bit random nonce makes accidental reuse negligible without any nonce bookkeeping.
//! Associated data binds each envelope to where it belongs (a record's kind and id, an
//! audit entry's sequence number), so a sealed row copied over another fails to open.

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use zeroize::Zeroizing;

use super::{fill_random, SecretKey};

/// The current envelope version.
pub const VERSION_1: u8 = 1;
const NONCE_LEN: usize = 24;
const TAG_LEN: usize = 16;
/// Bytes an envelope adds to its plaintext.
pub const OVERHEAD: usize = 1 + NONCE_LEN + TAG_LEN;

/// Why an envelope did not open.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum EnvelopeError {
    #[error("sealed data is too short to be an envelope ({0} bytes)")]
    Truncated(usize),
    #[error("sealed data has envelope version {0}, which this Till does not know (newer Till?)")]
    UnknownVersion(u8),
    #[error("sealed data failed its integrity check: it was changed, moved, or the key is wrong")]
    Tampered,
}

/// Seals `plaintext` under `key`, bound to `aad`.
pub fn seal(key: &SecretKey, aad: &[u8], plaintext: &[u8]) -> Vec<u8> {
    let cipher = XChaCha20Poly1305::new(key.expose().into());
    let mut nonce = [0u8; NONCE_LEN];
    fill_random(&mut nonce);
    let ciphertext = cipher
        .encrypt(
            XNonce::from_slice(&nonce),
            Payload {
                msg: plaintext,
                aad,
            },
        )
        .expect("XChaCha20-Poly1305 encryption cannot fail for in-memory buffers");
    let mut out = Vec::with_capacity(OVERHEAD + plaintext.len());
    out.push(VERSION_1);
    out.extend_from_slice(&nonce);
    out.extend_from_slice(&ciphertext);
    out
}

/// Opens an envelope sealed by [`seal`] with the same key and associated data.
pub fn open(
    key: &SecretKey,
    aad: &[u8],
    envelope: &[u8],
) -> Result<Zeroizing<Vec<u8>>, EnvelopeError> {
    if envelope.len() < OVERHEAD {
        return Err(EnvelopeError::Truncated(envelope.len()));
    }
    if envelope[0] != VERSION_1 {
        return Err(EnvelopeError::UnknownVersion(envelope[0]));
    }
    let (nonce, ciphertext) = envelope[1..].split_at(NONCE_LEN);
    XChaCha20Poly1305::new(key.expose().into())
        .decrypt(
            XNonce::from_slice(nonce),
            Payload {
                msg: ciphertext,
                aad,
            },
        )
        .map(Zeroizing::new)
        .map_err(|_| EnvelopeError::Tampered)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn key() -> SecretKey {
        SecretKey::from_bytes(&[7; 32])
    }

    #[test]
    fn round_trips_and_adds_fixed_overhead() {
        let sealed = seal(&key(), b"record:key:1", b"sk-live-123");
        assert_eq!(sealed.len(), OVERHEAD + 11);
        assert_eq!(sealed[0], VERSION_1);
        assert_eq!(
            open(&key(), b"record:key:1", &sealed).unwrap().as_slice(),
            b"sk-live-123"
        );
    }

    #[test]
    fn the_same_plaintext_seals_differently_each_time() {
        assert_ne!(seal(&key(), b"", b"same"), seal(&key(), b"", b"same"));
    }

    #[test]
    fn every_single_bit_flip_is_rejected() {
        let sealed = seal(&key(), b"aad", b"a value worth protecting");
        for byte in 0..sealed.len() {
            for bit in 0..8 {
                let mut copy = sealed.clone();
                copy[byte] ^= 1 << bit;
                let result = open(&key(), b"aad", &copy);
                assert!(
                    result.is_err(),
                    "flip at byte {byte} bit {bit} was accepted"
                );
                if byte == 0 {
                    assert!(matches!(result, Err(EnvelopeError::UnknownVersion(_))));
                } else {
                    assert_eq!(result.unwrap_err(), EnvelopeError::Tampered);
                }
            }
        }
    }

    #[test]
    fn other_associated_data_or_key_is_rejected() {
        let sealed = seal(&key(), b"record:key:1", b"v");
        assert_eq!(
            open(&key(), b"record:key:2", &sealed).unwrap_err(),
            EnvelopeError::Tampered
        );
        let other = SecretKey::from_bytes(&[8; 32]);
        assert_eq!(
            open(&other, b"record:key:1", &sealed).unwrap_err(),
            EnvelopeError::Tampered
        );
    }

    #[test]
    fn truncation_is_reported_as_such() {
        let sealed = seal(&key(), b"", b"v");
        assert_eq!(
            open(&key(), b"", &sealed[..10]).unwrap_err(),
            EnvelopeError::Truncated(10)
        );
        assert_eq!(
            open(&key(), b"", &sealed[..sealed.len() - 1]).unwrap_err(),
            EnvelopeError::Tampered
        );
    }

    #[test]
    fn xchacha20poly1305_matches_the_draft_test_vector() {
        // draft-irtf-cfrg-xchacha-03, A.3.1: pins the primitive, independent of our framing.
        let key: Vec<u8> = (0x80..=0x9f).collect();
        let nonce: Vec<u8> = (0x40..=0x57).collect();
        let aad = [
            0x50, 0x51, 0x52, 0x53, 0xc0, 0xc1, 0xc2, 0xc3, 0xc4, 0xc5, 0xc6, 0xc7,
        ];
        let plaintext = b"Ladies and Gentlemen of the class of '99: If I could offer you \
only one tip for the future, sunscreen would be it.";
        let cipher = XChaCha20Poly1305::new(chacha20poly1305::Key::from_slice(&key));
        let out = cipher
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: plaintext,
                    aad: &aad,
                },
            )
            .unwrap();
        let tag = &out[out.len() - 16..];
        assert_eq!(crate::crypto::hex(tag), "c0875924c1c7987947deafd8780acf49");
        assert_eq!(crate::crypto::hex(&out[..8]), "bd6d179d3e83d43b");
    }

    proptest! {
        #[test]
        fn any_plaintext_and_aad_round_trip(
            plaintext in proptest::collection::vec(any::<u8>(), 0..2048),
            aad in proptest::collection::vec(any::<u8>(), 0..64),
        ) {
            let sealed = seal(&key(), &aad, &plaintext);
            let opened = open(&key(), &aad, &sealed).unwrap();
            prop_assert_eq!(opened.as_slice(), plaintext.as_slice());
        }
    }
}
