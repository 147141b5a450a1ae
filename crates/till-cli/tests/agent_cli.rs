//! `till agent caps` from the real binary: raising an agent key's caps changes what
//! `till agent list` shows and is audited with old → new; a cap under what is spent, a
//! revoked key and a call with no cap named are refused in one line.
#![allow(clippy::unwrap_used)] // test helpers: a panic is the failure report

mod support;

use support::{assert_one_line_error, stderr, stdout, Home};

const OPENAI: &str = "sk-proj-AGENTCLIopenaiVALUE00000000000000000000000000001";

fn home_with_agent_key() -> (Home, String) {
    let home = Home::new();
    home.init();
    let out = home.with_password(
        &["add", "oa", "--provider", "openai", "--value-stdin"],
        OPENAI,
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let out = home.with_password(
        &[
            "agent",
            "mint",
            "--key",
            "oa",
            "--label",
            "nightly",
            "--models",
            "gpt-4o-mini",
            "--max-calls",
            "2",
            "--max-usd",
            "0.50",
            "--json",
        ],
        "",
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let minted: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    (home, minted["id"].as_str().unwrap().to_owned())
}

fn listed(home: &Home) -> serde_json::Value {
    let out = home.with_password(&["agent", "list", "--json"], "");
    assert!(out.status.success(), "{}", stderr(&out));
    serde_json::from_str::<serde_json::Value>(&stdout(&out)).unwrap()[0].clone()
}

#[test]
fn caps_are_raised_by_flag_and_the_others_are_kept() {
    let (home, id) = home_with_agent_key();
    let out = home.with_password(
        &["agent", "caps", &id, "--max-calls", "10", "--max-usd", "2"],
        "",
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(&format!(
            "Agent key {id} 'nightly' is active with caps 10 calls, $2.00"
        )),
        "{}",
        stderr(&out)
    );
    let grant = listed(&home);
    assert_eq!(grant["caps"]["calls"], 10);
    assert_eq!(grant["caps"]["micro_usd"], 2_000_000);
    // Only the token cap is named: the others stay.
    let out = home.with_password(&["agent", "caps", &id, "--max-tokens", "5000"], "");
    assert!(out.status.success(), "{}", stderr(&out));
    let grant = listed(&home);
    assert_eq!(
        (&grant["caps"]["calls"], &grant["caps"]["tokens"]),
        (&serde_json::json!(10), &serde_json::json!(5000))
    );

    let log = stdout(&home.with_password(&["log"], ""));
    assert!(
        log.contains(&format!(
            "agent key {id} 'nightly' caps raised: 2 calls → 10 calls, $0.50 → $2.00"
        )),
        "{log}"
    );
    assert!(!log.contains("till_sk_"), "no token in the log");
}

#[test]
fn bad_caps_and_revoked_keys_are_refused_in_one_line() {
    let (home, id) = home_with_agent_key();
    // No cap named: a usage error, nothing changed.
    let out = home.with_password(&["agent", "caps", &id], "");
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert_one_line_error(
        &home.with_password(&["agent", "caps", &id, "--max-calls", "0"], ""),
        14,
        "a cap of zero would refuse every request",
    );
    assert_one_line_error(
        &home.with_password(&["agent", "caps", &id, "--max-usd", "lots"], ""),
        14,
        "",
    );
    let out = home.with_password(&["agent", "revoke", &id], "");
    assert!(out.status.success(), "{}", stderr(&out));
    assert_one_line_error(
        &home.with_password(&["agent", "caps", &id, "--max-calls", "9"], ""),
        14,
        "is revoked: its caps can no longer change; mint a new agent key",
    );
    assert_one_line_error(
        &home.with_password(&["agent", "caps", "g_nope", "--max-calls", "9"], ""),
        14,
        "no agent key with id 'g_nope'",
    );
    assert_eq!(listed(&home)["caps"]["calls"], 2);
}
