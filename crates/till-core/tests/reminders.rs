//! Reminders and rotations on a real vault: the runbook's steps recorded and resumable,
//! announcements remembered across restarts and clock changes, snoozes and audits, and
//! the locked tray's count.

#![allow(clippy::unwrap_used)] // test helpers: a panic is the failure report

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, Utc};
use secrecy::SecretString;
use till_core::crypto::kdf::KdfParams;
use till_core::model::{KeyChanges, NewKey, RotationStep};
use till_core::reminders::{DueKind, DueState, Notice};
use till_core::settings::Settings;
use till_core::vault::{due_while_locked, AuditAction, RotationInput, Unlock, Vault};
use till_core::verify::{Check, Outcome};
use till_core::{Clock, ErrorCode, TillPaths};

/// A clock the test moves by hand.
#[derive(Debug)]
struct HandClock(Mutex<DateTime<Utc>>);

impl HandClock {
    fn at(text: &str) -> Arc<Self> {
        Arc::new(Self(Mutex::new(text.parse().unwrap())))
    }
    fn set(&self, text: &str) {
        *self.0.lock().unwrap() = text.parse().unwrap();
    }
}

impl Clock for HandClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap()
    }
}

const PASSWORD: &str = "correct horse battery staple";

fn setup(clock: Arc<HandClock>) -> (tempfile::TempDir, TillPaths, Vault) {
    let root = tempfile::tempdir().unwrap();
    let paths = TillPaths::under_root(root.path()).unwrap();
    let vault = Vault::create(
        &paths,
        &SecretString::from(PASSWORD),
        KdfParams::OWASP_FLOOR,
        None,
        clock,
        &Settings::default(),
    )
    .unwrap();
    (root, paths, vault)
}

fn reopen(paths: &TillPaths, vault: Vault, clock: Arc<HandClock>) -> Vault {
    vault.lock().unwrap();
    Vault::open(
        paths,
        Unlock::Password(&SecretString::from(PASSWORD)),
        clock,
        &Settings::default(),
    )
    .unwrap()
}

fn prod_key(name: &str, value: &str) -> NewKey {
    let mut key = NewKey::new(name, SecretString::from(value));
    key.provider = Some("openai".into());
    key.environment = Some("prod".into());
    key
}

fn live() -> Check {
    Check {
        outcome: Outcome::Live,
        message: "live: OpenAI accepted the key".into(),
    }
}

#[test]
fn a_rotation_runbook_records_every_step_and_resumes_after_a_restart() {
    let clock = HandClock::at("2026-11-27T09:00:00Z");
    let (_root, paths, mut vault) = setup(clock.clone());
    vault
        .keys_mut()
        .add(prod_key(
            "OpenAI prod",
            "sk-proj-old-value-0000000000000000",
        ))
        .unwrap();
    vault
        .keys_mut()
        .edit(
            "OpenAI prod",
            KeyChanges {
                places: Some(vec!["GitHub Actions".into(), "prod k8s".into()]),
                ..KeyChanges::default()
            },
        )
        .unwrap();

    // Out of order is refused and says what comes first.
    let error = vault
        .rotation()
        .step("OpenAI prod", RotationInput::OldUnused)
        .unwrap_err();
    assert!(error.to_string().contains("start the runbook"), "{error}");
    vault
        .rotation()
        .step("OpenAI prod", RotationInput::Start)
        .unwrap();
    vault
        .rotation()
        .step("OpenAI prod", RotationInput::Created)
        .unwrap();

    // Left here; Till restarts a day later and the runbook is where it was.
    clock.set("2026-11-28T10:00:00Z");
    let mut vault = reopen(&paths, vault, clock.clone());
    let run = vault
        .keys()
        .find("OpenAI prod")
        .unwrap()
        .rotation
        .clone()
        .unwrap();
    assert_eq!(run.step, RotationStep::PasteNew);
    let error = vault
        .rotation()
        .step("OpenAI prod", RotationInput::Revoked)
        .unwrap_err();
    assert!(error.to_string().contains("paste the new key"), "{error}");

    let new_value = "sk-proj-new-value-1111111111111111";
    let meta = vault
        .rotation()
        .step(
            "OpenAI prod",
            RotationInput::Paste(SecretString::from(new_value)),
        )
        .unwrap();
    assert_eq!(meta.rotation.as_ref().unwrap().step, RotationStep::Verify);
    assert_eq!(
        meta.history.len(),
        1,
        "the old value is kept for a rollback"
    );
    assert_eq!(meta.last_rotated_at, clock.now());

    let meta = {
        let ticket = vault.values().for_check("OpenAI prod").unwrap();
        vault.reminders().record_check(ticket, &live())
    }
    .unwrap();
    assert_eq!(
        meta.rotation.as_ref().unwrap().step,
        RotationStep::UpdatePlaces
    );
    let error = vault
        .rotation()
        .step("OpenAI prod", RotationInput::PlacesDone)
        .unwrap_err();
    assert!(
        error.to_string().contains("GitHub Actions, prod k8s"),
        "{error}"
    );
    for place in ["GitHub Actions", "prod k8s"] {
        vault
            .rotation()
            .step("OpenAI prod", RotationInput::PlaceUpdated(place.into()))
            .unwrap();
    }
    vault
        .rotation()
        .step("OpenAI prod", RotationInput::PlacesDone)
        .unwrap();
    vault
        .rotation()
        .step("OpenAI prod", RotationInput::OldUnused)
        .unwrap();
    let done = vault
        .rotation()
        .step("OpenAI prod", RotationInput::Revoked)
        .unwrap();
    assert!(done.rotation.is_none());

    let steps: Vec<String> = vault
        .audit_log()
        .unwrap()
        .into_iter()
        .filter(|e| matches!(e.action, AuditAction::Rotation | AuditAction::Verify))
        .map(|e| e.detail.unwrap_or_default())
        .collect();
    let expected = [
        "runbook started",
        "new key created at the provider",
        "rotation: new key pasted",
        "(live)",
        "updated to the new key: GitHub Actions",
        "updated to the new key: prod k8s",
        "all 2 places updated",
        "confirmed unused",
        "rotation finished",
    ];
    assert_eq!(steps.len(), expected.len(), "{steps:#?}");
    for (step, want) in steps.iter().zip(expected) {
        assert!(step.contains(want), "{step:?} should contain {want:?}");
    }
    assert!(matches!(
        vault.verify_audit().unwrap(),
        till_core::vault::Verdict::Intact { .. }
    ));
}

#[test]
fn reminders_are_announced_once_across_restarts_and_clock_changes() {
    // A prod OpenAI key: rotation every 90 days, warned 14 days ahead.
    let clock = HandClock::at("2026-01-05T09:00:00Z");
    let (_root, paths, mut vault) = setup(clock.clone());
    let mut key = prod_key("OpenAI prod", "sk-proj-value-2222222222222222");
    key.audit_every_days = Some(365);
    vault.keys_mut().add(key).unwrap();
    assert!(vault.reminders().plan().unwrap().notices.is_empty());

    clock.set("2026-04-05T10:00:00Z");
    let plan = vault.reminders().plan().unwrap();
    let summaries: Vec<String> = plan.notices.iter().map(Notice::summary).collect();
    assert_eq!(summaries, ["OpenAI prod is due for rotation today"]);
    vault.reminders().record_announced(&plan.announced).unwrap();

    // Restart, and the clock set back a week then forward again: nothing is repeated.
    clock.set("2026-03-29T10:00:00Z");
    let mut vault = reopen(&paths, vault, clock.clone());
    assert!(vault.reminders().plan().unwrap().notices.is_empty());
    clock.set("2026-04-05T11:00:00Z");
    assert!(vault.reminders().plan().unwrap().notices.is_empty());

    // The next day it is overdue: announced once more.
    clock.set("2026-04-06T10:00:00Z");
    let plan = vault.reminders().plan().unwrap();
    assert_eq!(plan.notices.len(), 1);
    assert_eq!(plan.items[0].state, DueState::Overdue);
}

#[test]
fn snoozing_and_auditing_are_recorded_and_move_the_reminders() {
    let clock = HandClock::at("2026-01-05T09:00:00Z");
    let (_root, _paths, mut vault) = setup(clock.clone());
    vault
        .keys_mut()
        .add(prod_key("OpenAI prod", "sk-proj-value-3333333333333333"))
        .unwrap();
    // Prod audits are due every 90 days from creation.
    clock.set("2026-04-06T09:00:00Z");
    let kinds: Vec<DueKind> = vault.due_items().iter().map(|i| i.kind).collect();
    assert!(kinds.contains(&DueKind::Audit), "{kinds:?}");

    let until = clock.now() + Duration::days(1);
    vault.reminders().snooze("OpenAI prod", until).unwrap();
    let plan = vault.reminders().plan().unwrap();
    assert!(plan.notices.is_empty());
    assert_eq!(plan.next_wake, Some(until));

    let audited = vault
        .reminders()
        .mark_audited("OpenAI prod", Some("owner confirmed"))
        .unwrap();
    assert_eq!(audited.last_audited_at, Some(clock.now()));
    assert!(vault.due_items().iter().all(|i| i.kind != DueKind::Audit));
    let error = vault
        .reminders()
        .skip_audit("OpenAI prod", "  ")
        .unwrap_err();
    assert_eq!(error.code(), ErrorCode::InvalidInput);
    let log = vault.audit_log().unwrap();
    let details: Vec<String> = log.iter().filter_map(|e| e.detail.clone()).collect();
    assert!(details
        .iter()
        .any(|d| d.starts_with("reminders held until")));
    assert!(details.iter().any(|d| d == "audited: owner confirmed"));
}

#[test]
fn the_locked_tray_counts_due_keys_without_the_password() {
    let clock = HandClock::at("2026-01-05T09:00:00Z");
    let (_root, paths, mut vault) = setup(clock.clone());
    vault
        .keys_mut()
        .add(prod_key("OpenAI prod", "sk-proj-value-4444444444444444"))
        .unwrap();
    let mut dev = NewKey::new("Dev key", SecretString::from("dev-value-5555555555555555"));
    dev.rotate_every_days = Some(365);
    dev.audit_every_days = Some(365);
    vault.keys_mut().add(dev).unwrap();
    vault.lock().unwrap();

    let at = |text: &str| text.parse::<DateTime<Utc>>().unwrap();
    let before = due_while_locked(&paths, at("2026-03-01T00:00:00Z")).unwrap();
    assert_eq!(before.due, 0);
    // The prod key's rotation and audit fall due 90 days after 5 January, at 09:00.
    assert_eq!(before.next_due_at, Some(at("2026-04-05T09:00:00Z")));
    assert_eq!(
        due_while_locked(&paths, at("2026-04-06T00:00:00Z"))
            .unwrap()
            .due,
        1
    );
    let later = due_while_locked(&paths, at("2027-02-01T00:00:00Z")).unwrap();
    assert_eq!((later.due, later.next_due_at), (2, None));
}
