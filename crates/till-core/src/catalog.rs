//! The provider catalog: one data file per provider (`crates/till-core/catalog/*.toml`).
//!
//! One catalog feeds everything provider-specific: recognising a pasted value, console
//! links for creating and revoking keys, recommended rotation intervals, the scope
//! catalog (descriptions, risk, what implies what), live verification, and the
//! environment variables `till run` sets for a key (and whether the gateway fronts it).
//! Adding a provider is adding a file, not code.

use std::sync::OnceLock;

use regex::Regex;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// The catalog files, compiled in.
const SOURCES: &[(&str, &str)] = &[
    ("openai", include_str!("../catalog/openai.toml")),
    ("anthropic", include_str!("../catalog/anthropic.toml")),
    ("google", include_str!("../catalog/google.toml")),
    ("aws", include_str!("../catalog/aws.toml")),
    ("github", include_str!("../catalog/github.toml")),
    ("stripe", include_str!("../catalog/stripe.toml")),
    ("slack", include_str!("../catalog/slack.toml")),
    ("twilio", include_str!("../catalog/twilio.toml")),
    ("sendgrid", include_str!("../catalog/sendgrid.toml")),
    ("openrouter", include_str!("../catalog/openrouter.toml")),
    ("mistral", include_str!("../catalog/mistral.toml")),
    ("groq", include_str!("../catalog/groq.toml")),
    ("huggingface", include_str!("../catalog/huggingface.toml")),
    ("cloudflare", include_str!("../catalog/cloudflare.toml")),
    ("till", include_str!("../catalog/till.toml")),
    ("generic", include_str!("../catalog/generic.toml")),
];

/// The id of the catch-all provider.
pub const GENERIC: &str = "generic";

/// The id of Till's own agent tokens (issued by the gateway), a provider of their own so
/// they are recognised and found by the leak scanner like any other format.
pub const TILL: &str = "till";

/// A provider as the UI lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Provider {
    pub id: String,
    pub name: String,
    pub console_url: Option<String>,
    pub docs_url: Option<String>,
    pub rotate_every_days: u32,
    #[serde(default, rename = "pattern")]
    #[ts(skip)]
    pub patterns: Vec<KeyPattern>,
    /// The cheapest authenticated call that shows a key is live, if there is one.
    #[serde(default)]
    #[ts(skip)]
    pub verify: Option<VerifySpec>,
    /// Why keys of this provider cannot be checked with the key alone.
    #[serde(default)]
    pub verify_note: Option<String>,
    /// The provider's permissions as scopes, with what each allows and how risky it is.
    #[serde(default, rename(deserialize = "scope"))]
    pub scopes: Vec<ScopeInfo>,
    /// What `till run` puts in a child's environment for a key of this provider.
    #[serde(default)]
    #[ts(skip)]
    pub run: RunEnv,
}

/// The environment variables a provider's SDKs read, for `till run` (`[run]` in the file).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunEnv {
    /// Each gets the key (or, when the gateway fronts the provider, the agent key). Empty
    /// for the generic provider: its keys need an explicit `--env VAR=till://NAME`.
    #[serde(default)]
    pub key_vars: Vec<String>,
    /// True when Till's gateway fronts this provider: the child gets an agent key and the
    /// gateway's URL, never the real key.
    #[serde(default)]
    pub gateway: bool,
    /// Base URL variables and the gateway path each points at (`/openai/v1`), appended to
    /// the gateway's root. Only for gateway providers.
    #[serde(default)]
    pub base_url_vars: std::collections::BTreeMap<String, String>,
    /// Variables the SDKs also need that one key cannot give (AWS's secret access key).
    #[serde(default)]
    pub requires: Vec<String>,
    /// How to provide `requires`, said when one is missing.
    #[serde(default)]
    pub note: Option<String>,
}

/// One permission of a provider, as a scope.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
#[ts(export)]
pub struct ScopeInfo {
    /// `provider:resource:access`.
    pub id: String,
    pub description: String,
    /// How much a leak of this permission could cost, 1–100.
    pub risk: u32,
}

/// How to check a key is live: one authenticated request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VerifySpec {
    /// `https://host`, no path; the only place the key is ever sent.
    pub base_url: String,
    pub method: VerifyMethod,
    pub path: String,
    pub auth: VerifyAuth,
    /// The header (`auth = "header"`) or query parameter (`auth = "query"`) name.
    #[serde(default)]
    pub auth_name: Option<String>,
    #[serde(default)]
    pub headers: std::collections::BTreeMap<String, String>,
    /// A 2xx reply counts as live only if this top-level JSON field is `true` (Slack).
    #[serde(default)]
    pub ok_json_field: Option<String>,
}

/// The HTTP method of a check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum VerifyMethod {
    #[serde(rename = "GET")]
    Get,
    #[serde(rename = "POST")]
    Post,
}

/// How the key travels in a check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VerifyAuth {
    /// `Authorization: Bearer KEY`.
    Bearer,
    /// A named header carries the key.
    Header,
    /// HTTP Basic with the key as the user name and no password.
    Basic,
    /// A named query parameter carries the key.
    Query,
}

/// One recognisable key format of a provider.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyPattern {
    /// What kind of key this is ("project key", "restricted key").
    pub label: String,
    /// The literal prefix; when several providers match, the longest prefix wins.
    pub prefix: String,
    /// The whole value must match.
    pub regex: String,
}

/// What a pasted value was recognised as.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct Recognition {
    pub provider_id: String,
    pub provider_name: String,
    pub kind: String,
}

struct Compiled {
    providers: Vec<Provider>,
    patterns: Vec<(usize, usize, Regex)>,
}

fn compiled() -> &'static Compiled {
    static CATALOG: OnceLock<Compiled> = OnceLock::new();
    CATALOG.get_or_init(|| {
        let providers: Vec<Provider> = SOURCES
            .iter()
            .map(|(id, text)| {
                let provider: Provider = toml::from_str(text)
                    .unwrap_or_else(|e| panic!("catalog/{id}.toml is invalid: {e}"));
                assert_eq!(&provider.id, id, "catalog/{id}.toml has the wrong id");
                provider
            })
            .collect();
        let mut patterns = Vec::new();
        for (p, provider) in providers.iter().enumerate() {
            for (k, pattern) in provider.patterns.iter().enumerate() {
                let regex = Regex::new(&pattern.regex)
                    .unwrap_or_else(|e| panic!("catalog/{}.toml: bad regex: {e}", provider.id));
                patterns.push((p, k, regex));
            }
        }
        Compiled {
            providers,
            patterns,
        }
    })
}

/// Every provider, in catalog order (generic last).
pub fn providers() -> &'static [Provider] {
    &compiled().providers
}

/// The providers a key can be stored for: every one but Till's own agent tokens, which
/// live as grants and are never kept as keys.
pub fn storable_providers() -> impl Iterator<Item = &'static Provider> {
    providers().iter().filter(|p| p.id != TILL)
}

/// The provider with this id.
pub fn provider(id: &str) -> Option<&'static Provider> {
    providers().iter().find(|p| p.id == id)
}

/// The provider with this id, or the generic one for an id the catalog does not know.
pub fn provider_or_generic(id: &str) -> &'static Provider {
    provider(id)
        .or_else(|| provider(GENERIC))
        .unwrap_or_else(|| panic!("catalog/{GENERIC}.toml is compiled in"))
}

/// One key format, as the leak scanner takes it: a literal prefix to search for and the
/// regex the whole value must match.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyFormat {
    pub provider_id: &'static str,
    pub provider_name: &'static str,
    /// What kind of key this is ("project key", "agent token").
    pub label: &'static str,
    pub prefix: &'static str,
    /// Anchored (`^…$`): the whole value must match.
    pub regex: &'static str,
    /// Where keys of this provider are revoked or replaced, if the catalog knows.
    pub console_url: Option<&'static str>,
}

/// Every provider's key formats, in catalog order, for the leak scanner.
pub fn key_formats() -> Vec<KeyFormat> {
    providers()
        .iter()
        .flat_map(|provider| {
            provider.patterns.iter().map(move |pattern| KeyFormat {
                provider_id: &provider.id,
                provider_name: &provider.name,
                label: &pattern.label,
                prefix: &pattern.prefix,
                regex: &pattern.regex,
                console_url: provider.console_url.as_deref(),
            })
        })
        .collect()
}

/// Recognises a value's provider from its format; `None` when nothing matches.
/// Surrounding whitespace (from copying) is ignored.
pub fn recognize(value: &str) -> Option<Recognition> {
    let value = value.trim();
    let catalog = compiled();
    catalog
        .patterns
        .iter()
        .filter(|(_, _, regex)| regex.is_match(value))
        .max_by_key(|(p, k, _)| catalog.providers[*p].patterns[*k].prefix.len())
        .map(|(p, k, _)| {
            let provider = &catalog.providers[*p];
            Recognition {
                provider_id: provider.id.clone(),
                provider_name: provider.name.clone(),
                kind: provider.patterns[*k].label.clone(),
            }
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(value: &str) -> Option<String> {
        recognize(value).map(|r| r.provider_id)
    }

    #[test]
    fn the_catalog_loads_with_every_required_provider() {
        let ids: Vec<_> = providers().iter().map(|p| p.id.as_str()).collect();
        for required in [
            "openai",
            "anthropic",
            "google",
            "aws",
            "github",
            "stripe",
            "slack",
            "twilio",
            "sendgrid",
            "openrouter",
            "mistral",
            "groq",
            "huggingface",
            "cloudflare",
            "till",
            "generic",
        ] {
            assert!(ids.contains(&required), "{required} is missing");
        }
        assert!(providers().iter().all(|p| p.rotate_every_days > 0));
    }

    #[test]
    fn every_provider_can_be_checked_or_says_why_not() {
        for provider in providers() {
            match (&provider.verify, &provider.verify_note) {
                (Some(spec), None) => {
                    assert!(spec.base_url.starts_with("https://"), "{}", provider.id);
                    assert!(!spec.base_url.ends_with('/'), "{}", provider.id);
                    assert!(spec.path.starts_with('/'), "{}", provider.id);
                    let named = matches!(spec.auth, VerifyAuth::Header | VerifyAuth::Query);
                    assert_eq!(named, spec.auth_name.is_some(), "{}", provider.id);
                }
                (None, Some(note)) => assert!(!note.is_empty(), "{}", provider.id),
                _ => panic!("{}: give either [verify] or verify_note", provider.id),
            }
        }
    }

    #[test]
    fn run_variables_are_data_and_only_llm_providers_go_through_the_gateway() {
        let var = |s: &str| {
            !s.is_empty()
                && s.chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
        };
        let mut fronted = Vec::new();
        for provider in providers() {
            let run = &provider.run;
            // Generic keys are named with --env; Till's own tokens are never injected.
            assert_eq!(
                run.key_vars.is_empty(),
                provider.id == GENERIC || provider.id == TILL,
                "{}",
                provider.id
            );
            assert!(run.key_vars.iter().all(|v| var(v)), "{}", provider.id);
            assert_eq!(
                run.gateway,
                !run.base_url_vars.is_empty(),
                "{}",
                provider.id
            );
            for (name, path) in &run.base_url_vars {
                assert!(var(name) && path.starts_with('/'), "{}", provider.id);
                assert!(!path.ends_with('/'), "{}", provider.id);
            }
            assert_eq!(
                run.requires.is_empty(),
                run.note.is_none(),
                "{}",
                provider.id
            );
            if run.gateway {
                fronted.push(provider.id.as_str());
            }
        }
        assert_eq!(
            fronted,
            ["openai", "anthropic", "openrouter", "mistral", "groq"]
        );
        let openai = provider("openai").unwrap();
        assert_eq!(openai.run.key_vars, ["OPENAI_API_KEY"]);
        assert_eq!(openai.run.base_url_vars["OPENAI_BASE_URL"], "/openai/v1");
        assert_eq!(
            provider("aws").unwrap().run.requires,
            ["AWS_SECRET_ACCESS_KEY"]
        );
        assert_eq!(
            provider("google").unwrap().run.key_vars,
            ["GEMINI_API_KEY", "GOOGLE_API_KEY"]
        );
    }

    #[test]
    fn real_key_formats_are_recognised() {
        let a = |n: usize| "a".repeat(n);
        let d = |n: usize| "7".repeat(n);
        let cases = [
            (format!("sk-proj-{}", a(48)), "openai"),
            (format!("sk-svcacct-{}", a(48)), "openai"),
            (format!("sk-ant-api03-{}AA", a(93)), "anthropic"),
            (format!("AIza{}", a(35)), "google"),
            ("AKIAIOSFODNN7EXAMPLE".to_string(), "aws"),
            (format!("ghp_{}", a(36)), "github"),
            (format!("github_pat_11{}", a(80)), "github"),
            (format!("sk_live_{}", a(24)), "stripe"),
            (format!("rk_test_{}", a(40)), "stripe"),
            (format!("xoxb-{}-{}-{}", d(12), d(13), a(24)), "slack"),
            (format!("SK{}", "0123456789abcdef".repeat(2)), "twilio"),
            (format!("SG.{}.{}", a(22), a(43)), "sendgrid"),
            (format!("sk-or-v1-{}", "0a".repeat(32)), "openrouter"),
            (format!("gsk_{}", a(52)), "groq"),
            (format!("hf_{}", a(34)), "huggingface"),
            (format!("till_sk_{}", a(43)), "till"),
        ];
        for (value, expected) in cases {
            assert_eq!(id(&value).as_deref(), Some(expected), "{value}");
        }
    }

    #[test]
    fn the_most_specific_prefix_wins_and_whitespace_is_ignored() {
        let openrouter = format!("  sk-or-v1-{}\n", "ab".repeat(32));
        assert_eq!(id(&openrouter).as_deref(), Some("openrouter"));
        let r = recognize(&format!("rk_live_{}", "Z".repeat(30))).unwrap();
        assert_eq!(r.kind, "live restricted key");
        assert_eq!(r.provider_name, "Stripe");
    }

    #[test]
    fn every_key_format_is_anchored_and_starts_with_its_prefix() {
        let formats = key_formats();
        assert!(formats
            .iter()
            .any(|f| f.provider_id == TILL && f.prefix == "till_sk_"));
        for format in formats {
            assert!(!format.prefix.is_empty(), "{}", format.provider_id);
            assert!(format.regex.starts_with('^'), "{}", format.regex);
            assert!(format.regex.ends_with('$'), "{}", format.regex);
            assert!(
                format.regex[1..]
                    .replace('\\', "")
                    .starts_with(format.prefix),
                "{}: the regex must start with the prefix",
                format.provider_id
            );
        }
    }

    #[test]
    fn unknown_or_truncated_values_are_not_guessed() {
        assert_eq!(id("hello world"), None);
        assert_eq!(id("sk-proj-short"), None);
        assert_eq!(id(&"x".repeat(32)), None);
        assert_eq!(id("AKIAIOSFODNN7EXAMPL"), None);
    }
}
