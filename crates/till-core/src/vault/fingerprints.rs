//! Matching strings found outside the vault (files, commits) against the vault's values
//! without opening any value: the leak scanner's one window into the vault.
//!
//! Every value is stored with its keyed fingerprint (`KeyMeta::value_hmac`, HMAC-SHA256
//! under the vault's fingerprint sub-key). A [`Fingerprinter`] holds its own copy of that
//! sub-key and a map from fingerprint to the key it names, so a candidate is hashed and
//! looked up: equal strings are found, nothing is compared in plaintext, no value is read,
//! and a guess cannot be tested without the sub-key. The copy is wiped on drop, and the
//! type is neither `Clone` nor printable.

use std::collections::HashMap;

use crate::crypto::{from_hex, mac, SecretKey};
use crate::model::KeyMeta;

/// The key a fingerprint belongs to: what a finding may show (never the value).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyRef {
    pub id: String,
    pub name: String,
    pub provider: String,
    /// The display fingerprint of the matched value (`sk-…a1b2`).
    pub fingerprint: String,
    /// `false` when the match is an earlier value, kept for a rollback after a rotation.
    pub current: bool,
}

/// Fingerprints candidates with the vault's keyed HMAC and names the key they belong to.
pub struct Fingerprinter {
    key: SecretKey,
    keys: HashMap<[u8; 32], KeyRef>,
}

impl std::fmt::Debug for Fingerprinter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Fingerprinter")
            .field("key", &"<redacted>")
            .field("values", &self.keys.len())
            .finish()
    }
}

impl Fingerprinter {
    pub(super) fn new<'a>(
        key: SecretKey,
        inventory: impl IntoIterator<Item = &'a KeyMeta>,
    ) -> Self {
        let mut keys = HashMap::new();
        for meta in inventory {
            let key_ref = |fingerprint: &str, current: bool| KeyRef {
                id: meta.id.clone(),
                name: meta.name.clone(),
                provider: meta.provider.clone(),
                fingerprint: fingerprint.to_owned(),
                current,
            };
            // Earlier values first, so a current value wins if one was ever reused.
            for retired in &meta.history {
                if let Some(hmac) = parse(&retired.value_hmac) {
                    keys.insert(hmac, key_ref(&retired.fingerprint, false));
                }
            }
            if let Some(hmac) = parse(&meta.value_hmac) {
                keys.insert(hmac, key_ref(&meta.fingerprint, true));
            }
        }
        Self { key, keys }
    }

    /// The key whose value (current or kept for a rollback) is exactly `candidate`.
    pub fn matches(&self, candidate: &[u8]) -> Option<&KeyRef> {
        if self.keys.is_empty() {
            return None;
        }
        self.keys.get(&mac(&self.key, &[candidate]))
    }

    /// How many values can be matched.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether there is nothing to match (an empty vault).
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }
}

fn parse(hex: &str) -> Option<[u8; 32]> {
    from_hex(hex)?.try_into().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::hex;
    use crate::model::tests_support::key;
    use crate::model::RetiredValue;

    fn fingerprinter() -> Fingerprinter {
        let secret = SecretKey::from_bytes(&[7; 32]);
        let hmac = |value: &str| hex(&mac(&secret, &[value.as_bytes()]));
        let mut stripe = key("Stripe prod", "stripe", "prod");
        stripe.value_hmac = hmac("sk_live_current");
        stripe.fingerprint = "sk_…rent".into();
        stripe.history.push(RetiredValue {
            fingerprint: "sk_…lder".into(),
            retired_at: stripe.created_at,
            keep_until: stripe.created_at,
            value_hmac: hmac("sk_live_older"),
        });
        let mut legacy = key("Old import", "generic", "dev");
        legacy.value_hmac = String::new();
        Fingerprinter::new(SecretKey::from_bytes(&[7; 32]), &[stripe, legacy])
    }

    #[test]
    fn current_and_retired_values_are_named_and_nothing_else_matches() {
        let f = fingerprinter();
        assert_eq!(f.len(), 2);
        let current = f.matches(b"sk_live_current").unwrap();
        assert_eq!(
            (current.name.as_str(), current.current),
            ("Stripe prod", true)
        );
        assert_eq!(current.fingerprint, "sk_…rent");
        let older = f.matches(b"sk_live_older").unwrap();
        assert!(!older.current);
        for miss in ["sk_live_curren", "sk_live_currenT", "", "sk_live_current "] {
            assert!(f.matches(miss.as_bytes()).is_none(), "{miss}");
        }
    }

    #[test]
    fn debug_shows_neither_the_key_nor_the_fingerprints() {
        let text = format!("{:?}", fingerprinter());
        assert!(
            text.contains("<redacted>") && text.contains("values: 2"),
            "{text}"
        );
        assert!(!text.contains("7, 7"), "{text}");
    }
}
