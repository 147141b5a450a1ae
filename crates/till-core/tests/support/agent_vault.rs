//! A real vault for the agent-key tests: one OpenAI key, "openai-ci", that grants are
//! minted on, at a fixed time. Included by path (`#[path]`) by the tests that use it.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use secrecy::SecretString;
use till_core::clock::FixedClock;
use till_core::crypto::kdf::KdfParams;
use till_core::model::NewKey;
use till_core::settings::Settings;
use till_core::vault::{Unlock, Vault};
use till_core::TillPaths;

const PASSWORD: &str = "correct horse battery staple";

/// The vault under `root` as of `at`: created with the key the first time, opened after.
pub fn at(root: &tempfile::TempDir, at: DateTime<Utc>) -> Vault {
    let paths = TillPaths::under_root(root.path()).unwrap();
    let clock = Arc::new(FixedClock(at));
    let password = SecretString::from(PASSWORD);
    if Vault::exists(&paths) {
        return Vault::open(
            &paths,
            Unlock::Password(&password),
            clock,
            &Settings::default(),
        )
        .unwrap();
    }
    let mut vault = Vault::create(
        &paths,
        &password,
        KdfParams::OWASP_FLOOR,
        None,
        clock,
        &Settings::default(),
    )
    .unwrap();
    let mut key = NewKey::new(
        "openai-ci",
        SecretString::from("sk-proj-abcdefghijklmnopqrstuvwxyz0123456789ABCD"),
    );
    key.provider = Some("openai".into());
    vault.keys_mut().add(key).unwrap();
    vault
}
