//! The vault through the `till` binary, as scripts use it: the CLI contract of issue 3.
#![allow(clippy::unwrap_used)] // test helpers: a panic is the failure report

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

mod support;

use support::{assert_one_line_error, stderr, stdout, Home, PASSWORD};

#[test]
fn init_add_list_get_rm_and_log_work_as_documented() {
    let home = Home::new();
    home.init();
    let out = home.with_password(
        &[
            "add",
            "Stripe billing",
            "--provider",
            "stripe",
            "--env",
            "prod",
            "--scope",
            "stripe:charges:read",
            "--scope",
            "stripe:refunds:write",
            "--owner",
            "ada",
            "--rotate-every",
            "90",
            "--audit-every",
            "180",
            "--expires",
            "2027-06-30",
            "--value-stdin",
        ],
        "rk_live_51Habcdefghijklmnop9XyZ\n",
    );
    assert!(out.status.success(), "{}", stderr(&out));

    let list: serde_json::Value =
        serde_json::from_str(&stdout(&home.with_password(&["list", "--json"], ""))).unwrap();
    let key = &list[0];
    assert_eq!(key["name"], "Stripe billing");
    assert_eq!(key["provider"], "stripe");
    assert_eq!(key["env"], "prod");
    assert_eq!(key["scopes"][1], "stripe:refunds:write");
    assert_eq!(key["owner"], "ada");
    assert_eq!(key["fingerprint"], "rk_…9XyZ");
    assert_eq!(key["created_at"], "2026-11-27T09:00:00Z");
    assert_eq!(key["last_rotated_at"], "2026-11-27T09:00:00Z");
    assert_eq!(key["next_rotation_due"], "2027-02-25T09:00:00Z");
    assert_eq!(key["status"], "active");
    assert!(!stdout(&home.with_password(&["list", "--json"], "")).contains("51Habcdefghij"));
    // `till list QUERY` uses core's search (the owner matches here).
    let found: serde_json::Value =
        serde_json::from_str(&stdout(&home.with_password(&["list", "ADA", "--json"], ""))).unwrap();
    assert_eq!(found[0]["name"], "Stripe billing");
    let none = stdout(&home.with_password(&["list", "zzz-nothing", "--json"], ""));
    assert_eq!(none.trim(), "[]");

    let got = home.with_password(&["get", "Stripe billing"], "");
    assert_eq!(stdout(&got), "rk_live_51Habcdefghijklmnop9XyZ\n");

    let log = stdout(&home.with_password(&["log"], ""));
    assert!(
        log.contains("reveal") && log.contains("printed by till get"),
        "{log}"
    );
    let verify = home.with_password(&["log", "verify"], "");
    assert!(verify.status.success(), "{}", stderr(&verify));
    assert!(stdout(&verify).contains("audit log intact"));

    let rm = home.with_password(&["rm", "Stripe billing"], "");
    assert!(rm.status.success(), "{}", stderr(&rm));
    assert_one_line_error(
        &home.with_password(&["get", "Stripe billing"], ""),
        12,
        "no key named",
    );
    let log: serde_json::Value =
        serde_json::from_str(&stdout(&home.with_password(&["log", "--json"], ""))).unwrap();
    assert!(log
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["action"] == "delete"));
}

#[test]
fn values_come_from_files_too_and_bad_files_are_refused() {
    let home = Home::new();
    home.init();
    let good = home.dir.path().join("key.txt");
    std::fs::write(&good, "ghp_0123456789abcdefghijABCD\n").unwrap();
    let out = home.with_password(&["add", "gh", "--value-file", good.to_str().unwrap()], "");
    assert!(out.status.success(), "{}", stderr(&out));

    let before = snapshot(&home.root().join("data"));
    let binary = home.dir.path().join("binary.bin");
    std::fs::write(&binary, [0x89, b'P', b'N', b'G', 0, 0xff, 0xfe]).unwrap();
    let out = home.with_password(
        &["add", "bin", "--value-file", binary.to_str().unwrap()],
        "",
    );
    assert_one_line_error(&out, 14, "not UTF-8");
    let huge = home.dir.path().join("huge.txt");
    std::fs::write(&huge, vec![b'a'; 1024 * 1024]).unwrap();
    let out = home.with_password(&["add", "huge", "--value-file", huge.to_str().unwrap()], "");
    assert_one_line_error(&out, 14, "too large");
    assert!(
        snapshot(&home.root().join("data")) == before,
        "refused values changed nothing"
    );
    let out = home.with_password(
        &["add", "gh", "--value-stdin"],
        "another-value-0123456789\n",
    );
    assert_one_line_error(&out, 13, "already exists");
    let list = stdout(&home.with_password(&["list", "--json"], ""));
    let listed: serde_json::Value = serde_json::from_str(&list).unwrap();
    assert_eq!(listed.as_array().unwrap().len(), 1);
}

/// Every file in `dir` with its bytes.
fn snapshot(dir: &std::path::Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .map(|p| {
            let bytes = std::fs::read(&p).unwrap();
            (p, bytes)
        })
        .collect();
    files.sort();
    files
}

#[test]
fn wrong_password_missing_vault_and_usage_errors_are_one_line() {
    let home = Home::new();
    assert_one_line_error(&home.with_password(&["list"], ""), 5, "till init");
    home.init();
    assert_one_line_error(
        &home.run(&["--password-stdin", "list"], b"not the password\n"),
        7,
        "wrong master password",
    );
    assert_one_line_error(
        &home.with_password(&["init", "--no-keyring"], ""),
        6,
        "already exists",
    );
    let out = home.with_password(&["add", "no-value"], "");
    assert_eq!(
        out.status.code(),
        Some(2),
        "a missing --value-* is a usage error"
    );
    let out = home.with_password(
        &["add", "x", "--expires", "someday", "--value-stdin"],
        "v\n",
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("YYYY-MM-DD"), "{}", stderr(&out));
}

#[test]
fn log_verify_exits_1_and_says_where_when_tampered() {
    let home = Home::new();
    home.init();
    for i in 0..3 {
        let out = home.with_password(
            &["add", &format!("key {i}"), "--value-stdin"],
            &format!("value-{i}-abcdefghijklmnop\n"),
        );
        assert!(out.status.success(), "{}", stderr(&out));
    }
    let conn = rusqlite::Connection::open(home.vault_file()).unwrap();
    conn.execute("DELETE FROM audit_log WHERE seq = 4", [])
        .unwrap();
    drop(conn);
    let out = home.with_password(&["log", "verify"], "");
    assert_one_line_error(&out, 1, "tampered at entry 4");
}

#[test]
fn a_corrupted_vault_file_is_reported_and_left_as_it_was() {
    let home = Home::new();
    home.init();
    let conn = rusqlite::Connection::open(home.vault_file()).unwrap();
    conn.pragma_update(None, "wal_checkpoint", "TRUNCATE")
        .unwrap();
    drop(conn);
    let mut bytes = std::fs::read(home.vault_file()).unwrap();
    for byte in bytes.iter_mut().take(100) {
        *byte = 0x5a;
    }
    std::fs::write(home.vault_file(), &bytes).unwrap();
    let out = home.with_password(&["list"], "");
    assert_one_line_error(&out, 15, "damaged or was tampered with");
    assert_eq!(std::fs::read(home.vault_file()).unwrap(), bytes);
}

/// With gnome-keyring running (scripts/test), a default vault opens without a password.
#[test]
fn the_os_keyring_opens_a_default_vault_without_a_password() {
    if std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_none() {
        eprintln!("skipped: no D-Bus session (run through scripts/test for the real keyring)");
        return;
    }
    let home = Home::new();
    let out = home.with_password(&["init"], "");
    assert!(out.status.success(), "{}", stderr(&out));
    let out = home.run(
        &["add", "k", "--value-stdin"],
        b"sk-ant-api03-abcdefghijklmnop\n",
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let out = home.run(&["get", "k"], b"");
    assert_eq!(
        stdout(&out),
        "sk-ant-api03-abcdefghijklmnop\n",
        "{}",
        stderr(&out)
    );
    assert!(stdout(&home.run(&["log"], b"")).contains("with the OS keyring"));
}

#[test]
fn import_previews_refuses_a_partly_bad_file_and_imports_with_yes() {
    let home = Home::new();
    home.init();
    let env_file = home.dir.path().join("app.env");
    std::fs::write(
        &env_file,
        "# service keys\nOPENAI_API_KEY=sk-proj-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n\
         this line is wrong\nSTRIPE_KEY=rk_live_0123456789abcdefghijklmn\n",
    )
    .unwrap();
    let path = env_file.to_str().unwrap();

    let dry = home.with_password(&["import", path, "--dry-run"], "");
    assert!(dry.status.success(), "{}", stderr(&dry));
    let text = stderr(&dry);
    assert!(text.contains("2 key(s) can be imported"), "{text}");
    assert!(text.contains("line    3  expected NAME=value"), "{text}");
    assert!(
        text.contains("(openai)") && text.contains("(stripe)"),
        "{text}"
    );

    let refused = home.with_password(&["import", path], "");
    assert_eq!(refused.status.code(), Some(14));
    assert!(
        stderr(&refused).contains("nothing was imported"),
        "{}",
        stderr(&refused)
    );
    assert!(stdout(&home.with_password(&["list", "--json"], "")).trim() == "[]");

    let accepted = home.with_password(&["import", path, "--yes"], "");
    assert!(accepted.status.success(), "{}", stderr(&accepted));
    let list: serde_json::Value =
        serde_json::from_str(&stdout(&home.with_password(&["list", "--json"], ""))).unwrap();
    let names: Vec<_> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["name"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(names, ["OPENAI_API_KEY", "STRIPE_KEY"]);
    assert!(stdout(&home.with_password(&["log"], "")).contains("from app.env, line 2"));

    // Importing the same file again adds nothing and says why.
    let again = home.with_password(&["import", path, "--yes"], "");
    assert!(
        stderr(&again).contains("Imported 0 key(s)"),
        "{}",
        stderr(&again)
    );
}

#[test]
fn malformed_exports_are_refused_with_their_line() {
    let home = Home::new();
    home.init();
    let json = home.dir.path().join("bw.json");
    std::fs::write(&json, "{\"items\": [\n  {\"name\": }\n]}").unwrap();
    let out = home.with_password(&["import", json.to_str().unwrap()], "");
    assert_one_line_error(&out, 14, "line 2 column");
    let csv = home.dir.path().join("export.csv");
    std::fs::write(&csv, "a,b\n1,2\n").unwrap();
    let out = home.with_password(
        &["import", csv.to_str().unwrap(), "--format", "keepassxc-csv"],
        "",
    );
    assert_one_line_error(&out, 14, "KeePassXC");
}

#[test]
fn an_encrypted_backup_restores_into_a_new_vault_and_a_csv_holds_no_values() {
    let home = Home::new();
    home.init();
    let value = "sk-ant-api03-backup-me-0123456789";
    let out = home.with_password(
        &[
            "add",
            "Claude",
            "--env",
            "prod",
            "--scope",
            "anthropic:messages:write",
            "--value-stdin",
        ],
        &format!("{value}\n"),
    );
    assert!(out.status.success(), "{}", stderr(&out));

    let backup = home.dir.path().join("till.backup");
    let out = home.with_password(
        &["export", "--out", backup.to_str().unwrap()],
        "backup passphrase 1\n",
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let bytes = std::fs::read(&backup).unwrap();
    assert!(!String::from_utf8_lossy(&bytes).contains("backup-me"));
    assert!(!String::from_utf8_lossy(&bytes).contains("Claude"));

    let csv = home.dir.path().join("keys.csv");
    let out = home.with_password(
        &["export", "--out", csv.to_str().unwrap(), "--metadata-csv"],
        "",
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let text = std::fs::read_to_string(&csv).unwrap();
    assert!(text.starts_with("name,provider,environment"), "{text}");
    assert!(text.contains("Claude,generic,prod"), "{text}");
    assert!(
        text.lines()
            .nth(1)
            .is_some_and(|row| row.ends_with(",active")),
        "status from KeyStatus's name: {text}"
    );
    assert!(!text.contains("backup-me"), "{text}");

    let other = Home::new();
    other.init();
    let wrong = other.with_password(
        &["import", backup.to_str().unwrap(), "--format", "till"],
        "not the backup password\n",
    );
    assert_one_line_error(&wrong, 14, "backup password is wrong");
    let restored = other.with_password(
        &["import", backup.to_str().unwrap(), "--format", "till"],
        "backup passphrase 1\n",
    );
    assert!(restored.status.success(), "{}", stderr(&restored));
    assert_eq!(
        stdout(&other.with_password(&["get", "Claude"], "")),
        format!("{value}\n")
    );
    let list: serde_json::Value =
        serde_json::from_str(&stdout(&other.with_password(&["list", "--json"], ""))).unwrap();
    assert_eq!(list[0]["scopes"][0], "anthropic:messages:write");
    assert_eq!(list[0]["env"], "prod");
}

#[test]
fn passwd_changes_the_master_password() {
    let home = Home::new();
    home.init();
    let out = home.with_password(&["passwd"], "the new passphrase\n");
    assert!(out.status.success(), "{}", stderr(&out));
    assert_one_line_error(
        &home.with_password(&["list"], ""),
        7,
        "wrong master password",
    );
    let out = home.run(
        &["--password-stdin", "list", "--json"],
        b"the new passphrase\n",
    );
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn nothing_added_through_the_cli_is_readable_on_disk() {
    let home = Home::new();
    home.init();
    let (name, value, owner) = (
        "cli-name-q7w8e9",
        "cli-value-z1x2c3v4b5n6m7",
        "cli-owner-p0o9i8",
    );
    let out = home.with_password(
        &["add", name, "--owner", owner, "--value-stdin"],
        &format!("{value}\n"),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stdout(&home.with_password(&["get", name], "")),
        format!("{value}\n")
    );
    let mut scanned = 0;
    let mut stack = vec![home.root()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let bytes = std::fs::read(&path).unwrap();
            scanned += 1;
            for needle in [name, value, owner, PASSWORD] {
                assert!(
                    !bytes.windows(needle.len()).any(|w| w == needle.as_bytes()),
                    "'{needle}' readable in {}",
                    path.display()
                );
            }
        }
    }
    assert!(scanned >= 1, "the vault file was scanned");
}

#[cfg(unix)]
#[test]
fn a_name_that_is_not_utf8_is_a_usage_error_and_changes_nothing() {
    use std::os::unix::ffi::OsStrExt;
    let home = Home::new();
    home.init();
    let before = snapshot(&home.root().join("data"));
    let name = std::ffi::OsStr::from_bytes(b"bad\xffname");
    let mut child = Command::new(env!("CARGO_BIN_EXE_till"))
        .arg("--home")
        .arg(home.root())
        .args(["--password-stdin", "add"])
        .arg(name)
        .arg("--value-stdin")
        .env("TILL_KDF", "floor")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let _ = child
        .stdin
        .take()
        .unwrap()
        .write_all(format!("{PASSWORD}\nsome-value-0123456789\n").as_bytes());
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("UTF-8"), "{}", stderr(&out));
    assert!(snapshot(&home.root().join("data")) == before);
}

#[test]
fn edit_changes_details_replaces_the_value_and_rolls_back() {
    let home = Home::new();
    home.init();
    let first = "ghp_firstFIRSTfirstFIRSTfirst01234AAAA";
    let out = home.with_password(&["add", "ci", "--value-stdin"], &format!("{first}\n"));
    assert!(out.status.success(), "{}", stderr(&out));
    let out = home.with_password(
        &[
            "edit",
            "ci",
            "--name",
            "ci deploy",
            "--owner",
            "grace",
            "--env",
            "prod",
        ],
        "",
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let out = home.with_password(
        &["edit", "ci deploy", "--value-stdin"],
        "ghp_secondSECONDsecond0123456789BBBB\n",
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let list: serde_json::Value =
        serde_json::from_str(&stdout(&home.with_password(&["list", "--json"], ""))).unwrap();
    assert_eq!(
        (list[0]["name"].as_str(), list[0]["owner"].as_str()),
        (Some("ci deploy"), Some("grace"))
    );
    assert_eq!(list[0]["fingerprint"], "ghp_…BBBB");
    let out = home.with_password(&["edit", "ci deploy", "--rollback"], "");
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stdout(&home.with_password(&["get", "ci deploy"], "")),
        format!("{first}\n")
    );
    assert_one_line_error(
        &home.with_password(&["edit", "nope", "--owner", "x"], ""),
        12,
        "no key named",
    );
}
