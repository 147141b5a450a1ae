//! Choosing the narrowest key for a request.
//!
//! Among active, unexpired keys of the request's provider whose scopes cover it, Till
//! picks the one that grants the least beyond the request (by the risk weight of the
//! extra scopes), then the least in all, then the most recently rotated. A key that
//! grants nothing beyond the request is "least privilege"; otherwise the choice is
//! "broader" and the caller must ask before using it. Keys with no scopes recorded are
//! never guessed at: the advice says to record them.

use chrono::{DateTime, Utc};

use super::{beyond, covers, parse_all, weight, Scope};
use crate::catalog;
use crate::model::{KeyMeta, KeyStatus};

/// The key chosen for a request, and how well it fits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice {
    pub key_id: String,
    pub name: String,
    /// Scopes the key grants beyond the request (empty: least privilege).
    pub beyond: Vec<String>,
    /// Risk weight of those extra scopes.
    pub extra_weight: u32,
    /// Risk weight of everything the key grants.
    pub weight: u32,
    pub last_rotated_at: DateTime<Utc>,
}

impl Choice {
    /// Whether the key grants more than the request.
    pub fn is_broader(&self) -> bool {
        !self.beyond.is_empty()
    }
}

/// The outcome of a pick.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Picked {
    Chosen(Choice),
    /// Nothing covers the request; the advice says what to create (or record).
    Nothing {
        advice: String,
    },
}

/// Picks the key for `request` (scopes of one provider) among `keys` at `now`.
pub fn pick(keys: &[KeyMeta], request: &[Scope], now: DateTime<Utc>) -> Picked {
    let Some(provider_id) = request.first().map(|s| s.provider.clone()) else {
        return Picked::Nothing {
            advice: "ask for at least one scope".into(),
        };
    };
    let usable = |k: &&KeyMeta| {
        k.provider == provider_id
            && k.status == KeyStatus::Active
            && k.expires_at.is_none_or(|at| at > now)
    };
    let mut unscoped = 0;
    let best = keys
        .iter()
        .filter(usable)
        .filter_map(|key| {
            // A scope that does not parse grants something unknown: it never helps cover
            // a request but still counts against the key.
            let granted: Vec<Scope> = key.scopes.iter().filter_map(|s| s.parse().ok()).collect();
            let unknown = key.scopes.len() - granted.len();
            if key.scopes.is_empty() {
                unscoped += 1;
                return None;
            }
            if !covers(&granted, request) {
                return None;
            }
            let extra: Vec<&Scope> = beyond(&granted, request);
            let unknown_weight = super::UNKNOWN_RISK * u32::try_from(unknown).unwrap_or(u32::MAX);
            let extra_weight = extra.iter().map(|s| s.risk()).sum::<u32>() + unknown_weight;
            Some(Choice {
                key_id: key.id.clone(),
                name: key.name.clone(),
                beyond: extra.iter().map(ToString::to_string).collect(),
                extra_weight,
                weight: weight(&granted) + unknown_weight,
                last_rotated_at: key.last_rotated_at,
            })
        })
        .min_by(|a, b| {
            a.extra_weight
                .cmp(&b.extra_weight)
                .then(a.weight.cmp(&b.weight))
                .then(b.last_rotated_at.cmp(&a.last_rotated_at))
                .then_with(|| a.name.cmp(&b.name))
        });
    match best {
        Some(choice) => Picked::Chosen(choice),
        None => Picked::Nothing {
            advice: advice(&provider_id, request, unscoped),
        },
    }
}

/// What to create at the provider when nothing covers the request.
fn advice(provider_id: &str, request: &[Scope], unscoped: usize) -> String {
    let provider = catalog::provider(provider_id);
    let name = provider.map_or(provider_id, |p| p.name.as_str());
    let wanted: Vec<String> = request
        .iter()
        .map(|scope| {
            let id = scope.to_string();
            provider
                .and_then(|p| p.scopes.iter().find(|s| s.id == id))
                .map_or(id.clone(), |s| format!("{id} ({})", s.description))
        })
        .collect();
    let mut text = format!(
        "no active {name} key covers {}: create a key with just that permission",
        wanted.join(", ")
    );
    if let Some(url) = provider.and_then(|p| p.console_url.as_deref()) {
        text.push_str(&format!(" at {url}"));
    }
    text.push_str(" and add it to Till");
    if unscoped > 0 {
        text.push_str(&format!(
            "; {unscoped} {name} key(s) have no scopes recorded: record them (Edit) so Till can \
             choose"
        ));
    }
    text
}

/// Parses a request: one or more scopes, all of the same provider.
pub fn parse_request<S: AsRef<str>>(texts: &[S]) -> Result<Vec<Scope>, crate::TillError> {
    let request = parse_all(texts)?;
    let Some(first) = request.first() else {
        return Err(crate::TillError::InvalidInput {
            what: "ask for at least one scope, e.g. github:contents:read".into(),
        });
    };
    if let Some(other) = request.iter().find(|s| s.provider != first.provider) {
        return Err(crate::TillError::InvalidInput {
            what: format!("one key serves one provider: {first} and {other} need separate copies"),
        });
    }
    Ok(request)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::tests_support::key;
    use proptest::prelude::*;

    fn at(text: &str) -> DateTime<Utc> {
        text.parse().unwrap()
    }

    fn scoped(name: &str, provider: &str, scopes: &[&str], rotated: &str) -> KeyMeta {
        let mut k = key(name, provider, "prod");
        k.scopes = scopes.iter().map(|s| (*s).to_owned()).collect();
        k.last_rotated_at = at(rotated);
        k
    }

    fn chosen(keys: &[KeyMeta], request: &[&str]) -> Picked {
        pick(
            keys,
            &parse_request(request).unwrap(),
            at("2026-06-01T00:00:00Z"),
        )
    }

    fn name_of(picked: &Picked) -> Option<(&str, bool)> {
        match picked {
            Picked::Chosen(c) => Some((c.name.as_str(), c.is_broader())),
            Picked::Nothing { .. } => None,
        }
    }

    #[test]
    fn github_the_read_only_key_beats_the_writer_and_the_admin() {
        let keys = [
            scoped("admin", "github", &["github:*:*"], "2026-05-01T00:00:00Z"),
            scoped(
                "writer",
                "github",
                &["github:contents:write"],
                "2026-05-01T00:00:00Z",
            ),
            scoped(
                "reader",
                "github",
                &["github:contents:read"],
                "2026-01-01T00:00:00Z",
            ),
        ];
        assert_eq!(
            name_of(&chosen(&keys, &["github:contents:read"])),
            Some(("reader", false))
        );
        assert_eq!(
            name_of(&chosen(&keys, &["github:contents:write"])),
            Some(("writer", false))
        );
        assert_eq!(
            name_of(&chosen(&keys, &["github:secrets:write"])),
            Some(("admin", true))
        );
    }

    #[test]
    fn stripe_restricted_keys_are_preferred_to_the_secret_key() {
        let keys = [
            scoped("secret", "stripe", &["stripe:*:*"], "2026-05-01T00:00:00Z"),
            scoped(
                "billing",
                "stripe",
                &["stripe:charges:write", "stripe:customers:read"],
                "2026-05-01T00:00:00Z",
            ),
            scoped(
                "refunds",
                "stripe",
                &["stripe:refunds:write"],
                "2026-05-01T00:00:00Z",
            ),
        ];
        assert_eq!(
            name_of(&chosen(&keys, &["stripe:charges:read"])),
            Some(("billing", true))
        );
        assert_eq!(
            name_of(&chosen(&keys, &["stripe:refunds:write"])),
            Some(("refunds", false))
        );
        assert_eq!(
            name_of(&chosen(&keys, &["stripe:payouts:write"])),
            Some(("secret", true))
        );
    }

    /// One table per provider: (keys with their scopes, request, expected key and whether
    /// it is broader than asked), on the catalog's real permissions and risks.
    #[test]
    fn each_provider_picks_its_narrowest_key() {
        type Case<'a> = (
            &'a str,
            &'a [(&'a str, &'a [&'a str])],
            &'a str,
            (&'a str, bool),
        );
        let cases: &[Case<'_>] = &[
            (
                "openai",
                &[
                    ("full", &["openai:*:*"]),
                    (
                        "chat",
                        &["openai:model_capabilities:write", "openai:models:read"],
                    ),
                ],
                "openai:models:read",
                ("chat", true),
            ),
            (
                "anthropic",
                &[
                    ("admin", &["anthropic:*:*"]),
                    ("app", &["anthropic:messages:write"]),
                ],
                "anthropic:messages:write",
                ("app", false),
            ),
            (
                "aws",
                &[
                    ("deployer", &["aws:s3:write", "aws:lambda:write"]),
                    ("reader", &["aws:s3:read"]),
                    ("root", &["aws:*:*"]),
                ],
                "aws:s3:read",
                ("reader", false),
            ),
            (
                "slack",
                &[
                    ("bot", &["slack:chat:write", "slack:channels:read"]),
                    ("admin", &["slack:*:*"]),
                ],
                "slack:chat:write",
                ("bot", true),
            ),
            (
                "cloudflare",
                &[
                    ("global", &["cloudflare:*:*"]),
                    ("dns", &["cloudflare:dns:write"]),
                ],
                "cloudflare:dns:read",
                ("dns", true),
            ),
            (
                "google",
                &[
                    ("gemini", &["google:generative_language:write"]),
                    ("maps", &["google:maps:read"]),
                ],
                "google:maps:read",
                ("maps", false),
            ),
            (
                "sendgrid",
                &[
                    ("full", &["sendgrid:*:*"]),
                    ("mailer", &["sendgrid:mail_send:write"]),
                ],
                "sendgrid:mail_send:write",
                ("mailer", false),
            ),
            (
                "huggingface",
                &[
                    (
                        "write",
                        &["huggingface:repos:write", "huggingface:inference:write"],
                    ),
                    ("read", &["huggingface:repos:read"]),
                ],
                "huggingface:inference:write",
                ("write", true),
            ),
            (
                "twilio",
                &[
                    ("main", &["twilio:*:*"]),
                    ("sms", &["twilio:messages:write"]),
                ],
                "twilio:messages:write",
                ("sms", false),
            ),
            (
                "openrouter",
                &[
                    ("provisioning", &["openrouter:*:*"]),
                    ("app", &["openrouter:completions:write"]),
                ],
                "openrouter:completions:write",
                ("app", false),
            ),
        ];
        for (provider, keys, request, expected) in cases {
            let keys: Vec<KeyMeta> = keys
                .iter()
                .map(|(name, scopes)| scoped(name, provider, scopes, "2026-05-01T00:00:00Z"))
                .collect();
            assert_eq!(
                name_of(&chosen(&keys, &[request])),
                Some(*expected),
                "{provider}: {request}"
            );
        }
    }

    #[test]
    fn ties_go_to_the_most_recently_rotated_and_expired_or_revoked_keys_never_win() {
        let mut old = scoped(
            "old",
            "openai",
            &["openai:models:read"],
            "2026-01-01T00:00:00Z",
        );
        let new = scoped(
            "new",
            "openai",
            &["openai:models:read"],
            "2026-05-01T00:00:00Z",
        );
        assert_eq!(
            name_of(&chosen(
                &[old.clone(), new.clone()],
                &["openai:models:read"]
            )),
            Some(("new", false))
        );
        let mut expired = new.clone();
        expired.expires_at = Some(at("2026-05-15T00:00:00Z"));
        old.status = KeyStatus::Revoked;
        assert!(name_of(&chosen(&[old, expired], &["openai:models:read"])).is_none());
    }

    #[test]
    fn nothing_covering_says_what_to_create_and_where() {
        let keys = [scoped("reader", "github", &[], "2026-05-01T00:00:00Z")];
        let Picked::Nothing { advice } = chosen(&keys, &["github:contents:write"]) else {
            panic!("nothing should cover it");
        };
        assert!(
            advice.contains("no active GitHub key covers github:contents:write"),
            "{advice}"
        );
        assert!(advice.contains("https://"), "{advice}");
        assert!(
            advice.contains("1 GitHub key(s) have no scopes recorded"),
            "{advice}"
        );
    }

    #[test]
    fn a_request_is_one_provider() {
        let error = parse_request(&["github:contents:read", "stripe:charges:read"]).unwrap_err();
        assert!(
            error.to_string().contains("one key serves one provider"),
            "{error}"
        );
        assert!(parse_request::<&str>(&[]).is_err());
    }

    const RESOURCES: &[&str] = &["contents", "issues", "pull_requests", "actions", "secrets"];

    fn any_scope() -> impl Strategy<Value = String> {
        (
            prop::sample::select(RESOURCES.iter().copied().chain(["*"]).collect::<Vec<_>>()),
            prop::sample::select(vec!["read", "write", "*"]),
        )
            .prop_map(|(resource, access)| format!("github:{resource}:{access}"))
    }

    proptest! {
        /// The chosen key covers the request, and no covering key grants strictly less
        /// beyond it.
        #[test]
        fn the_choice_covers_and_nothing_covering_is_narrower(
            key_scopes in prop::collection::vec(prop::collection::vec(any_scope(), 1..4), 1..8),
            request in prop::collection::vec(any_scope(), 1..3),
        ) {
            let keys: Vec<KeyMeta> = key_scopes
                .iter()
                .enumerate()
                .map(|(i, scopes)| {
                    let refs: Vec<&str> = scopes.iter().map(String::as_str).collect();
                    scoped(&format!("k{i}"), "github", &refs, "2026-05-01T00:00:00Z")
                })
                .collect();
            let asked = parse_request(&request).unwrap();
            let picked = pick(&keys, &asked, at("2026-06-01T00:00:00Z"));
            let covering: Vec<(&KeyMeta, u32)> = keys
                .iter()
                .filter_map(|k| {
                    let granted = parse_all(&k.scopes).unwrap();
                    covers(&granted, &asked).then(|| {
                        (k, beyond(&granted, &asked).iter().map(|s| s.risk()).sum())
                    })
                })
                .collect();
            match picked {
                Picked::Chosen(choice) => {
                    let key = keys.iter().find(|k| k.id == choice.key_id).unwrap();
                    prop_assert!(covers(&parse_all(&key.scopes).unwrap(), &asked));
                    for (_, extra) in &covering {
                        prop_assert!(choice.extra_weight <= *extra);
                    }
                }
                Picked::Nothing { .. } => prop_assert!(covering.is_empty()),
            }
        }
    }
}
