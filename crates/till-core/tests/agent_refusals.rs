//! The gateway's own refusals in a real vault: counted per grant, minute and code (a loop
//! of refused calls adds a row a minute, not a row a call), shown in the daily and hourly
//! numbers, and behind the alert for a `till run` key used after its run ended.

#![allow(clippy::unwrap_used)] // test helpers: a panic is the failure report

#[path = "support/agent_vault.rs"]
mod agent_vault;

use chrono::{DateTime, Duration, Utc};
use till_core::agents::alerts::{self, AlertKind, AlertSettings};
use till_core::agents::{Caps, EndpointFamily, Provider, RefusedCall, UsageRecord, RUN_CREATOR};
use till_core::vault::{NewGrant, Vault};
use till_core::TillPaths;

fn now() -> DateTime<Utc> {
    "2026-11-27T09:00:00Z".parse().unwrap()
}

fn vault(root: &tempfile::TempDir, at: DateTime<Utc>) -> Vault {
    agent_vault::at(root, at)
}

fn mint(vault: &mut Vault, label: &str, created_by: &str) -> String {
    vault
        .grants()
        .mint(NewGrant {
            key: "openai-ci".into(),
            label: label.into(),
            models: None,
            endpoints: None,
            caps: Caps {
                calls: Some(100),
                ..Caps::default()
            },
            expires_at: Some(now() + Duration::days(1)),
            created_by: created_by.into(),
        })
        .unwrap()
        .grant
        .id
}

fn refuse(vault: &mut Vault, id: &str, at: DateTime<Utc>, code: &str) {
    vault
        .grants()
        .record_refusal(&RefusedCall {
            grant_id: id.into(),
            at,
            code: code.into(),
            status: 401,
        })
        .unwrap();
}

fn rows(root: &tempfile::TempDir) -> i64 {
    let paths = TillPaths::under_root(root.path()).unwrap();
    let db = rusqlite::Connection::open(Vault::file(&paths)).unwrap();
    db.query_row("SELECT COUNT(*) FROM refusals", [], |row| row.get(0))
        .unwrap()
}

#[test]
fn a_loop_of_refused_calls_adds_a_row_a_minute_and_is_counted_in_full() {
    let root = tempfile::tempdir().unwrap();
    let mut vault = vault(&root, now());
    let id = mint(&mut vault, "looping agent", "till agent mint");
    // 600 refusals over two minutes (5 a second), for one reason.
    for i in 0..600 {
        refuse(
            &mut vault,
            &id,
            now() + Duration::milliseconds(200 * i),
            "rate_limit_exceeded",
        );
    }
    assert_eq!(rows(&root), 2, "one counter per minute");
    assert_eq!(vault.grants().get(&id).unwrap().refused, 600);
    let days = vault.grants().daily(1).unwrap();
    assert_eq!(days.len(), 1);
    assert_eq!((days[0].calls, days[0].refused), (0, 600));

    // Still refused 40 days on: the minutes older than a month go, the total stays.
    refuse(
        &mut vault,
        &id,
        now() + Duration::days(40),
        "rate_limit_exceeded",
    );
    assert_eq!(rows(&root), 1, "only the new minute is kept");
    assert_eq!(vault.grants().get(&id).unwrap().refused, 601);
}

#[test]
fn a_run_key_used_after_its_run_ended_raises_one_alert_with_the_count() {
    let root = tempfile::tempdir().unwrap();
    let mut vault = vault(&root, now());
    let run = mint(&mut vault, "nightly job", RUN_CREATOR);
    let manual = mint(&mut vault, "revoked by hand", "the window");
    vault.grants().revoke(&run).unwrap(); // the run ended at 09:00
    vault.grants().revoke(&manual).unwrap();
    assert_eq!(vault.grants().get(&run).unwrap().revoked_at, Some(now()));
    drop(vault);

    // Five minutes later a process still calls with both tokens.
    let later = now() + Duration::minutes(5);
    let mut vault = self::vault(&root, later);
    for id in [&run, &manual] {
        for s in 0..3 {
            refuse(
                &mut vault,
                id,
                later - Duration::seconds(s),
                "grant_revoked",
            );
        }
    }
    let settings = AlertSettings::default();
    let look = vault.agent_watch().look(&settings).unwrap();
    assert_eq!(look.alerts.len(), 1, "{:?}", look.alerts);
    let alert = &look.alerts[0];
    assert_eq!(alert.grant_id, run);
    assert!(matches!(alert.kind, AlertKind::AfterRun { uses: 3, .. }));
    assert_eq!(
        alert.summary(true),
        "Agent key 'nightly job' was used after its till run ended"
    );
    assert!(alert
        .body()
        .starts_with("Used 3 times after its till run ended at 09:00 UTC."));
    assert!(!alert.offers_revoke());
    vault
        .agent_watch()
        .record(alerts::marks_for(&look.alerts, &settings))
        .unwrap();
    refuse(&mut vault, &run, later, "grant_revoked");
    assert!(
        vault
            .agent_watch()
            .look(&settings)
            .unwrap()
            .alerts
            .is_empty(),
        "said once"
    );
}

#[test]
fn the_last_day_hour_by_hour_holds_calls_cost_and_refusals() {
    let root = tempfile::tempdir().unwrap();
    let mut vault = vault(&root, now() + Duration::minutes(30));
    let id = mint(&mut vault, "hourly", "till agent mint");
    let other = mint(&mut vault, "someone else", "till agent mint");
    let call = |grant: &str, at: DateTime<Utc>, status: u16| UsageRecord {
        grant_id: grant.into(),
        at,
        provider: Provider::OpenAi,
        endpoint: EndpointFamily::Chat,
        model: "gpt-4o-mini".into(),
        input_tokens: 20,
        output_tokens: 10,
        micro_usd: 1_500,
        status,
        latency_ms: 5,
        estimated: false,
    };
    for (at, status) in [
        (now() + Duration::minutes(1), 200),
        (now() + Duration::minutes(2), 200),
        (now() + Duration::minutes(3), 500),
        (now() - Duration::hours(5), 200),
        (now() - Duration::hours(30), 200), // older than the day
    ] {
        vault.grants().record_usage(&call(&id, at, status)).unwrap();
    }
    vault
        .grants()
        .record_usage(&call(&other, now(), 200))
        .unwrap();
    refuse(
        &mut vault,
        &id,
        now() + Duration::minutes(4),
        "grant_expired",
    );

    let day = vault.grants().hourly(&id).unwrap();
    assert_eq!(day.len(), 24);
    let last = day[23];
    assert_eq!(last.hour, now());
    assert_eq!(
        (last.calls, last.refused, last.tokens, last.micro_usd),
        (3, 2, 90, 4_500),
        "the provider's error and the gateway's refusal are both refused"
    );
    assert_eq!(
        (day[18].hour, day[18].calls),
        (now() - Duration::hours(5), 1)
    );
    assert_eq!(day.iter().map(|h| h.calls).sum::<u64>(), 4);
    assert!(vault.grants().hourly("g_nope").is_err());
}
