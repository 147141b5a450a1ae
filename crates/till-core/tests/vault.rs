//! The vault on real files: create, unlock both ways, add, use, remove, audit, and every
//! kind of bad input leaving the vault file unchanged.

#![allow(clippy::unwrap_used)] // test helpers: a panic is the failure report

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use rusqlite::Connection;
use secrecy::{ExposeSecret, SecretString};
use till_core::clock::FixedClock;
use till_core::crypto::kdf::KdfParams;
use till_core::keyring::Keyring;
use till_core::model::NewKey;
use till_core::settings::Settings;
use till_core::vault::{AuditAction, Unlock, ValueUse, Vault, Verdict};
use till_core::{ErrorCode, TillPaths};

const PASSWORD: &str = "correct horse battery staple";

struct Fixture {
    _root: tempfile::TempDir,
    paths: TillPaths,
    keyring: Keyring,
}

fn clock() -> Arc<FixedClock> {
    Arc::new(FixedClock("2026-11-27T09:00:00Z".parse().unwrap()))
}

fn password() -> SecretString {
    SecretString::from(PASSWORD)
}

fn fixture() -> Fixture {
    let root = tempfile::tempdir().unwrap();
    let paths = TillPaths::under_root(root.path()).unwrap();
    Fixture {
        _root: root,
        paths,
        keyring: Keyring::in_memory(),
    }
}

fn create(f: &Fixture, with_keyring: bool) -> Vault {
    let keyring = with_keyring.then_some(&f.keyring);
    Vault::create(
        &f.paths,
        &password(),
        KdfParams::OWASP_FLOOR,
        keyring,
        clock(),
        &Settings::default(),
    )
    .unwrap()
}

fn new_key(name: &str, value: &str) -> NewKey {
    NewKey::new(name, SecretString::from(value))
}

/// Every file under `dir` with its bytes, to prove a failed operation changed nothing.
fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut files = BTreeMap::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() {
            files.insert(path.display().to_string(), std::fs::read(&path).unwrap());
        }
    }
    files
}

#[test]
fn a_new_vault_opens_with_the_keyring_and_with_the_password() {
    let f = fixture();
    let mut vault = create(&f, true);
    vault
        .keys_mut()
        .add(new_key("OpenAI prod", "sk-proj-aaaaaaaaaaaaaaaaaaaa1234"))
        .unwrap();
    vault.lock().unwrap();

    let by_keyring = Vault::open(
        &f.paths,
        Unlock::Keyring(&f.keyring),
        clock(),
        &Settings::default(),
    )
    .unwrap();
    assert_eq!(by_keyring.keys()[0].name, "OpenAI prod");
    drop(by_keyring);
    let by_password = Vault::open(
        &f.paths,
        Unlock::Password(&password()),
        clock(),
        &Settings::default(),
    )
    .unwrap();
    assert_eq!(by_password.keys()[0].fingerprint, "sk-…1234");
}

#[test]
fn an_always_ask_vault_needs_the_password() {
    let f = fixture();
    create(&f, false).lock().unwrap();
    let err = Vault::open(
        &f.paths,
        Unlock::Keyring(&f.keyring),
        clock(),
        &Settings::default(),
    )
    .unwrap_err();
    assert_eq!(err.code(), ErrorCode::PasswordRequired);
    assert!(err.to_string().contains("always ask"), "{err}");
}

#[test]
fn creating_twice_or_opening_nothing_is_explained() {
    let f = fixture();
    let err = Vault::open(
        &f.paths,
        Unlock::Password(&password()),
        clock(),
        &Settings::default(),
    )
    .unwrap_err();
    assert_eq!(err.code(), ErrorCode::VaultMissing);
    assert!(err.to_string().contains("till init"), "{err}");
    create(&f, false).lock().unwrap();
    let err = Vault::create(
        &f.paths,
        &password(),
        KdfParams::OWASP_FLOOR,
        None,
        clock(),
        &Settings::default(),
    )
    .unwrap_err();
    assert_eq!(err.code(), ErrorCode::VaultExists);
}

#[test]
fn a_wrong_password_changes_nothing_and_backs_off() {
    let f = fixture();
    create(&f, false).lock().unwrap();
    let before = snapshot(&f.paths.data_dir);
    let wrong = SecretString::from("Correct horse battery staple");
    for _ in 0..3 {
        let err = Vault::open(
            &f.paths,
            Unlock::Password(&wrong),
            clock(),
            &Settings::default(),
        )
        .unwrap_err();
        assert_eq!(err.code(), ErrorCode::WrongPassword);
    }
    assert_eq!(
        snapshot(&f.paths.data_dir),
        before,
        "the vault files are unchanged"
    );
    // The fourth try at the same instant is refused before any work is done.
    let err = Vault::open(
        &f.paths,
        Unlock::Password(&password()),
        clock(),
        &Settings::default(),
    )
    .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Throttled);

    // Later, the right password opens it and the failures are in the audit log.
    let later = Arc::new(FixedClock("2026-11-27T09:05:00Z".parse().unwrap()));
    let vault = Vault::open(
        &f.paths,
        Unlock::Password(&password()),
        later,
        &Settings::default(),
    )
    .unwrap();
    let actions: Vec<_> = vault
        .audit_log()
        .unwrap()
        .iter()
        .map(|e| e.action)
        .collect();
    assert_eq!(
        actions
            .iter()
            .filter(|a| **a == AuditAction::FailedUnlock)
            .count(),
        3
    );
    assert_eq!(
        vault.verify_audit().unwrap(),
        Verdict::Intact { entries: 6 }
    );
}

#[test]
fn keys_are_added_found_used_and_removed_with_an_audit_trail() {
    let f = fixture();
    let mut vault = create(&f, false);
    let mut stripe = new_key("Stripe billing", "rk_live_0123456789abcdefWXYZ");
    stripe.provider = Some("stripe".into());
    stripe.environment = Some("prod".into());
    stripe.scopes = vec!["stripe:charges:read".into()];
    stripe.owner = Some("ada".into());
    stripe.rotate_every_days = Some(90);
    vault.keys_mut().add(stripe).unwrap();
    vault
        .keys_mut()
        .add(new_key(
            "GitHub CI",
            "ghp_0123456789abcdef0123456789abcdefAAAA",
        ))
        .unwrap();

    assert_eq!(vault.keys().len(), 2);
    assert_eq!(
        vault.keys().find("GitHub CI").unwrap().provider,
        "github",
        "recognised from the value"
    );
    let mut bad = new_key("x", "some-other-value-0123456789");
    bad.provider = Some("acme".into());
    let err = vault.keys_mut().add(bad).unwrap_err();
    assert!(err.to_string().contains("unknown provider 'acme'"), "{err}");
    assert_eq!(vault.keys().search("charges:read").len(), 1);
    assert_eq!(vault.keys().search("ADA")[0].name, "Stripe billing");
    let due = vault
        .view(vault.keys().find("Stripe billing").unwrap())
        .next_rotation_due;
    assert_eq!(due.to_rfc3339(), "2027-02-25T09:00:00+00:00");

    let value = vault
        .values()
        .open("GitHub CI", ValueUse::Reveal("test".into()))
        .unwrap();
    assert_eq!(
        value.expose_secret(),
        "ghp_0123456789abcdef0123456789abcdefAAAA"
    );

    let err = vault
        .keys_mut()
        .add(new_key("Stripe billing", "another-value-0123456789"))
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Conflict);
    let err = vault
        .keys_mut()
        .add(new_key("Copy", "rk_live_0123456789abcdefWXYZ"))
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("already stored as 'Stripe billing'"),
        "{err}"
    );

    vault.keys_mut().remove("GitHub CI").unwrap();
    let err = vault
        .values()
        .open("GitHub CI", ValueUse::Reveal("test".into()))
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::NotFound);

    let log: Vec<_> = vault
        .audit_log()
        .unwrap()
        .into_iter()
        .map(|e| (e.action, e.key_name))
        .collect();
    assert_eq!(
        log,
        vec![
            (AuditAction::Create, None),
            (AuditAction::Create, Some("Stripe billing".into())),
            (AuditAction::Create, Some("GitHub CI".into())),
            (AuditAction::Reveal, Some("GitHub CI".into())),
            (AuditAction::Delete, Some("GitHub CI".into())),
        ]
    );
    assert_eq!(
        vault.verify_audit().unwrap(),
        Verdict::Intact { entries: 5 }
    );
}

#[test]
fn nothing_readable_is_left_at_rest() {
    let f = fixture();
    let mut vault = create(&f, true);
    let secrets = [
        ("name-unique-7f3a91", "value-unique-c0ffee-4242424242"),
        ("name-unique-b81d22", "value-unique-deadbeef-1717171717"),
    ];
    for (name, value) in secrets {
        let mut key = new_key(name, value);
        key.notes = Some(format!("note-unique-{name}"));
        key.owner = Some("owner-unique-zz9".into());
        vault.keys_mut().add(key).unwrap();
    }
    vault
        .values()
        .open("name-unique-7f3a91", ValueUse::Reveal("test".into()))
        .unwrap();
    drop(vault); // leave WAL contents in place, as a crash would

    let mut needles: Vec<String> = secrets
        .iter()
        .flat_map(|(n, v)| [n.to_string(), v.to_string()])
        .collect();
    needles.push("note-unique-".into());
    needles.push("owner-unique-zz9".into());
    let root = f.paths.data_dir.parent().unwrap();
    let mut scanned = 0;
    for entry in walk(root) {
        let bytes = std::fs::read(&entry).unwrap();
        scanned += bytes.len();
        for needle in &needles {
            assert!(
                !bytes.windows(needle.len()).any(|w| w == needle.as_bytes()),
                "'{needle}' found in plaintext in {}",
                entry.display()
            );
        }
    }
    assert!(
        scanned > 4096,
        "the scan saw the vault's files ({scanned} bytes)"
    );
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}

fn db(f: &Fixture) -> Connection {
    Connection::open(Vault::file(&f.paths)).unwrap()
}

#[test]
fn an_edited_removed_or_truncated_audit_log_is_reported_with_its_place() {
    let f = fixture();
    let mut vault = create(&f, false);
    for i in 0..4 {
        vault
            .keys_mut()
            .add(new_key(
                &format!("key {i}"),
                &format!("value-number-{i}-abcdefghij"),
            ))
            .unwrap();
    }
    drop(vault);
    let open = || {
        Vault::open(
            &f.paths,
            Unlock::Password(&password()),
            clock(),
            &Settings::default(),
        )
        .unwrap()
    };

    db(&f)
        .execute(
            "UPDATE audit_log SET at = '2020-01-01T00:00:00+00:00' WHERE seq = 3",
            [],
        )
        .unwrap();
    match open().verify_audit().unwrap() {
        Verdict::Broken { seq, problem } => {
            assert_eq!(seq, 3);
            assert!(problem.contains("edited"), "{problem}");
        }
        other => panic!("tampering not found: {other:?}"),
    }

    db(&f)
        .execute("DELETE FROM audit_log WHERE seq = 3", [])
        .unwrap();
    match open().verify_audit().unwrap() {
        Verdict::Broken { seq, problem } => {
            assert_eq!(seq, 3);
            assert!(problem.contains("missing"), "{problem}");
        }
        other => panic!("removal not found: {other:?}"),
    }
}

#[test]
fn a_value_moved_to_another_key_does_not_open() {
    let f = fixture();
    let mut vault = create(&f, false);
    let a = vault
        .keys_mut()
        .add(new_key("a", "value-of-key-a-0123456789"))
        .unwrap();
    let b = vault
        .keys_mut()
        .add(new_key("b", "value-of-key-b-0123456789"))
        .unwrap();
    drop(vault);
    let conn = db(&f);
    let sealed_a: Vec<u8> = conn
        .query_row(
            "SELECT sealed FROM records WHERE id = ?1 AND kind = 'value'",
            [&a.id],
            |r| r.get(0),
        )
        .unwrap();
    conn.execute(
        "UPDATE records SET sealed = ?1 WHERE id = ?2 AND kind = 'value'",
        rusqlite::params![sealed_a, b.id],
    )
    .unwrap();
    let mut vault = Vault::open(
        &f.paths,
        Unlock::Password(&password()),
        clock(),
        &Settings::default(),
    )
    .unwrap();
    let err = vault
        .values()
        .open("b", ValueUse::Reveal("test".into()))
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Corrupt);
    assert!(err.to_string().contains("tampered"), "{err}");
}

#[test]
fn garbage_truncated_and_newer_files_are_refused_and_left_alone() {
    let f = fixture();
    create(&f, false).lock().unwrap();
    let file = Vault::file(&f.paths);
    // Fold the WAL into the main file so truncation below hits real pages.
    db(&f)
        .pragma_update(None, "wal_checkpoint", "TRUNCATE")
        .unwrap();

    let newer = db(&f);
    newer.pragma_update(None, "user_version", 99).unwrap();
    drop(newer);
    let err = Vault::open(
        &f.paths,
        Unlock::Password(&password()),
        clock(),
        &Settings::default(),
    )
    .unwrap_err();
    assert!(err.to_string().contains("newer Till"), "{err}");

    let original = std::fs::read(&file).unwrap();
    std::fs::write(&file, &original[..original.len() / 3]).unwrap();
    let truncated = snapshot(&f.paths.data_dir);
    let err = Vault::open(
        &f.paths,
        Unlock::Password(&password()),
        clock(),
        &Settings::default(),
    )
    .unwrap_err();
    assert!(
        matches!(err.code(), ErrorCode::Corrupt | ErrorCode::Storage),
        "{err}"
    );
    assert_eq!(snapshot(&f.paths.data_dir), truncated);

    std::fs::write(
        &file,
        b"this is not a database at all, just text padding it out",
    )
    .unwrap();
    let err = Vault::open(
        &f.paths,
        Unlock::Password(&password()),
        clock(),
        &Settings::default(),
    )
    .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Corrupt, "{err}");
    assert!(
        err.to_string().contains("restore it from a backup"),
        "{err}"
    );
}

#[test]
fn bad_values_are_refused_with_the_vault_unchanged() {
    let f = fixture();
    let mut vault = create(&f, false);
    let before = snapshot(&f.paths.data_dir);
    let huge = "k".repeat(1024 * 1024);
    for (value, expect) in [
        (huge.as_str(), "limit"),
        ("abc\u{0}def-0123456789", "control characters"),
        ("   ", "empty"),
    ] {
        let err = vault.keys_mut().add(new_key("x", value)).unwrap_err();
        assert_eq!(err.code(), ErrorCode::InvalidInput);
        assert!(err.to_string().contains(expect), "{err}");
    }
    let err = vault
        .keys_mut()
        .add(new_key("bad\u{1b}[31mname", "ok-value-0123456789"))
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidInput);
    assert_eq!(snapshot(&f.paths.data_dir), before);
}

/// The real Secret Service, when the test runs inside scripts/lib/desktop-session.sh.
#[test]
fn the_os_keyring_opens_the_vault() {
    if std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_none() {
        eprintln!("skipped: no D-Bus session (run through scripts/test for the real keyring)");
        return;
    }
    let root = tempfile::tempdir().unwrap();
    let paths = TillPaths::under_root(root.path()).unwrap();
    let keyring = Keyring::connect().expect("gnome-keyring is running in the test session");
    let vault = Vault::create(
        &paths,
        &password(),
        KdfParams::OWASP_FLOOR,
        Some(&keyring),
        clock(),
        &Settings::default(),
    )
    .unwrap();
    let id = vault.id().to_owned();
    vault.lock().unwrap();
    let reopened = Keyring::connect().unwrap();
    let vault = Vault::open(
        &paths,
        Unlock::Keyring(&reopened),
        clock(),
        &Settings::default(),
    )
    .unwrap();
    assert_eq!(vault.id(), id);
    reopened.delete(&id).unwrap();
    let err = Vault::open(
        &paths,
        Unlock::Keyring(&reopened),
        clock(),
        &Settings::default(),
    )
    .unwrap_err();
    assert_eq!(err.code(), ErrorCode::PasswordRequired);
}

#[test]
fn changing_the_password_rewraps_without_touching_records() {
    let f = fixture();
    let mut vault = create(&f, true);
    vault
        .keys_mut()
        .add(new_key("k", "value-for-rewrap-0123456789"))
        .unwrap();
    let records_before: Vec<Vec<u8>> = {
        let conn = db(&f);
        let mut st = conn
            .prepare("SELECT sealed FROM records ORDER BY id, kind")
            .unwrap();
        st.query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    let new_password = SecretString::from("a brand new passphrase");
    let err = vault
        .check_password(&SecretString::from("not it at all"))
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::WrongPassword);
    vault.check_password(&password()).unwrap();
    vault
        .change_password(&new_password, KdfParams::OWASP_FLOOR)
        .unwrap();
    let err = vault
        .change_password(&SecretString::from("short"), KdfParams::OWASP_FLOOR)
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidInput);
    drop(vault);

    let records_after: Vec<Vec<u8>> = {
        let conn = db(&f);
        let mut st = conn
            .prepare("SELECT sealed FROM records ORDER BY id, kind")
            .unwrap();
        st.query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    assert_eq!(records_before, records_after, "no record was re-encrypted");
    let err = Vault::open(
        &f.paths,
        Unlock::Password(&password()),
        clock(),
        &Settings::default(),
    )
    .unwrap_err();
    assert_eq!(err.code(), ErrorCode::WrongPassword);
    let mut vault = Vault::open(
        &f.paths,
        Unlock::Password(&new_password),
        clock(),
        &Settings::default(),
    )
    .unwrap();
    assert_eq!(
        vault
            .values()
            .open("k", ValueUse::Reveal("test".into()))
            .unwrap()
            .expose_secret(),
        "value-for-rewrap-0123456789"
    );
    drop(vault);
    Vault::open(
        &f.paths,
        Unlock::Keyring(&f.keyring),
        clock(),
        &Settings::default(),
    )
    .unwrap();
}

#[test]
fn editing_replacing_and_rolling_back_keep_a_history() {
    let f = fixture();
    let mut vault = create(&f, false);
    vault
        .keys_mut()
        .add(new_key("deploy", "ghp_firstvalue0123456789abcdefABCD"))
        .unwrap();
    vault
        .keys_mut()
        .add(new_key("other", "other-value-0123456789abcdef"))
        .unwrap();

    let changes = till_core::model::KeyChanges {
        name: Some("deploy bot".into()),
        owner: Some("grace".into()),
        scopes: Some(vec!["github:contents:read".into()]),
        rotate_every_days: Some(30),
        ..Default::default()
    };
    let meta = vault.keys_mut().edit("deploy", changes).unwrap();
    assert_eq!(
        (meta.name.as_str(), meta.owner.as_deref()),
        ("deploy bot", Some("grace"))
    );
    let clash = till_core::model::KeyChanges {
        name: Some("other".into()),
        ..Default::default()
    };
    assert_eq!(
        vault
            .keys_mut()
            .edit("deploy bot", clash)
            .unwrap_err()
            .code(),
        ErrorCode::Conflict
    );

    let meta = vault
        .keys_mut()
        .replace_value(
            "deploy bot",
            SecretString::from("ghp_secondvalue0123456789abcdefWXYZ"),
        )
        .unwrap();
    assert_eq!(meta.fingerprint, "ghp_…WXYZ");
    assert_eq!(meta.history[0].fingerprint, "ghp_…ABCD");
    assert_eq!(
        meta.history[0].keep_until.to_rfc3339(),
        "2026-12-04T09:00:00+00:00"
    );
    let same = vault.keys_mut().replace_value(
        "deploy bot",
        SecretString::from("ghp_secondvalue0123456789abcdefWXYZ"),
    );
    assert!(same
        .unwrap_err()
        .to_string()
        .contains("same as the current"));

    let meta = vault.keys_mut().rollback("deploy bot").unwrap();
    assert_eq!(meta.fingerprint, "ghp_…ABCD");
    let value = vault
        .values()
        .open("deploy bot", ValueUse::Reveal("test".into()))
        .unwrap();
    assert_eq!(value.expose_secret(), "ghp_firstvalue0123456789abcdefABCD");
    drop(vault);

    // Everything survives a reopen, and the log tells the story.
    let vault = Vault::open(
        &f.paths,
        Unlock::Password(&password()),
        clock(),
        &Settings::default(),
    )
    .unwrap();
    assert_eq!(vault.keys().find("deploy bot").unwrap().history.len(), 2);
    let details: Vec<_> = vault
        .audit_log()
        .unwrap()
        .into_iter()
        .filter_map(|e| e.detail)
        .collect();
    assert!(
        details.iter().any(|d| d.contains("renamed from 'deploy'")),
        "{details:?}"
    );
    assert!(
        details
            .iter()
            .any(|d| d.starts_with("value replaced; the old one (ghp_…ABCD)")),
        "{details:?}"
    );
    assert!(
        details.iter().any(|d| d.starts_with("rolled back")),
        "{details:?}"
    );
    drop(vault);

    // Past the window there is nothing to roll back to.
    let later = Arc::new(FixedClock("2026-12-20T09:00:00Z".parse().unwrap()));
    let mut vault = Vault::open(
        &f.paths,
        Unlock::Password(&password()),
        later,
        &Settings::default(),
    )
    .unwrap();
    assert!(vault
        .keys_mut()
        .rollback("deploy bot")
        .unwrap_err()
        .to_string()
        .contains("rollback window"));
    let kept: i64 = db(&f)
        .query_row(
            "SELECT COUNT(*) FROM records WHERE kind = 'previous'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(kept, 0, "the expired previous value was deleted at unlock");
}

#[test]
fn a_renamed_key_keeps_its_audit_history() {
    let f = fixture();
    let mut vault = create(&f, false);
    let key = vault
        .keys_mut()
        .add(new_key("Stripe", "sk_live_0123456789abcdefghij"))
        .unwrap();
    vault
        .keys_mut()
        .add(new_key("Other", "other-value-0123456789"))
        .unwrap();
    vault
        .values()
        .open("Stripe", ValueUse::Reveal("test".into()))
        .unwrap();
    let changes = till_core::model::KeyChanges {
        name: Some("Stripe live".into()),
        ..Default::default()
    };
    vault.keys_mut().edit("Stripe", changes).unwrap();
    // A new key under the old name is a different key with its own history.
    vault
        .keys_mut()
        .add(new_key("Stripe", "sk_test_0123456789abcdefghij"))
        .unwrap();

    let history = till_core::history::key_history(vault.audit_log().unwrap(), &key.id);
    let actions: Vec<AuditAction> = history.iter().map(|e| e.action).collect();
    assert_eq!(
        actions,
        [AuditAction::Edit, AuditAction::Reveal, AuditAction::Create],
        "newest first, from before and after the rename"
    );
    assert_eq!(history[0].key_name.as_deref(), Some("Stripe live"));
    assert_eq!(history[2].key_name.as_deref(), Some("Stripe"));
    assert!(history
        .iter()
        .all(|e| e.key_id.as_deref() == Some(key.id.as_str())));
}
