//! The exit status follows the error code, from the real binary: scripts branch on it.
//! Also the one password rule (NIST SP 800-63B) as `till init`, `till passwd` and
//! `till export` apply it, and the modes of the files an export writes.
#![allow(clippy::unwrap_used)] // test helpers: a panic is the failure report

mod support;

use support::{assert_one_line_error, stderr, stdout, Home};

#[test]
fn missing_vault_wrong_password_and_unknown_key_have_their_own_status() {
    let home = Home::new();
    assert_one_line_error(&home.with_password(&["list"], ""), 5, "till init");
    home.init();
    assert_one_line_error(
        &home.run(&["--password-stdin", "list"], b"not the password\n"),
        7,
        "wrong master password",
    );
    assert_one_line_error(
        &home.with_password(&["get", "no such key"], ""),
        12,
        "no key named",
    );
    assert_one_line_error(
        &home.with_password(&["init", "--no-keyring"], ""),
        6,
        "already exists",
    );
}

#[test]
fn findings_keep_status_one_and_usage_keeps_two() {
    let home = Home::new();
    home.init();
    let out = home.with_password(&["log", "verify"], "");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let out = home.run(&["frobnicate"], b"");
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
}

#[test]
fn help_documents_the_exit_status_table() {
    let out = Home::new().run(&["--help"], b"");
    assert!(out.status.success());
    let help = stdout(&out);
    assert!(help.contains("Exit status:"), "{help}");
    assert!(help.contains("   7  wrong_password"), "{help}");
    assert!(help.contains("  14  invalid_input"), "{help}");
}

#[test]
fn init_refuses_short_and_common_master_passwords_and_creates_nothing() {
    let home = Home::new();
    for weak in ["tiny7", "Password123", "qwertyuiop"] {
        let out = home.run(
            &["--password-stdin", "init", "--no-keyring"],
            format!("{weak}\n").as_bytes(),
        );
        assert_eq!(out.status.code(), Some(14), "{weak}: {}", stderr(&out));
        assert!(!stderr(&out).contains(weak), "the password is never echoed");
        assert!(!home.vault_file().exists(), "{weak} created a vault");
    }
}

#[test]
fn passwd_and_export_refuse_a_weak_new_password() {
    let home = Home::new();
    home.init();
    let out = home.with_password(&["passwd"], "12345678\n");
    assert_one_line_error(&out, 14, "common passwords");
    let backup = home.dir.path().join("weak.backup");
    let out = home.with_password(&["export", "--out", backup.to_str().unwrap()], "tiny\n");
    assert_one_line_error(&out, 14, "at least 8");
    assert!(!backup.exists());
}

#[cfg(unix)]
#[test]
fn exports_are_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let home = Home::new();
    home.init();
    let backup = home.dir.path().join("till.backup");
    let out = home.with_password(
        &["export", "--out", backup.to_str().unwrap()],
        "a long backup passphrase\n",
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let csv = home.dir.path().join("keys.csv");
    let out = home.with_password(
        &["export", "--out", csv.to_str().unwrap(), "--metadata-csv"],
        "",
    );
    assert!(out.status.success(), "{}", stderr(&out));
    for file in [backup, csv] {
        let mode = std::fs::metadata(&file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "{}", file.display());
    }
}
