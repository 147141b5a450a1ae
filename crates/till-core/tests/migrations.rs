//! Vaults written by every earlier schema version open with this Till, their keys and
//! audit log intact. Each fixture in `tests/testdata/vault-vN/` was made by the Till of
//! that version (`till init` + `till add`, password below) and is never regenerated.
#![allow(clippy::unwrap_used)] // test helpers: a panic is the failure report

use std::path::Path;
use std::sync::Arc;

use secrecy::{ExposeSecret, SecretString};
use till_core::clock::FixedClock;
use till_core::settings::Settings;
use till_core::vault::{Unlock, ValueUse, Vault, Verdict};
use till_core::TillPaths;

/// Opens a copy of the fixture, so the checked-in file is never migrated in place.
fn open_copy(version: &str) -> (tempfile::TempDir, Vault) {
    let source = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/testdata")
        .join(version);
    let root = tempfile::tempdir().unwrap();
    let paths = TillPaths::under_root(root.path()).unwrap();
    paths.ensure_exist().unwrap();
    std::fs::copy(source.join("data/vault.db"), Vault::file(&paths)).unwrap();
    let clock = Arc::new(FixedClock("2027-01-01T00:00:00Z".parse().unwrap()));
    let password = SecretString::from("fixture password v1");
    let vault = Vault::open(
        &paths,
        Unlock::Password(&password),
        clock,
        &Settings::default(),
    )
    .unwrap();
    (root, vault)
}

#[test]
fn a_version_1_vault_opens_with_its_keys_values_and_log() {
    let (_root, mut vault) = open_copy("vault-v1");
    let names: Vec<_> = vault.keys().iter().map(|k| k.name.as_str()).collect();
    assert_eq!(names, ["OpenAI fixture", "Stripe fixture"]);
    let openai = vault.keys().find("OpenAI fixture").unwrap();
    assert_eq!(openai.environment, "prod");
    assert_eq!(openai.scopes, ["openai:models:read"]);
    assert_eq!(
        vault.view(openai).next_rotation_due.to_rfc3339(),
        "2027-02-25T09:00:00+00:00"
    );
    assert_eq!(
        vault
            .keys()
            .find("Stripe fixture")
            .unwrap()
            .owner
            .as_deref(),
        Some("ada")
    );
    let value = vault
        .values()
        .open("Stripe fixture", ValueUse::Reveal("test".into()))
        .unwrap();
    assert_eq!(value.expose_secret(), "rk_live_fixture0123456789abcdefgh");
    assert!(matches!(
        vault.verify_audit().unwrap(),
        Verdict::Intact { .. }
    ));
}
