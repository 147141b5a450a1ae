//! One pass of Aho-Corasick over a whole file finds every place worth a closer look: a
//! catalog prefix (raw, JSON- or URL-escaped, or base64-encoded) or a key-like name
//! (`api_key`, `secret`, `token`, `password`…).
//!
//! Nearly all bytes of a source tree are rejected here at memory speed; the regexes,
//! decoders and HMACs further on run only at these hits. The automaton is ASCII
//! case-insensitive so one pattern covers `API_KEY`, `apiKey` and `api-key`; prefix hits
//! are then checked byte for byte, since key prefixes are case-sensitive.

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};

use crate::decode::encode_base64;
use crate::ScanError;

/// Names that precede a secret in assignments, configs and headers.
pub const KEYWORDS: &[&str] = &[
    "key",
    "secret",
    "token",
    "passw",
    "pwd",
    "auth",
    "credential",
    "bearer",
];

/// One written form of a catalog prefix.
#[derive(Debug, Clone)]
pub struct Variant {
    /// The bytes as they appear in a file.
    pub bytes: Vec<u8>,
    /// A base64 form of the prefix.
    pub base64: bool,
    /// Base64 of the prefix at an offset inside a longer encoded text (a whole `.env`
    /// in a Kubernetes Secret): the encoded token starts before the hit.
    pub embedded: bool,
}

/// What a hit of the automaton is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hit {
    /// A prefix variant may start here (checked exactly by [`Prefilter::variants_at`]).
    Prefix,
    /// A key-like name ends at this hit's end.
    Keyword,
}

/// The compiled prefilter.
#[derive(Debug)]
pub struct Prefilter {
    automaton: AhoCorasick,
    kinds: Vec<Hit>,
    /// The distinct literal prefixes of the formats.
    pub prefixes: Vec<Vec<u8>>,
    /// Every written form of every prefix, longest first, bucketed by first byte.
    by_first_byte: Vec<Vec<Variant>>,
}

impl Prefilter {
    /// Builds the automaton for these literal prefixes.
    pub fn new(prefixes: &[&str]) -> Result<Self, ScanError> {
        let mut distinct: Vec<Vec<u8>> = Vec::new();
        for prefix in prefixes {
            if !prefix.is_empty() && !distinct.iter().any(|p| p == prefix.as_bytes()) {
                distinct.push(prefix.as_bytes().to_vec());
            }
        }
        let mut variants = Vec::new();
        for prefix in &distinct {
            for (bytes, base64, embedded) in written_forms(prefix) {
                if !variants.iter().any(|v: &Variant| v.bytes == bytes) {
                    variants.push(Variant {
                        bytes,
                        base64,
                        embedded,
                    });
                }
            }
        }
        variants.sort_by_key(|v| std::cmp::Reverse(v.bytes.len()));
        let mut by_first_byte = vec![Vec::new(); 256];
        for variant in &variants {
            by_first_byte[usize::from(variant.bytes[0])].push(variant.clone());
        }
        let mut patterns: Vec<Vec<u8>> = Vec::new();
        let mut kinds = Vec::new();
        for variant in &variants {
            let lower = variant.bytes.to_ascii_lowercase();
            if !patterns.contains(&lower) {
                patterns.push(lower);
                kinds.push(Hit::Prefix);
            }
        }
        for keyword in KEYWORDS {
            patterns.push(keyword.as_bytes().to_vec());
            kinds.push(Hit::Keyword);
        }
        let automaton = AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::LeftmostLongest)
            .build(&patterns)
            .map_err(|e| ScanError::Setup(format!("the key prefix automaton: {e}")))?;
        Ok(Self {
            automaton,
            kinds,
            prefixes: distinct,
            by_first_byte,
        })
    }

    /// Every hit in `data`, in order: where it starts and ends, and what it is.
    pub fn hits<'a>(&'a self, data: &'a [u8]) -> impl Iterator<Item = (usize, usize, Hit)> + 'a {
        self.automaton
            .find_iter(data)
            .map(|m| (m.start(), m.end(), self.kinds[m.pattern().as_usize()]))
    }

    /// The prefix variants written exactly (case included) at `at`, longest first.
    pub fn variants_at<'a>(
        &'a self,
        data: &'a [u8],
        at: usize,
    ) -> impl Iterator<Item = &'a Variant> + 'a {
        let bucket = data
            .get(at)
            .map_or(&[][..], |&b| self.by_first_byte[usize::from(b)].as_slice());
        bucket
            .iter()
            .filter(move |v| data[at..].starts_with(&v.bytes))
    }
}

/// The forms a prefix takes in files: raw; every punctuation character as a JSON
/// `\u00XX` or URL `%XX` escape (either case of hex); base64 of its whole 3-byte groups
/// (standard and URL-safe), for a value encoded on its own as in a Kubernetes Secret; and
/// the characters that encode it at the two other byte offsets of a 3-byte group, for a
/// value inside a longer encoded text.
fn written_forms(prefix: &[u8]) -> Vec<(Vec<u8>, bool, bool)> {
    let mut forms = vec![(prefix.to_vec(), false, false)];
    if prefix.iter().any(|b| !b.is_ascii_alphanumeric()) {
        for upper in [false, true] {
            let escape = |b: u8, json: bool| -> Vec<u8> {
                let hex = if upper {
                    format!("{b:02X}")
                } else {
                    format!("{b:02x}")
                };
                if json {
                    format!("\\u00{hex}").into_bytes()
                } else {
                    format!("%{hex}").into_bytes()
                }
            };
            for json in [true, false] {
                let form: Vec<u8> = prefix
                    .iter()
                    .flat_map(|&b| {
                        if b.is_ascii_alphanumeric() {
                            vec![b]
                        } else {
                            escape(b, json)
                        }
                    })
                    .collect();
                forms.push((form, false, false));
            }
        }
    }
    for (offset, first_stable) in [(0usize, 0usize), (1, 2), (2, 3)] {
        let mut shifted = vec![0u8; offset];
        shifted.extend_from_slice(prefix);
        let whole = shifted.len() / 3 * 3;
        let min_chars = if offset == 0 { 4 } else { 6 };
        if whole < 3 || whole / 3 * 4 < first_stable + min_chars {
            continue;
        }
        for url_safe in [false, true] {
            let encoded = encode_base64(&shifted[..whole], url_safe).into_bytes();
            forms.push((encoded[first_stable..].to_vec(), true, offset != 0));
        }
    }
    forms
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prefilter() -> Prefilter {
        Prefilter::new(&["sk_live_", "sk-proj-", "SK", "AKIA", "sk_live_"]).unwrap()
    }

    fn forms_at(p: &Prefilter, text: &[u8], at: usize) -> Vec<String> {
        p.variants_at(text, at)
            .map(|v| String::from_utf8_lossy(&v.bytes).into_owned())
            .collect()
    }

    #[test]
    fn prefixes_are_deduplicated_and_found_in_every_form() {
        let p = prefilter();
        assert_eq!(p.prefixes.len(), 4);
        for (text, form) in [
            ("x = sk_live_abc", "sk_live_"),
            ("x = sk\\u002dproj\\u002dabc", "sk\\u002dproj\\u002d"),
            ("x = sk%2Dproj%2Dabc", "sk%2Dproj%2D"),
            ("x = c2tfbGl2ZV8abc", "c2tfbGl2"),
            ("x = AKIAABC", "AKIA"),
        ] {
            let hits: Vec<_> = p.hits(text.as_bytes()).collect();
            let (start, _, kind) = hits[0];
            assert_eq!((start, kind), (4, Hit::Prefix), "{text}");
            assert_eq!(forms_at(&p, text.as_bytes(), start)[0], form, "{text}");
        }
        // Base64 of the prefix one byte into a longer encoded text.
        for lead in ["A=", "AB=", "ABC="] {
            let embedded = encode_base64(format!("{lead}sk_live_abcdef").as_bytes(), false);
            let text = embedded.as_bytes();
            assert!(
                (1..text.len()).any(|at| p.variants_at(text, at).any(|v| v.base64)),
                "{lead}"
            );
        }
    }

    #[test]
    fn prefix_case_matters_but_keyword_case_does_not() {
        let p = prefilter();
        let text = b"SK_LIVE_abc Api_Key API_KEY apikey Token PASSWORD";
        assert_eq!(forms_at(&p, text, 0), ["SK"]);
        let keywords = p
            .hits(text)
            .filter(|(_, _, kind)| *kind == Hit::Keyword)
            .count();
        assert_eq!(keywords, 5);
    }

    #[test]
    fn plain_text_has_no_prefix_variant() {
        let p = prefilter();
        let text = b"the task was a risk to the desk";
        for (start, _, kind) in p.hits(text) {
            if kind == Hit::Prefix {
                assert_eq!(p.variants_at(text, start).count(), 0);
            }
        }
    }
}
