//! `till due`, `rotate`, `audit` and `verify` as scripts use them, with `TILL_NOW`
//! moving the clock and a loopback server standing in for the providers.
#![allow(clippy::unwrap_used)] // test helpers: a panic is the failure report

#[path = "../../till-core/tests/support/fake_providers.rs"]
#[allow(dead_code)] // shared with till-core's tests, which use all of it
mod fake_providers;
mod support;

use fake_providers::FakeProviders;
use support::{stderr, stdout, Home};

const OLD_VALUE: &str = "sk-proj-old-value-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";

/// A vault made on 5 January 2026 with one prod OpenAI key and one dev GitHub key.
fn home_with_keys() -> Home {
    let mut home = Home::new();
    home.at("2026-01-05T09:00:00Z").init();
    let add = |home: &Home, name: &str, provider: &str, env: &str, value: &str| {
        let out = home.with_password(
            &[
                "add",
                name,
                "--provider",
                provider,
                "--env",
                env,
                "--value-stdin",
            ],
            value,
        );
        assert!(out.status.success(), "{}", stderr(&out));
    };
    add(&home, "OpenAI prod", "openai", "prod", OLD_VALUE);
    add(
        &home,
        "GitHub dev",
        "github",
        "dev",
        "ghp_devvalue0000000000000000000000000000",
    );
    home
}

fn due_json(home: &Home) -> serde_json::Value {
    let out = home.with_password(&["due", "--json"], "");
    assert!(out.status.success(), "{}", stderr(&out));
    serde_json::from_str(&stdout(&out)).unwrap()
}

fn point_at(home: &Home, fake: &FakeProviders) {
    let config = home.root().join("config");
    std::fs::create_dir_all(&config).unwrap();
    std::fs::write(
        config.join("settings.toml"),
        format!(
            "[verify]\nbase_urls = {{ openai = \"{}\" }}\n",
            fake.base_url("openai")
        ),
    )
    .unwrap();
}

#[test]
fn due_lists_what_is_due_as_the_clock_moves() {
    let mut home = home_with_keys();
    assert_eq!(
        due_json(home.at("2026-02-01T09:00:00Z")),
        serde_json::json!([])
    );

    // 90 days after creation the prod key is due for rotation and audit; the dev key
    // (twice as long outside production) is not.
    let due = due_json(home.at("2026-04-05T10:00:00Z"));
    let lines: Vec<(String, String, String)> = due
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["name"].as_str().unwrap().to_owned(),
                d["kind"].as_str().unwrap().to_owned(),
                d["state"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert!(
        lines.contains(&("OpenAI prod".into(), "rotation".into(), "due".into())),
        "{lines:?}"
    );
    assert!(
        lines.iter().all(|(name, ..)| name == "OpenAI prod"),
        "{lines:?}"
    );
    assert_eq!(due[0]["due_at"], "2026-04-05T09:00:00Z");

    let later = due_json(home.at("2026-04-10T10:00:00Z"));
    assert!(later
        .as_array()
        .unwrap()
        .iter()
        .any(|d| d["kind"] == "rotation" && d["state"] == "overdue" && d["days"] == -5));
    let text = home.with_password(&["due"], "");
    assert!(
        stdout(&text).contains("OpenAI prod is 5 days overdue for rotation"),
        "{}",
        stdout(&text)
    );
}

#[test]
fn audit_ok_records_the_review_and_clears_the_audit_reminder() {
    let mut home = home_with_keys();
    home.at("2026-04-06T09:00:00Z");
    let out = home.with_password(
        &["audit", "OpenAI prod", "--ok", "--note", "owner is Ada"],
        "",
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("next audit due 2026-07-05"),
        "{}",
        stderr(&out)
    );
    let due = due_json(&home);
    assert!(
        due.as_array().unwrap().iter().all(|d| d["kind"] != "audit"),
        "{due}"
    );
    let log = home.with_password(&["log"], "");
    assert!(
        stdout(&log).contains("audited: owner is Ada"),
        "{}",
        stdout(&log)
    );

    let missing_ok = home.with_password(&["audit", "OpenAI prod"], "");
    assert_eq!(missing_ok.status.code(), Some(2), "{}", stderr(&missing_ok));
}

#[test]
fn verify_says_live_or_why_not_with_its_exit_code() {
    let fake = FakeProviders::start();
    let home = home_with_keys();
    point_at(&home, &fake);
    let live = home.with_password(&["verify", "OpenAI prod"], "");
    assert_eq!(live.status.code(), Some(0), "{}", stderr(&live));
    assert!(stdout(&live).contains("live: OpenAI accepted the key"));

    let revoked_value = "sk-proj-revoked-bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
    let out = home.with_password(&["edit", "OpenAI prod", "--value-stdin"], revoked_value);
    assert!(out.status.success(), "{}", stderr(&out));
    let revoked = home.with_password(&["verify", "OpenAI prod"], "");
    assert_eq!(revoked.status.code(), Some(1));
    assert!(
        stdout(&revoked).contains("refused the key (HTTP 401)"),
        "{}",
        stdout(&revoked)
    );
    assert!(!stdout(&revoked).contains(revoked_value));
}

#[test]
fn rotate_with_verify_stores_only_a_live_value() {
    let fake = FakeProviders::start();
    let mut home = home_with_keys();
    point_at(&home, &fake);
    home.at("2026-04-06T09:00:00Z");

    let dead = "sk-proj-revoked-cccccccccccccccccccccccccccccccccccccccccccccccc";
    let out = home.with_password(
        &["rotate", "OpenAI prod", "--value-stdin", "--verify"],
        dead,
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("not rotated"), "{}", stderr(&out));
    let get = home.with_password(&["get", "OpenAI prod"], "");
    assert_eq!(
        stdout(&get).trim(),
        OLD_VALUE,
        "a dead value must not replace the key"
    );

    let fresh = "sk-proj-fresh-dddddddddddddddddddddddddddddddddddddddddddddddddd";
    let out = home.with_password(
        &["rotate", "OpenAI prod", "--value-stdin", "--verify"],
        fresh,
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("kept until 2026-04-13"),
        "{}",
        stderr(&out)
    );
    assert!(
        stderr(&out).contains("Next rotation due 2026-07-05"),
        "{}",
        stderr(&out)
    );
    let get = home.with_password(&["get", "OpenAI prod"], "");
    assert_eq!(stdout(&get).trim(), fresh);
    let due = due_json(&home);
    assert!(
        due.as_array()
            .unwrap()
            .iter()
            .all(|d| d["kind"] != "rotation"),
        "{due}"
    );
    let log = home.with_password(&["log"], "");
    assert!(stdout(&log).contains("rotated"), "{}", stdout(&log));
}
