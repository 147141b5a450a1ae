//! Copy planning and purposes in the core, with no clipboard: which key a request picks,
//! what a broader key needs, how each copy is audited, and purposes kept sealed.

#![allow(clippy::unwrap_used)] // test helpers: a panic is the failure report

use std::sync::Arc;

use secrecy::{ExposeSecret, SecretString};
use till_core::clock::FixedClock;
use till_core::crypto::kdf::KdfParams;
use till_core::model::NewKey;
use till_core::settings::Settings;
use till_core::vault::{AuditAction, CopyRequest, Unlock, Vault};
use till_core::{ErrorCode, TillPaths};

const PASSWORD: &str = "correct horse battery staple";

fn clock() -> Arc<FixedClock> {
    Arc::new(FixedClock("2026-11-27T09:00:00Z".parse().unwrap()))
}

fn github_key(name: &str, value: &str, scopes: &[&str]) -> NewKey {
    let mut key = NewKey::new(name, SecretString::from(value));
    key.provider = Some("github".into());
    key.scopes = scopes.iter().map(|s| s.to_string()).collect();
    key
}

/// A vault with a narrow and a broad GitHub key.
fn vault_with_github_keys() -> (tempfile::TempDir, TillPaths, Vault) {
    let root = tempfile::tempdir().unwrap();
    let paths = TillPaths::under_root(root.path()).unwrap();
    let mut vault = Vault::create(
        &paths,
        &SecretString::from(PASSWORD),
        KdfParams::OWASP_FLOOR,
        None,
        clock(),
        &Settings::default(),
    )
    .unwrap();
    vault
        .keys_mut()
        .add(github_key(
            "CI read",
            "ghp_readonly0123456789abcdefghijklmnopqr",
            &["github:contents:read"],
        ))
        .unwrap();
    vault
        .keys_mut()
        .add(github_key(
            "Admin",
            "ghp_adminkey0123456789abcdefghijklmnopqr",
            &["github:*:*"],
        ))
        .unwrap();
    (root, paths, vault)
}

fn scopes(list: &[&str]) -> CopyRequest {
    CopyRequest::Scopes(list.iter().map(|s| s.to_string()).collect())
}

#[test]
fn the_narrowest_key_is_planned_and_its_copy_audited_as_least_privilege() {
    let (_root, _paths, mut vault) = vault_with_github_keys();
    let plan = vault
        .copies()
        .plan(&scopes(&["github:contents:read"]))
        .unwrap();
    assert_eq!(plan.key_name, "CI read");
    assert!(!plan.broader, "{plan:?}");
    assert!(plan.beyond.is_empty());

    let value = vault.values().for_copy(&plan, false).unwrap();
    assert_eq!(
        value.expose_secret(),
        "ghp_readonly0123456789abcdefghijklmnopqr"
    );
    let copied = vault.keys().find("CI read").unwrap();
    assert_eq!(copied.last_copied_at, Some(clock().0));

    let last = vault.audit_log().unwrap().pop().unwrap();
    assert_eq!(last.action, AuditAction::Copy);
    assert_eq!(last.key_id.as_deref(), Some(copied.id.as_str()));
    assert_eq!(
        last.detail.as_deref(),
        Some("for github:contents:read: least privilege")
    );
}

#[test]
fn a_broader_key_is_refused_without_consent_and_logged_as_over_privileged_with_it() {
    let (_root, _paths, mut vault) = vault_with_github_keys();
    let plan = vault
        .copies()
        .plan(&scopes(&["github:issues:write"]))
        .unwrap();
    assert_eq!(plan.key_name, "Admin");
    assert!(plan.broader);
    let entries_before = vault.audit_log().unwrap().len();

    let err = vault.values().for_copy(&plan, false).unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidInput);
    assert!(err.to_string().contains("confirm"), "{err}");
    assert_eq!(
        vault.audit_log().unwrap().len(),
        entries_before,
        "a refused copy opens nothing and logs nothing"
    );

    vault.values().for_copy(&plan, true).unwrap();
    let detail = vault.audit_log().unwrap().pop().unwrap().detail.unwrap();
    assert!(
        detail.starts_with("for github:issues:write: over-privileged, also grants"),
        "{detail}"
    );
}

#[test]
fn nothing_covering_a_request_says_what_to_create() {
    let (_root, _paths, mut vault) = vault_with_github_keys();
    let err = vault
        .copies()
        .plan(&scopes(&["stripe:charges:read"]))
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidInput);
    assert!(err.to_string().to_lowercase().contains("stripe"), "{err}");
}

#[test]
fn purposes_are_saved_sealed_survive_a_reopen_and_plan_like_their_scopes() {
    let (_root, paths, mut vault) = vault_with_github_keys();
    let saved = vault
        .copies()
        .save_purpose("CI deploy", &["github:contents:read".into()])
        .unwrap();
    assert_eq!(saved.provider(), "github");
    let err = vault
        .copies()
        .save_purpose(
            "Mixed",
            &["github:contents:read".into(), "not a scope".into()],
        )
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidInput);
    vault.lock().unwrap();

    for suffix in ["", "-wal"] {
        let file = format!("{}{suffix}", Vault::file(&paths).display());
        let bytes = std::fs::read(&file).unwrap_or_default();
        assert!(
            !bytes.windows(9).any(|w| w == b"CI deploy"),
            "purpose names are sealed at rest ({file})"
        );
    }

    let mut vault = Vault::open(
        &paths,
        Unlock::Password(&SecretString::from(PASSWORD)),
        clock(),
        &Settings::default(),
    )
    .unwrap();
    let names: Vec<String> = vault
        .copies()
        .purposes()
        .unwrap()
        .into_iter()
        .map(|p| p.name)
        .collect();
    assert_eq!(names, ["CI deploy"]);
    let plan = vault
        .copies()
        .plan(&CopyRequest::Purpose("CI deploy".into()))
        .unwrap();
    assert_eq!(plan.key_name, "CI read");

    vault.copies().remove_purpose("CI deploy").unwrap();
    assert!(vault.copies().purposes().unwrap().is_empty());
    let err = vault.copies().remove_purpose("CI deploy").unwrap_err();
    assert!(err.to_string().contains("no purpose named"), "{err}");
}

#[test]
fn an_agent_token_is_not_stored_as_a_key() {
    let (_root, _paths, mut vault) = vault_with_github_keys();
    let mut token = NewKey::new(
        "leaked agent key",
        SecretString::from("till_sk_0123456789ABCDEFGHIJabcdefghij0123456789"),
    );
    token.provider = None;
    let err = vault.keys_mut().add(token).unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidInput);
    assert!(err.to_string().contains("till agent revoke"), "{err}");
}

#[cfg(unix)]
#[test]
fn the_vault_file_is_readable_by_its_owner_alone() {
    use std::os::unix::fs::PermissionsExt;
    let (_root, paths, vault) = vault_with_github_keys();
    vault.lock().unwrap();
    let file = Vault::file(&paths);
    for suffix in ["", "-wal", "-shm"] {
        let path = std::path::PathBuf::from(format!("{}{suffix}", file.display()));
        if path.exists() {
            let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600, "{}", path.display());
        }
    }
    // An older Till left it 0644: opening it tightens it.
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
    let vault = Vault::open(
        &paths,
        Unlock::Password(&SecretString::from(PASSWORD)),
        clock(),
        &Settings::default(),
    )
    .unwrap();
    let mode = std::fs::metadata(&file).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    drop(vault);
}
