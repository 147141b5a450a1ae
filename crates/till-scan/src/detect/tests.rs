//! The engine on buffers: every form of a vault value, the catalog kinds, placeholders,
//! suppression, and a property test that a random value anywhere in random text is found.
#![allow(clippy::unwrap_used)]

use std::collections::HashMap;

use proptest::prelude::*;

use super::*;
use crate::decode::encode_base64;
use crate::VaultMatch;

/// A stand-in vault: the real one hashes with a keyed HMAC; the engine cannot tell.
struct Vault(HashMap<Vec<u8>, &'static str>);

impl Fingerprints for Vault {
    fn lookup(&self, candidate: &[u8]) -> Option<VaultMatch> {
        self.0.get(candidate).map(|name| VaultMatch {
            key: (*name).to_owned(),
            provider: "test".into(),
            fingerprint: "…".into(),
        })
    }
}

fn format(provider: &str, prefix: &str, regex: &str, agent_token: bool) -> Format {
    Format {
        provider: provider.into(),
        label: "key".into(),
        prefix: prefix.into(),
        regex: regex.into(),
        console_url: None,
        agent_token,
    }
}

fn redact(value: &str) -> String {
    let tail: String = value
        .chars()
        .rev()
        .take(4)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    format!("{}…{tail}", value.get(..3).unwrap_or(""))
}

fn scanner() -> Scanner {
    Scanner::new(
        vec![
            format("openai", "sk-proj-", r"^sk-proj-[A-Za-z0-9_-]{40,}$", false),
            format("stripe", "sk_live_", r"^sk_live_[A-Za-z0-9]{24,}$", false),
            format("github", "ghp_", r"^ghp_[A-Za-z0-9]{36}$", false),
            format("aws", "AKIA", r"^AKIA[0-9A-Z]{16}$", false),
            format(
                "slack",
                "xoxb-",
                r"^xoxb-[0-9]{10,13}-[0-9]{10,13}-[A-Za-z0-9]{24,}$",
                false,
            ),
            format("twilio", "SK", r"^SK[0-9a-f]{32}$", false),
            format("till", "till_sk_", r"^till_sk_[0-9A-Za-z]{40,}$", true),
        ],
        redact,
    )
    .unwrap()
}

const STRIPE: &str = "sk_live_4eC39HqLyjWDarjtT1zdp7dcQ2";
const GENERIC: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYq8Zt3=";
const OPENAI: &str = "sk-proj-T4nq8WvKc2LmX9pRz7YbJ3sHd6FgQ1aE_k0-Vw5u";

fn vault() -> Vault {
    Vault(HashMap::from([
        (STRIPE.as_bytes().to_vec(), "Stripe prod"),
        (GENERIC.as_bytes().to_vec(), "Legacy secret"),
        (OPENAI.as_bytes().to_vec(), "OpenAI"),
    ]))
}

fn kinds(text: &str) -> Vec<(usize, Kind, Option<String>, Encoding)> {
    scanner()
        .scan(text.as_bytes(), &vault())
        .into_iter()
        .map(|f| (f.line, f.kind, f.key, f.encoding))
        .collect()
}

fn vault_key(
    line: usize,
    name: &str,
    encoding: Encoding,
) -> (usize, Kind, Option<String>, Encoding) {
    (line, Kind::VaultKey, Some(name.into()), encoding)
}

#[test]
fn vault_values_are_found_in_every_form() {
    let url = GENERIC
        .replace('/', "%2F")
        .replace('+', "%2B")
        .replace('=', "%3D");
    let json_escaped = OPENAI.replace('-', "\\u002d");
    let json_slash = GENERIC.replace('/', "\\/");
    let shell = STRIPE.replace('_', "\\_");
    let cases = [
        (
            format!("stripe.api_key = \"{STRIPE}\""),
            Encoding::Raw,
            "Stripe prod",
        ),
        (format!("STRIPE={STRIPE}"), Encoding::Raw, "Stripe prod"),
        (
            format!("  stripe: {}", encode_base64(STRIPE.as_bytes(), false)),
            Encoding::Base64,
            "Stripe prod",
        ),
        (
            format!("  key: {}==", encode_base64(GENERIC.as_bytes(), false)),
            Encoding::Base64,
            "Legacy secret",
        ),
        (
            format!("GET /v1?api_key={url}&x=1"),
            Encoding::Url,
            "Legacy secret",
        ),
        (
            format!("{{\"openai\": \"{json_escaped}\"}}"),
            Encoding::Json,
            "OpenAI",
        ),
        (
            format!("{{\"secret\": \"{json_slash}\"}}"),
            Encoding::Json,
            "Legacy secret",
        ),
        (
            format!("export KEY={shell}"),
            Encoding::Shell,
            "Stripe prod",
        ),
        (
            format!("Authorization: Bearer {GENERIC}"),
            Encoding::Raw,
            "Legacy secret",
        ),
        (
            format!(
                "ENV: {}",
                encode_base64(format!("A=1\nSTRIPE={STRIPE}\n").as_bytes(), false)
            ),
            Encoding::Base64,
            "Stripe prod",
        ),
        (
            format!(
                "ENV: {}",
                encode_base64(format!("AB=1\nSTRIPE={STRIPE}\n").as_bytes(), true)
            ),
            Encoding::Base64,
            "Stripe prod",
        ),
        (
            format!(
                "ENV: {}",
                encode_base64(format!("ABC=1\nSTRIPE={STRIPE}\n").as_bytes(), false)
            ),
            Encoding::Base64,
            "Stripe prod",
        ),
    ];
    for (text, encoding, name) in cases {
        let text = format!("# config\n{text}\n");
        assert_eq!(kinds(&text), vec![vault_key(2, name, encoding)], "{text}");
    }
}

#[test]
fn unknown_keys_and_till_tokens_are_found_by_format() {
    let text = "\
openai = 'sk-proj-Zq8vN3xL0pT7rW2yK5mB9cF4hJ6gD1sAZq8vN3xL'
gh: ghp_Zq8vN3xL0pT7rW2yK5mB9cF4hJ6gD1sAq9Rt
aws_access_key_id = AKIAZ7Q3N5R8T2W4Y6B1
slack: xoxb-283749201846-5018273645091-Zq8vN3xL0pT7rW2yK5mB9cF4
stripe: sk_live_Zq8vN3xL0pT7rW2yK5mB9cF4
agent: till_sk_Zq8vN3xL0pT7rW2yK5mB9cF4hJ6gD1sAq9RtUv7w
";
    let found = scanner().scan(text.as_bytes(), &vault());
    let got: Vec<_> = found
        .iter()
        .map(|f| (f.line, f.kind, f.provider.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            (1, Kind::UnknownKey, "openai"),
            (2, Kind::UnknownKey, "github"),
            (3, Kind::UnknownKey, "aws"),
            (4, Kind::UnknownKey, "slack"),
            (5, Kind::UnknownKey, "stripe"),
            (6, Kind::TillToken, "till"),
        ]
    );
    assert_eq!(found[0].fingerprint, "sk-…N3xL");
}

#[test]
fn decoys_and_placeholders_are_not_reported() {
    let mut changed = STRIPE.to_owned();
    changed.replace_range(12..13, "Z");
    let text = format!(
        "\
a = \"{changed}\"
b = \"{truncated}\"
OPENAI_API_KEY=sk-proj-XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX
api_key = \"your-api-key\"
STRIPE=sk_live_xxxxxxxxxxxxxxxxxxxxxxxxxxxx
STRIPE=sk_live_000000000000000000000000
aws = AKIAIOSFODNN7EXAMPLE
id = \"6f1c2a9e-4b7d-4e8f-9a0b-1c2d3e4f5a6b\"
commit = 3f786850e387550fdab836ed7e6dc881de23001b
task-manager skills sketch SKIP
",
        truncated = &STRIPE[..20],
    );
    let found = scanner().scan(text.as_bytes(), &vault());
    assert!(found.iter().all(|f| f.kind != Kind::VaultKey), "{found:?}");
    // The one-character change is still a real Stripe format: an unknown key, not ours.
    let got: Vec<_> = found.iter().map(|f| (f.line, f.kind)).collect();
    assert_eq!(got, [(1, Kind::UnknownKey)], "{found:?}");
}

#[test]
fn till_allow_suppresses_its_line_only() {
    let text = format!("a = \"{STRIPE}\"  # till:allow\nb = \"{STRIPE}\"\n");
    assert_eq!(
        kinds(&text),
        vec![vault_key(2, "Stripe prod", Encoding::Raw)]
    );
}

#[test]
fn one_finding_per_value_and_line_numbers_count_lines() {
    let text = format!("\n\n\nAPI_KEY=\"{STRIPE}\" # also {STRIPE}\n\n{STRIPE}");
    let found = kinds(&text);
    assert_eq!(
        found,
        vec![
            vault_key(4, "Stripe prod", Encoding::Raw),
            vault_key(6, "Stripe prod", Encoding::Raw)
        ]
    );
}

#[test]
fn nothing_shows_a_value() {
    let text = format!("a={STRIPE}\nb=sk_live_Zq8vN3xL0pT7rW2yK5mB9cF4\n");
    for f in scanner().scan(text.as_bytes(), &vault()) {
        let shown = format!("{f:?}");
        assert!(
            !shown.contains("4eC39HqLyjWD") && !shown.contains("Zq8vN3xL0pT7"),
            "{shown}"
        );
    }
}

fn random_value() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop::sample::select(
            b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789".to_vec(),
        ),
        32..64,
    )
    .prop_map(|b| String::from_utf8(b).unwrap())
    .prop_filter("random enough", |v| {
        crate::entropy::shannon(v.as_bytes()) >= 4.0
    })
}

fn random_text() -> impl Strategy<Value = String> {
    proptest::collection::vec("[ -~]{0,60}", 0..20).prop_map(|lines| lines.join("\n"))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn a_random_vault_value_planted_anywhere_is_found(
        body in random_value(),
        text in random_text(),
        at in any::<prop::sample::Index>(),
        form in 0usize..4,
    ) {
        let value = format!("sk_live_{body}");
        let vault = Vault(HashMap::from([(value.as_bytes().to_vec(), "Planted")]));
        let written = match form {
            0 => format!("\"{value}\""),
            1 => format!("STRIPE_KEY={value}"),
            2 => format!("data: {}", encode_base64(value.as_bytes(), false)),
            _ => format!("{{\"k\": \"{}\"}}", value.replace('_', "\\u005f")),
        };
        // Plant on a line of its own, between random lines.
        let mut lines: Vec<&str> = text.lines().collect();
        let line = at.index(lines.len() + 1);
        lines.insert(line, &written);
        let haystack = lines.join("\n");
        let found = scanner().scan(haystack.as_bytes(), &vault);
        prop_assert!(
            found.iter().any(|f| f.kind == Kind::VaultKey && f.key.as_deref() == Some("Planted") && f.line == line + 1),
            "{found:?}"
        );
    }
}
