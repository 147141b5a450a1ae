//! The one search over keys and purposes, shared by the window's key list, quick search
//! and the CLI.
//!
//! It used to exist three times (the key list's substring filter, quick search's fuzzy
//! ranking, and `KeyMeta::matches`), and the three drifted. Here it is fuzzy and ranked:
//! every word typed must appear in an item's fields, or at least its letters in order
//! (letters may be skipped); a name prefix ranks first, then a word inside the name, then
//! one elsewhere, then skipped letters; pinned items win ties, then names sort
//! alphabetically.

use crate::model::KeyMeta;

/// What the search needs from an item: its name, the other fields it may match, and
/// whether it is pinned.
pub trait Searchable {
    /// The name, matched first and used to sort ties.
    fn search_name(&self) -> &str;
    /// Every other field a word may match (provider, environment, owner, scopes…).
    fn search_fields(&self) -> Vec<&str>;
    /// Pinned items rank ahead of equal matches.
    fn search_pinned(&self) -> bool;
}

impl Searchable for KeyMeta {
    fn search_name(&self) -> &str {
        &self.name
    }

    fn search_fields(&self) -> Vec<&str> {
        let mut fields = vec![self.provider.as_str(), self.environment.as_str()];
        fields.extend(self.owner.as_deref());
        fields.extend(self.purpose.as_deref());
        fields.extend(self.scopes.iter().map(String::as_str));
        fields.extend(self.tags.iter().map(String::as_str));
        fields
    }

    fn search_pinned(&self) -> bool {
        self.pinned
    }
}

/// Whether `needle`'s characters appear in `haystack` in order.
pub fn is_subsequence(needle: &str, haystack: &str) -> bool {
    let mut wanted = needle.chars().peekable();
    for letter in haystack.chars() {
        if wanted.peek() == Some(&letter) {
            wanted.next();
        }
    }
    wanted.peek().is_none()
}

/// Costs per word, doubled so the pinned bonus (half a step) stays an integer.
const NAME_PREFIX: u32 = 0;
const IN_NAME: u32 = 2;
const IN_FIELD: u32 = 4;
const LETTERS_IN_ORDER: u32 = 8;
const NOT_PINNED: u32 = 1;

/// How well `item` matches `query`: lower is better, `None` when it does not match. A
/// blank query matches everything (pinned items first).
pub fn score(item: &impl Searchable, query: &str) -> Option<u32> {
    let name = item.search_name().to_lowercase();
    let everything = std::iter::once(name.clone())
        .chain(item.search_fields().iter().map(|f| f.to_lowercase()))
        .collect::<Vec<_>>()
        .join(" ");
    let mut total = 0;
    for word in query.to_lowercase().split_whitespace() {
        total += if name.starts_with(word) {
            NAME_PREFIX
        } else if name.contains(word) {
            IN_NAME
        } else if everything.contains(word) {
            IN_FIELD
        } else if is_subsequence(word, &everything) {
            LETTERS_IN_ORDER
        } else {
            return None;
        };
    }
    Some(if item.search_pinned() {
        total
    } else {
        total + NOT_PINNED
    })
}

/// Whether `item` matches `query` at all.
pub fn matches(item: &impl Searchable, query: &str) -> bool {
    score(item, query).is_some()
}

/// The items matching `query`, best first; ties go to pinned items, then by name.
pub fn rank<'a, T: Searchable>(items: &'a [T], query: &str) -> Vec<&'a T> {
    let mut scored: Vec<(u32, String, &T)> = items
        .iter()
        .filter_map(|item| score(item, query).map(|s| (s, item.search_name().to_lowercase(), item)))
        .collect();
    scored.sort_by(|a, b| {
        (a.0, &a.1)
            .cmp(&(b.0, &b.1))
            .then_with(|| a.2.search_name().cmp(b.2.search_name()))
    });
    scored.into_iter().map(|(_, _, item)| item).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::tests_support::key;

    fn keys() -> Vec<KeyMeta> {
        let mut admin = key("GitHub admin", "github", "prod");
        admin.scopes = vec!["github:*:*".into()];
        let mut reader = key("GitHub reader", "github", "prod");
        reader.scopes = vec!["github:contents:read".into()];
        reader.pinned = true;
        let mut deploy = key("CI deploy", "github", "dev");
        deploy.scopes = vec!["github:contents:read".into()];
        deploy.tags = vec!["pipeline".into()];
        let mut billing = key("Stripe billing", "stripe", "prod");
        billing.scopes = vec!["stripe:charges:write".into()];
        billing.owner = Some("Ada".into());
        billing.purpose = Some("invoices".into());
        vec![admin, reader, deploy, billing]
    }

    fn names(query: &str) -> Vec<String> {
        let keys = keys();
        rank(&keys, query)
            .into_iter()
            .map(|k| k.name.clone())
            .collect()
    }

    #[test]
    fn finds_by_every_field_and_by_letters_in_order() {
        let cases: &[(&str, &[&str])] = &[
            ("stripe", &["Stripe billing"]),
            ("charges", &["Stripe billing"]),
            ("charges:write", &["Stripe billing"]),
            // An owner hit ranks above letters found in order elsewhere.
            ("ADA", &["Stripe billing", "GitHub reader"]),
            ("invoices", &["Stripe billing"]),
            ("pipeline", &["CI deploy"]),
            ("dev", &["CI deploy"]),
            ("nothing like it", &[]),
            ("nothing-like-this", &[]),
        ];
        for (query, expected) in cases {
            assert_eq!(names(query), *expected, "query {query:?}");
        }
        assert!(names("ghrd").contains(&"GitHub reader".to_owned()));
    }

    #[test]
    fn ranks_name_prefix_then_pinned_then_name() {
        let cases: &[(&str, &[&str])] = &[
            ("ci", &["CI deploy", "Stripe billing"]),
            ("github", &["GitHub reader", "GitHub admin", "CI deploy"]),
            ("reader", &["GitHub reader", "Stripe billing"]),
            // Blank: everything, pinned first, then by name.
            (
                "  ",
                &[
                    "GitHub reader",
                    "CI deploy",
                    "GitHub admin",
                    "Stripe billing",
                ],
            ),
        ];
        for (query, expected) in cases {
            assert_eq!(names(query), *expected, "query {query:?}");
        }
    }

    #[test]
    fn every_word_must_match() {
        assert_eq!(names("github prod"), ["GitHub reader", "GitHub admin"]);
        assert_eq!(names("stripe dev"), Vec::<String>::new());
    }

    #[test]
    fn letters_match_in_order_only() {
        let cases = [
            ("gcr", "github:contents:read", true),
            ("rcg", "github:contents:read", false),
            ("", "anything", true),
            ("abc", "", false),
        ];
        for (needle, haystack, expected) in cases {
            assert_eq!(
                is_subsequence(needle, haystack),
                expected,
                "{needle} in {haystack}"
            );
        }
    }

    #[test]
    fn scores_cost_more_the_looser_the_match() {
        let keys = keys();
        let billing = &keys[3];
        let cases = [
            ("stripe", Some(1)),
            ("billing", Some(3)),
            ("charges", Some(5)),
            ("sbl", Some(9)),
            ("zzz", None),
        ];
        for (query, expected) in cases {
            assert_eq!(score(billing, query), expected, "query {query:?}");
        }
        assert_eq!(score(&keys[1], "github"), Some(0), "pinned, name prefix");
    }
}
