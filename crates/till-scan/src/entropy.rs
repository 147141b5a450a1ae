//! How random a token looks: the filter between key material and placeholders.
//!
//! A real key's body is random; `sk-proj-XXXX…`, `your-api-key`, `AKIA…EXAMPLE` and
//! `1234567890abcdef…` are not. Shannon entropy per character catches low-variety bodies,
//! and a few cheap shape checks catch the placeholders people type by hand. Only the
//! `unknown_key` and `till_token` kinds depend on this: a vault match is exact, never
//! guessed.

/// Bits of Shannon entropy per byte of `bytes` (0 for an empty slice).
pub fn shannon(bytes: &[u8]) -> f64 {
    if bytes.is_empty() {
        return 0.0;
    }
    let mut counts = [0u32; 256];
    for &b in bytes {
        counts[usize::from(b)] += 1;
    }
    let len = bytes.len() as f64;
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = f64::from(c) / len;
            -p * p.log2()
        })
        .sum()
}

/// Below this many bits per character a body is not random enough to be a key.
pub const MIN_BODY_ENTROPY: f64 = 3.0;

/// Words that only placeholders and documentation carry.
const PLACEHOLDER_WORDS: &[&[u8]] = &[
    b"xxxx",
    b"example",
    b"your",
    b"placeholder",
    b"dummy",
    b"sample",
    b"redacted",
    b"changeme",
    b"replace",
    b"insert",
    b"1234567",
    b"abcdefg",
];

/// Whether a key's body (the part after its provider prefix) looks like a placeholder
/// rather than random key material.
pub fn is_placeholder(body: &[u8]) -> bool {
    if body.len() < 8 || longest_run(body) >= 5 {
        return true;
    }
    let lower = body.to_ascii_lowercase();
    if PLACEHOLDER_WORDS
        .iter()
        .any(|word| memchr::memmem::find(&lower, word).is_some())
    {
        return true;
    }
    shannon(body) < MIN_BODY_ENTROPY
}

/// Whether a token found next to a key-like name is random enough to be worth a
/// fingerprint (cheap to answer, and it keeps identifiers and prose out).
pub fn worth_fingerprinting(token: &[u8]) -> bool {
    token.len() >= crate::candidates::MIN_GENERIC_LEN && shannon(token) >= MIN_BODY_ENTROPY
}

/// The length of the longest run of one repeated byte.
fn longest_run(bytes: &[u8]) -> usize {
    let mut best = 0;
    let mut run = 0;
    let mut last = None;
    for &b in bytes {
        run = if Some(b) == last { run + 1 } else { 1 };
        last = Some(b);
        best = best.max(run);
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entropy_of_known_strings() {
        assert_eq!(shannon(b""), 0.0);
        assert_eq!(shannon(b"aaaa"), 0.0);
        assert!((shannon(b"abab") - 1.0).abs() < 1e-9);
        assert!((shannon(b"0123456789abcdef") - 4.0).abs() < 1e-9);
        assert!(shannon(b"Zq8vN3xL0pT7rW2yK5mB9cF4hJ6gD1sA") > 4.5);
    }

    #[test]
    fn random_bodies_pass_and_placeholders_do_not() {
        for real in [
            &b"T4nq8WvKc2LmX9pRz7YbJ3sHd6FgQ1aE"[..],
            b"IOSFODNN7ZQWERTY",
            b"9f2c4e1a7b3d5f60e8a2c4b6d8f0a1c3",
        ] {
            assert!(!is_placeholder(real), "{}", String::from_utf8_lossy(real));
        }
        for fake in [
            &b"XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX"[..],
            b"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
            b"IOSFODNN7EXAMPLE",
            b"your-api-key-goes-here-please",
            b"1234567890abcdef1234567890abcdef",
            b"abababababababababababababab",
            b"aaaaaaaaaaaaaaaaaaaaaaab",
            b"short",
            b"0000000000000000000000000000000000000000",
        ] {
            assert!(is_placeholder(fake), "{}", String::from_utf8_lossy(fake));
        }
    }

    #[test]
    fn generic_tokens_need_length_and_variety() {
        assert!(worth_fingerprinting(b"Zq8vN3xL0pT7rW2yK5mB"));
        assert!(!worth_fingerprinting(b"Zq8vN3x"));
        assert!(!worth_fingerprinting(b"aaaaaaaaaaaaaaaaaaaaaaaa"));
        assert!(!worth_fingerprinting(b"password"));
    }
}
