//! Live checks for real over HTTP, against a loopback server that answers like each
//! provider: live, revoked, rate limited, slow, unreachable, and the rules that keep a
//! key from going anywhere but its provider over TLS.

#![allow(clippy::unwrap_used)] // test helpers: a panic is the failure report

mod support;

use secrecy::SecretString;
use support::fake_providers::FakeProviders;
use till_core::catalog;
use till_core::verify::{check, Check, Outcome, VerifySettings};

fn run(provider: &str, value: &str, settings: &VerifySettings) -> Check {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let provider = catalog::provider(provider).unwrap();
    runtime.block_on(check(
        provider,
        &SecretString::from(value.to_owned()),
        settings,
    ))
}

fn settings_for(fake: &FakeProviders) -> VerifySettings {
    let mut settings = VerifySettings::default();
    for provider in catalog::providers().iter().filter(|p| p.verify.is_some()) {
        settings
            .base_urls
            .insert(provider.id.clone(), fake.base_url(&provider.id));
    }
    settings
}

/// Every provider's check reaches the right endpoint with the right authentication:
/// the fake knows each provider's real API and refuses anything else.
#[test]
fn every_checkable_provider_answers_live_and_revoked() {
    let fake = FakeProviders::start();
    let settings = settings_for(&fake);
    let checkable: Vec<_> = catalog::providers()
        .iter()
        .filter(|p| p.verify.is_some())
        .collect();
    assert!(checkable.len() >= 10, "{}", checkable.len());
    for provider in checkable {
        let live = run(&provider.id, "key-that-works-0123456789", &settings);
        assert_eq!(
            live.outcome,
            Outcome::Live,
            "{}: {}",
            provider.id,
            live.message
        );
        let revoked = run(&provider.id, "key-revoked-0123456789", &settings);
        assert_eq!(
            revoked.outcome,
            Outcome::Revoked,
            "{}: {}",
            provider.id,
            revoked.message
        );
        assert!(revoked.message.contains("revoked, expired or wrong"));
        assert!(
            !revoked.message.contains("0123456789"),
            "{}",
            revoked.message
        );
    }
}

#[test]
fn forbidden_rate_limited_slow_and_down_are_told_apart() {
    let fake = FakeProviders::start();
    let mut settings = settings_for(&fake);
    let forbidden = run("openai", "sk-forbidden-key", &settings);
    assert_eq!(forbidden.outcome, Outcome::Revoked, "{}", forbidden.message);
    assert!(forbidden.message.contains("HTTP 403"));
    let limited = run("openai", "sk-ratelimited-key", &settings);
    assert_eq!(limited.outcome, Outcome::Live, "{}", limited.message);
    assert!(limited.message.contains("rate limiting"));

    settings.timeout_secs = 1;
    let slow = run("openai", "sk-slow-key", &settings);
    assert_eq!(slow.outcome, Outcome::Unreachable, "{}", slow.message);
    assert!(
        slow.message.contains("no answer within 1 s"),
        "{}",
        slow.message
    );

    // Nothing listens on port 9 (discard) on loopback.
    settings
        .base_urls
        .insert("openai".into(), "http://127.0.0.1:9/openai".into());
    let down = run("openai", "sk-any-key", &settings);
    assert_eq!(down.outcome, Outcome::Unreachable, "{}", down.message);
    assert!(
        down.message.contains("could not connect"),
        "{}",
        down.message
    );
}

#[test]
fn keys_go_only_to_https_or_loopback_and_some_providers_cannot_be_checked() {
    let mut settings = VerifySettings::default();
    settings
        .base_urls
        .insert("openai".into(), "http://example.com/openai".into());
    let refused = run("openai", "sk-any-key", &settings);
    assert_eq!(refused.outcome, Outcome::NotChecked);
    assert!(
        refused.message.contains("only over https"),
        "{}",
        refused.message
    );

    let aws = run("aws", "AKIAIOSFODNN7EXAMPLE", &VerifySettings::default());
    assert_eq!(aws.outcome, Outcome::NotChecked);
    assert!(
        aws.message.contains("sts get-caller-identity"),
        "{}",
        aws.message
    );
}

#[test]
fn the_key_reaches_only_its_own_provider() {
    let fake = FakeProviders::start();
    let settings = settings_for(&fake);
    let live = run("anthropic", "sk-ant-key-that-works", &settings);
    assert!(live.is_live(), "{}", live.message);
    let requests = fake.requests();
    let requests = requests.as_array().unwrap();
    assert_eq!(requests.len(), 1, "{requests:?}");
    assert_eq!(requests[0]["provider"], "anthropic");
    assert_eq!(requests[0]["authorized"], true);
}
