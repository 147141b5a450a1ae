//! Agent tokens: `till_sk_` + 33 base62 characters of randomness (196 bits) + a 6-character
//! base62 checksum of the random part.
//!
//! The prefix makes a leaked token recognisable by scanners; the checksum lets the gateway
//! (and the leak scanner) reject typos and look-alikes without a store look-up. The vault
//! never stores a token, only [`TokenHash`], an HMAC-SHA256 under a key the caller holds,
//! so a copy of the vault file is no list of live tokens.

use std::fmt;

use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretBox, SecretString};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// Every token starts with this.
pub const PREFIX: &str = "till_sk_";
/// Base62 characters of randomness: 33 × log2(62) ≈ 196.5 bits.
pub const RANDOM_LEN: usize = 33;
/// Base62 characters of checksum: 62^6 > 2^32.
pub const CHECKSUM_LEN: usize = 6;
/// The whole token's length.
pub const TOKEN_LEN: usize = PREFIX.len() + RANDOM_LEN + CHECKSUM_LEN;

const ALPHABET: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// Why a string is not a Till token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("not a Till agent key: it must start with `till_sk_`")]
    Prefix,
    #[error("not a Till agent key: wrong length (a Till key is {TOKEN_LEN} characters)")]
    Length,
    #[error("not a Till agent key: only letters and digits may follow `till_sk_`")]
    Alphabet,
    #[error("not a Till agent key: the checksum does not match (a character was changed)")]
    Checksum,
    #[error("the system random generator failed; try again")]
    Random,
}

/// A well-formed token. It is a bearer secret: Debug is redacted and it cannot be
/// serialized; [`Token::expose`] is for the one time it is shown to the user.
pub struct Token(SecretString);

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token(till_sk_<redacted>)")
    }
}

impl Token {
    /// A fresh token from the operating system's random generator.
    pub fn mint() -> Result<Self, TokenError> {
        let mut random = String::with_capacity(RANDOM_LEN);
        let mut pool = [0u8; 64];
        while random.len() < RANDOM_LEN {
            crate::crypto::fill_random(&mut pool);
            // Rejection sampling: 248 = 4 × 62, so `b % 62` is uniform for b < 248.
            for b in pool.iter().filter(|b| **b < 248) {
                if random.len() == RANDOM_LEN {
                    break;
                }
                random.push(char::from(ALPHABET[usize::from(*b % 62)]));
            }
        }
        pool.iter_mut().for_each(|b| *b = 0);
        let token = format!("{PREFIX}{random}{}", checksum(random.as_bytes()));
        Ok(Self(SecretString::from(token)))
    }

    /// Checks the format and checksum (no store look-up).
    pub fn parse(s: &str) -> Result<Self, TokenError> {
        let rest = s.strip_prefix(PREFIX).ok_or(TokenError::Prefix)?;
        if rest.len() != RANDOM_LEN + CHECKSUM_LEN {
            return Err(TokenError::Length);
        }
        if !rest.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(TokenError::Alphabet);
        }
        let (random, sum) = rest.split_at(RANDOM_LEN);
        let expected = checksum(random.as_bytes());
        if !bool::from(expected.as_bytes().ct_eq(sum.as_bytes())) {
            return Err(TokenError::Checksum);
        }
        Ok(Self(SecretString::from(s.to_owned())))
    }

    /// The token text, to show once at mint time or to put in a request header.
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }

    /// Whether two tokens are the same, in constant time.
    pub fn ct_eq(&self, other: &Token) -> bool {
        self.expose()
            .as_bytes()
            .ct_eq(other.expose().as_bytes())
            .into()
    }
}

/// Whether a string looks like a Till token (prefix, length, alphabet and checksum); for
/// the leak scanner.
pub fn is_token(s: &str) -> bool {
    Token::parse(s).is_ok()
}

/// The first 32 bits of SHA-256 of the random part, as 6 base62 characters.
fn checksum(random: &[u8]) -> String {
    let digest = Sha256::digest(random);
    let mut n = u32::from_be_bytes([digest[0], digest[1], digest[2], digest[3]]);
    let mut out = [b'0'; CHECKSUM_LEN];
    for slot in out.iter_mut().rev() {
        *slot = ALPHABET[(n % 62) as usize];
        n /= 62;
    }
    out.iter().map(|b| char::from(*b)).collect()
}

/// The key under which tokens are hashed for storage (the vault derives it and keeps it
/// sealed; the gateway receives it when it starts).
pub struct TokenKey(SecretBox<[u8; 32]>);

impl fmt::Debug for TokenKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TokenKey(<redacted>)")
    }
}

impl TokenKey {
    pub fn new(bytes: [u8; 32]) -> Self {
        Self(SecretBox::new(Box::new(bytes)))
    }

    /// A random key (tests, or an ephemeral gateway whose grants live only in memory).
    pub fn random() -> Result<Self, TokenError> {
        let mut bytes = [0u8; 32];
        crate::crypto::fill_random(&mut bytes);
        Ok(Self::new(bytes))
    }

    /// The keyed hash stored in place of the token.
    pub fn hash(&self, token: &Token) -> TokenHash {
        // HMAC accepts keys of any length, so this cannot fail.
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(self.0.expose_secret())
            .unwrap_or_else(|_| unreachable!("HMAC takes any key length"));
        mac.update(token.expose().as_bytes());
        TokenHash(mac.finalize().into_bytes().into())
    }
}

/// HMAC-SHA256 of a token under the [`TokenKey`]; what the vault stores and indexes.
/// Equality is constant-time. Serialized as lowercase hex.
#[derive(Clone, Copy, Eq)]
pub struct TokenHash(pub [u8; 32]);

impl PartialEq for TokenHash {
    fn eq(&self, other: &Self) -> bool {
        self.0.ct_eq(&other.0).into()
    }
}

// Hashing the bytes is consistent with the constant-time equality (equal bytes, equal hash).
impl std::hash::Hash for TokenHash {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.0.hash(state);
    }
}

impl fmt::Debug for TokenHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TokenHash({}…)", &self.to_hex()[..8])
    }
}

impl TokenHash {
    pub fn to_hex(&self) -> String {
        self.0.iter().map(|b| format!("{b:02x}")).collect()
    }

    pub fn from_hex(s: &str) -> Option<Self> {
        if s.len() != 64 || !s.is_ascii() {
            return None;
        }
        let mut out = [0u8; 32];
        for (i, slot) in out.iter_mut().enumerate() {
            *slot = u8::from_str_radix(&s[2 * i..2 * i + 2], 16).ok()?;
        }
        Some(Self(out))
    }
}

impl Serialize for TokenHash {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_hex())
    }
}

impl<'de> Deserialize<'de> for TokenHash {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Self::from_hex(&s).ok_or_else(|| serde::de::Error::custom("expected 64 hex digits"))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn minted_tokens_parse_and_differ() {
        let a = Token::mint().unwrap();
        let b = Token::mint().unwrap();
        assert_eq!(a.expose().len(), TOKEN_LEN);
        assert!(a.expose().starts_with(PREFIX));
        assert!(Token::parse(a.expose()).is_ok());
        assert!(!a.ct_eq(&b));
        assert!(a.ct_eq(&Token::parse(a.expose()).unwrap()));
    }

    #[test]
    fn debug_is_redacted() {
        let t = Token::mint().unwrap();
        assert!(!format!("{t:?}").contains(&t.expose()[PREFIX.len()..]));
        let k = TokenKey::new([7; 32]);
        assert_eq!(format!("{k:?}"), "TokenKey(<redacted>)");
    }

    #[test]
    fn rejects_bad_forms() {
        let t = Token::mint().unwrap();
        let s = t.expose();
        assert_eq!(Token::parse(&s[1..]).unwrap_err(), TokenError::Prefix);
        assert_eq!(
            Token::parse(&s[..s.len() - 1]).unwrap_err(),
            TokenError::Length
        );
        let mut bad = s.to_owned();
        bad.replace_range(10..11, "-");
        assert_eq!(Token::parse(&bad).unwrap_err(), TokenError::Alphabet);
        assert_eq!(Token::parse("sk-proj-abc").unwrap_err(), TokenError::Prefix);
    }

    #[test]
    fn hash_is_keyed() {
        let t = Token::mint().unwrap();
        let h1 = TokenKey::new([1; 32]).hash(&t);
        let h2 = TokenKey::new([2; 32]).hash(&t);
        assert_ne!(h1, h2);
        assert_eq!(h1, TokenKey::new([1; 32]).hash(&t));
        assert_eq!(TokenHash::from_hex(&h1.to_hex()), Some(h1));
        let json = serde_json::to_string(&h1).unwrap();
        assert_eq!(serde_json::from_str::<TokenHash>(&json).unwrap(), h1);
    }

    proptest! {
        #[test]
        fn any_single_character_change_is_caught(pos in 0usize..(RANDOM_LEN + CHECKSUM_LEN),
                                                  c in proptest::sample::select(ALPHABET.to_vec())) {
            let t = Token::mint().unwrap();
            let mut bytes = t.expose().as_bytes().to_vec();
            let i = PREFIX.len() + pos;
            prop_assume!(bytes[i] != c);
            bytes[i] = c;
            let changed = String::from_utf8(bytes).unwrap();
            // A 32-bit checksum misses one change in 2^32; a hit here would be a real bug.
            prop_assert_eq!(Token::parse(&changed).unwrap_err(), TokenError::Checksum);
        }

        #[test]
        fn arbitrary_strings_never_panic(s in ".{0,64}") {
            let _ = Token::parse(&s);
            let with_prefix = format!("{PREFIX}{s}");
            let _ = Token::parse(&with_prefix);
        }

        #[test]
        fn well_formed_strings_with_right_checksum_parse(random in "[0-9A-Za-z]{33}") {
            let s = format!("{PREFIX}{random}{}", checksum(random.as_bytes()));
            prop_assert!(Token::parse(&s).is_ok());
        }
    }
}
