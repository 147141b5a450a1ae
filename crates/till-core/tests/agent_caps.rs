//! Raising an agent key's caps on a real vault: the grant goes on, the change is audited
//! with old → new, what is already spent cannot be capped away, a revoked key stays
//! revoked, and the cap alerts come again at the new caps.

#![allow(clippy::unwrap_used)] // test helpers: a panic is the failure report

#[path = "support/agent_vault.rs"]
mod agent_vault;

use till_core::agents::alerts::{self, AlertKind, AlertSettings};
use till_core::agents::{
    Caps, EndpointFamily, GrantEvent, GrantState, Provider, Token, UsageRecord,
};
use till_core::vault::{AuditAction, CapChange, NewGrant, Vault};
use till_core::ErrorCode;

const TOKEN_LIKE: &str = "till_sk_";

fn vault(root: &tempfile::TempDir) -> Vault {
    agent_vault::at(root, "2026-11-27T09:00:00Z".parse().unwrap())
}

fn mint(vault: &mut Vault, calls: u64) -> String {
    mint_with_token(vault, calls).0
}

fn mint_with_token(vault: &mut Vault, calls: u64) -> (String, Token) {
    let minted = vault
        .grants()
        .mint(NewGrant {
            key: "openai-ci".into(),
            label: "nightly summariser".into(),
            models: Some(vec!["gpt-4o-mini".into()]),
            endpoints: None,
            caps: Caps {
                calls: Some(calls),
                micro_usd: Some(1_000_000),
                rpm: Some(30),
                ..Caps::default()
            },
            expires_at: Some("2026-11-28T09:00:00Z".parse().unwrap()),
            created_by: "till agent mint".into(),
        })
        .unwrap();
    (minted.grant.id, minted.token)
}

/// `n` answered calls of 0.1 cent each, as the gateway records them.
fn spend(vault: &mut Vault, id: &str, n: u64) {
    for _ in 0..n {
        vault
            .grants()
            .record_usage(&UsageRecord {
                grant_id: id.into(),
                at: "2026-11-27T09:00:00Z".parse().unwrap(),
                provider: Provider::OpenAi,
                endpoint: EndpointFamily::Chat,
                model: "gpt-4o-mini".into(),
                input_tokens: 20,
                output_tokens: 10,
                micro_usd: 1_000,
                status: 200,
                latency_ms: 5,
                estimated: false,
            })
            .unwrap();
    }
}

fn calls(calls: u64) -> CapChange {
    CapChange {
        calls: Some(calls),
        micro_usd: Some(1_000_000),
        ..CapChange::default()
    }
}

/// The cap alerts due now, recorded as shown (what the app's watcher does).
fn cap_alerts(vault: &mut Vault) -> Vec<u8> {
    let settings = AlertSettings::default();
    let look = vault.agent_watch().look(&settings).unwrap();
    let marks = alerts::marks_for(&look.alerts, &settings);
    vault.agent_watch().record(marks).unwrap();
    look.alerts
        .iter()
        .filter_map(|a| match a.kind {
            AlertKind::Cap { percent, .. } => Some(percent),
            _ => None,
        })
        .collect()
}

#[test]
fn an_exhausted_key_given_a_higher_cap_is_active_again_and_audited() {
    let root = tempfile::tempdir().unwrap();
    let mut vault = vault(&root);
    let (id, token) = mint_with_token(&mut vault, 5);
    spend(&mut vault, &id, 5);
    let under = vault.grants().get(&id).unwrap().caps;
    vault
        .grants()
        .mark(
            &id,
            GrantEvent::Exhausted {
                at: "2026-11-27T09:00:00Z".parse().unwrap(),
                under,
            },
        )
        .unwrap();
    assert_eq!(
        vault.grants().get(&id).unwrap().state,
        GrantState::Exhausted
    );
    assert_eq!(cap_alerts(&mut vault), vec![100]);

    let raised = vault
        .grants()
        .set_caps(&id, calls(8), &AlertSettings::default())
        .unwrap();
    assert_eq!(raised.state, GrantState::Active);
    assert_eq!(raised.caps.calls, Some(8));
    assert_eq!(raised.caps.rpm, Some(30), "the rate stays as minted");
    assert_eq!(raised.used.calls, 5, "what was used stays used");

    // The gateway's look-up (a fresh read of the file per request) sees the new caps.
    let hash = vault.grants().token_key().hash(&token);
    let (grant, _key) = vault.grants().lookup(&hash).unwrap().unwrap();
    assert_eq!(
        (grant.state, grant.caps.calls),
        (GrantState::Active, Some(8))
    );

    let log = vault.audit_log().unwrap();
    let entry = log
        .iter()
        .rev()
        .find(|e| e.action == AuditAction::AgentCaps)
        .unwrap();
    let detail = entry.detail.as_deref().unwrap();
    assert_eq!(
        detail,
        format!("agent key {id} 'nightly summariser' caps raised: 5 calls → 8 calls")
    );
    assert!(!detail.contains(TOKEN_LIKE));
    assert_eq!(entry.key_name.as_deref(), Some("openai-ci"));
}

#[test]
fn cap_alerts_come_again_at_the_new_caps_and_not_for_what_is_past() {
    let root = tempfile::tempdir().unwrap();
    let mut vault = vault(&root);
    let id = mint(&mut vault, 5);
    spend(&mut vault, &id, 4);
    assert_eq!(cap_alerts(&mut vault), vec![80]);
    spend(&mut vault, &id, 1);
    assert_eq!(cap_alerts(&mut vault), vec![100]);
    // 5 of 6 is past the new 80 %: the person raising it knows, nothing is said now.
    vault
        .grants()
        .set_caps(&id, calls(6), &AlertSettings::default())
        .unwrap();
    assert!(cap_alerts(&mut vault).is_empty());
    spend(&mut vault, &id, 1);
    assert_eq!(cap_alerts(&mut vault), vec![100], "the new cap reached");
    // Raised to 20: 80 % (16 calls) and 100 % once each again.
    vault
        .grants()
        .set_caps(&id, calls(20), &AlertSettings::default())
        .unwrap();
    let mut seen = Vec::new();
    for _ in 6..20 {
        spend(&mut vault, &id, 1);
        seen.extend(cap_alerts(&mut vault));
    }
    assert_eq!(seen, vec![80, 100]);
}

#[test]
fn caps_cannot_go_below_what_is_spent_and_a_revoked_key_stays_revoked() {
    let root = tempfile::tempdir().unwrap();
    let mut vault = vault(&root);
    let id = mint(&mut vault, 10);
    spend(&mut vault, &id, 4);
    let audited = vault.audit_log().unwrap().len();
    for low in [2, 4] {
        let error = vault
            .grants()
            .set_caps(&id, calls(low), &AlertSettings::default())
            .unwrap_err();
        assert_eq!(error.code(), ErrorCode::InvalidInput);
        assert!(
            error.to_string().contains("already used 4 calls")
                && error.to_string().contains("give more than 4"),
            "{error}"
        );
    }
    let error = vault
        .grants()
        .set_caps(
            &id,
            CapChange {
                micro_usd: Some(3_000),
                ..calls(10)
            },
            &AlertSettings::default(),
        )
        .unwrap_err();
    assert!(
        error.to_string().contains("already used $0.004 dollars"),
        "{error}"
    );
    // Lowering to above what is used is allowed, and said as a change, not a raise.
    let lowered = vault
        .grants()
        .set_caps(&id, calls(6), &AlertSettings::default())
        .unwrap();
    assert_eq!(lowered.caps.calls, Some(6));
    let log = vault.audit_log().unwrap();
    assert_eq!(
        log.len(),
        audited + 1,
        "only the accepted change is audited"
    );
    assert!(log
        .last()
        .unwrap()
        .detail
        .as_deref()
        .unwrap()
        .ends_with("caps changed: 10 calls → 6 calls"));

    vault.grants().revoke(&id).unwrap();
    let error = vault
        .grants()
        .set_caps(&id, calls(50), &AlertSettings::default())
        .unwrap_err();
    assert!(error.to_string().contains("is revoked"), "{error}");
    let grant = vault.grants().get(&id).unwrap();
    assert_eq!(grant.state, GrantState::Revoked);
    assert_eq!(grant.caps.calls, Some(6));
    let error = vault
        .grants()
        .set_caps("g_nope", calls(50), &AlertSettings::default())
        .unwrap_err();
    assert!(error.to_string().contains("no agent key with id 'g_nope'"));
}

#[test]
fn a_cap_reached_under_the_old_caps_does_not_stop_a_key_raised_meanwhile() {
    let root = tempfile::tempdir().unwrap();
    let mut vault = vault(&root);
    let id = mint(&mut vault, 2);
    let old = vault.grants().get(&id).unwrap().caps;
    spend(&mut vault, &id, 1);
    // Raised while a request was in flight under the old cap of 2...
    vault
        .grants()
        .set_caps(&id, calls(5), &AlertSettings::default())
        .unwrap();
    // ...which settles and, by the old caps, reports the key exhausted.
    spend(&mut vault, &id, 1);
    let at = "2026-11-27T09:00:00Z".parse().unwrap();
    vault
        .grants()
        .mark(&id, GrantEvent::Exhausted { at, under: old })
        .unwrap();
    assert_eq!(vault.grants().get(&id).unwrap().state, GrantState::Active);
    // Under the new caps it is reported when they are used up.
    spend(&mut vault, &id, 3);
    let under = vault.grants().get(&id).unwrap().caps;
    vault
        .grants()
        .mark(&id, GrantEvent::Exhausted { at, under })
        .unwrap();
    assert_eq!(
        vault.grants().get(&id).unwrap().state,
        GrantState::Exhausted
    );
}

#[test]
fn exhaustion_reported_under_the_current_caps_stops_the_key_before_the_ledger_catches_up() {
    // Five calls admitted at once: the gateway's budget is used up when the fifth
    // settles, while the others may still be on their way into the ledger.
    let root = tempfile::tempdir().unwrap();
    let mut vault = vault(&root);
    let id = mint(&mut vault, 5);
    spend(&mut vault, &id, 2);
    let under = vault.grants().get(&id).unwrap().caps;
    let at = "2026-11-27T09:00:00Z".parse().unwrap();
    vault
        .grants()
        .mark(&id, GrantEvent::Exhausted { at, under })
        .unwrap();
    assert_eq!(
        vault.grants().get(&id).unwrap().state,
        GrantState::Exhausted
    );
}
