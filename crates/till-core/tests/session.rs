//! Opening the vault with the desktop app's session: a password-only vault opened by the
//! key an unlocked app hands over, audited as such, and a key from another vault refused.

#![allow(clippy::unwrap_used)] // test helpers: a panic is the failure report

use std::sync::Arc;

use secrecy::SecretString;
use till_core::clock::FixedClock;
use till_core::crypto::kdf::KdfParams;
use till_core::session::{ask, SessionServer};
use till_core::settings::Settings;
use till_core::vault::{Unlock, Vault};
use till_core::{ErrorCode, TillPaths};

fn clock() -> Arc<FixedClock> {
    Arc::new(FixedClock("2026-11-27T09:00:00Z".parse().unwrap()))
}

fn new_vault(root: &std::path::Path) -> (TillPaths, Vault) {
    let paths = TillPaths::under_root(root).unwrap();
    let vault = Vault::create(
        &paths,
        &SecretString::from("correct horse battery staple"),
        KdfParams::OWASP_FLOOR,
        None,
        clock(),
        &Settings::default(),
    )
    .unwrap();
    (paths, vault)
}

#[test]
fn the_unlocked_apps_session_opens_a_password_vault_without_the_password() {
    let root = tempfile::tempdir().unwrap();
    let (paths, app_vault) = new_vault(root.path());
    let key = app_vault.session_key();
    let cli_vault = Vault::open(&paths, Unlock::Session(&key), clock(), &Settings::default())
        .expect("the app's key opens it");
    let last = cli_vault.audit_log().unwrap().pop().unwrap();
    assert_eq!(
        last.detail.as_deref(),
        Some("with the desktop app's session")
    );

    // Through the socket, as the CLI asks for it.
    let server = {
        let key = app_vault.session_key();
        let shared = std::sync::Mutex::new(Some(key));
        SessionServer::start(&paths, move || {
            shared.lock().unwrap().as_ref().map(|k| k.duplicate())
        })
        .unwrap()
    };
    let asked = ask(&paths).expect("the app answers");
    Vault::open(
        &paths,
        Unlock::Session(&asked),
        clock(),
        &Settings::default(),
    )
    .unwrap();
    drop(server);
}

#[test]
fn a_session_from_another_vault_is_refused() {
    let (one, two) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (paths, _vault) = new_vault(one.path());
    let (_, other) = new_vault(two.path());
    let err = Vault::open(
        &paths,
        Unlock::Session(&other.session_key()),
        clock(),
        &Settings::default(),
    )
    .unwrap_err();
    assert_eq!(err.code(), ErrorCode::PasswordRequired);
}
