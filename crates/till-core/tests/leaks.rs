//! A vault key written in a watched folder, as the desktop app meets it: the scan names
//! the key, the board announces it once across rescans and a lock, and the leaked-key
//! runbook's steps land in the audit log and the incident in the key's notes.

#![allow(clippy::unwrap_used)] // test helpers: a panic is the failure report

use std::sync::Arc;

use secrecy::SecretString;
use till_core::clock::FixedClock;
use till_core::crypto::kdf::KdfParams;
use till_core::leaks::board::Board;
use till_core::leaks::debounce::Reach;
use till_core::leaks::runbook::LeakStep;
use till_core::model::NewKey;
use till_core::settings::Settings;
use till_core::vault::{AuditAction, Vault};
use till_core::TillPaths;

const VALUE: &str = "sk_live_4eC39HqLyjWDarjtT1zdp7dcXq2Lk9aB";

fn vault_with_stripe() -> (tempfile::TempDir, Vault) {
    let root = tempfile::tempdir().unwrap();
    let paths = TillPaths::under_root(&root.path().join("till")).unwrap();
    let mut vault = Vault::create(
        &paths,
        &SecretString::from("correct horse battery staple"),
        KdfParams::OWASP_FLOOR,
        None,
        Arc::new(FixedClock("2026-11-27T09:00:00Z".parse().unwrap())),
        &Settings::default(),
    )
    .unwrap();
    let mut key = NewKey::new("Stripe prod", SecretString::from(VALUE));
    key.provider = Some("stripe".into());
    vault.keys_mut().add(key).unwrap();
    (root, vault)
}

#[test]
fn a_key_in_a_watched_folder_is_named_announced_once_and_its_runbook_audited() {
    let (root, mut vault) = vault_with_stripe();
    let shop = root.path().join("shop");
    std::fs::create_dir_all(&shop).unwrap();
    std::fs::write(
        shop.join(".env"),
        format!("PORT=8080\nDEBUG=1\nSTRIPE_KEY={VALUE}\n"),
    )
    .unwrap();

    let prints = vault.fingerprinter();
    let outcome = till_core::leaks::scan(&prints, std::slice::from_ref(&shop), 1 << 20).unwrap();
    assert_eq!(outcome.findings.len(), 1, "{:?}", outcome.findings);
    let found = &outcome.findings[0];
    assert_eq!(found.key.as_deref(), Some("Stripe prod"));
    assert_eq!(found.line, 3);
    assert!(!format!("{:?}", outcome.findings).contains(VALUE));

    let mut board = Board::default();
    let reach = Reach::Tree(shop.clone());
    assert_eq!(board.replace(&reach, outcome.findings.clone()).len(), 1);
    assert!(board.replace(&reach, outcome.findings.clone()).is_empty());
    board.clear();
    assert!(
        board.replace(&reach, outcome.findings).is_empty(),
        "not again after a lock"
    );

    let response = |vault: &mut Vault| {
        let mut response = vault.leak_response();
        response
            .start("Stripe prod", Some("~/shop/.env:3"))
            .unwrap();
        response.step_done("Stripe prod", LeakStep::Revoke).unwrap();
        response
            .record(
                "Stripe prod",
                "found in shop/.env by Till; revoked within the hour",
            )
            .unwrap()
    };
    let meta = response(&mut vault);
    assert!(
        meta.notes
            .as_deref()
            .unwrap()
            .starts_with("Leak recorded 2026-11-27: found in shop/.env"),
        "{:?}",
        meta.notes
    );
    let details: Vec<String> = vault
        .audit_log()
        .unwrap()
        .into_iter()
        .filter(|e| e.action == AuditAction::Leak)
        .map(|e| e.detail.unwrap_or_default())
        .collect();
    assert_eq!(
        details,
        [
            "leaked-key runbook started: found in ~/shop/.env:3",
            "leaked-key runbook: revoked the exposed key at the provider",
            "leaked-key runbook: recorded the incident",
        ]
    );
    let empty = vault
        .leak_response()
        .record("Stripe prod", "  ")
        .unwrap_err();
    assert_eq!(empty.code(), till_core::ErrorCode::InvalidInput);
}

#[test]
fn a_team_scan_runs_without_the_vault_stops_when_told_and_its_findings_check_once_it_is_open_again()
{
    let (root, mut vault) = vault_with_stripe();
    let repo = root.path().join("repo");
    std::fs::create_dir_all(repo.join("api")).unwrap();
    std::fs::write(repo.join("api/.env"), format!("STRIPE_KEY={VALUE}\n")).unwrap();
    let file = till_core::team::parse(
        "[team]\nname = \"Shop\"\n[[policy]]\nid = \"no-keys\"\ndescription = \"No keys in the repo\"\nrule = \"no_hardcoded_keys\"\npaths = [\"repo\"]\n",
    )
    .unwrap();

    // Taken from the open vault, then run with the vault locked: the scan needs nothing
    // more from it, so the desktop app scans while other commands use the vault.
    let scan = vault.training().team_scan(&file, root.path());
    vault.lock().unwrap();
    // The desktop app stops a scan once the vault has locked: it ends with `locked`.
    let stopped = scan.run_until(&|| true).unwrap_err();
    assert_eq!(stopped.code(), till_core::ErrorCode::Locked);
    let scans = scan.run();
    drop(scan);
    let found = scans["repo"].as_ref().unwrap();
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].key.as_deref(), Some("Stripe prod"));
    assert_eq!(found[0].line, 1);

    let paths = TillPaths::under_root(&root.path().join("till")).unwrap();
    let mut vault = Vault::open(
        &paths,
        till_core::vault::Unlock::Password(&SecretString::from("correct horse battery staple")),
        Arc::new(FixedClock("2026-11-27T09:00:00Z".parse().unwrap())),
        &Settings::default(),
    )
    .unwrap();
    let report = vault.training().check_team_scanned(&file, &scans).unwrap();
    assert!(!report.compliant);
    let text = report.to_markdown();
    assert!(text.contains("Stripe prod"), "{text}");
    assert!(text.contains("api/.env:1"), "{text}");
    assert!(!text.contains(VALUE), "{text}");
    // The same check in one call, as the command line makes it, agrees.
    assert_eq!(
        vault
            .training()
            .check_team(&file, root.path())
            .unwrap()
            .to_markdown(),
        text
    );
}
