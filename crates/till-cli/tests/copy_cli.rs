//! `till copy` on a real X11 clipboard (Xvfb in the test session): the narrowest key
//! lands on the clipboard marked as a password, another program reads it, it is cleared
//! after the timeout unless something else was copied, and every copy is audited.
//! Skips with a message when there is no display (plain `cargo test` outside the
//! desktop session); `scripts/test` always provides one.
#![allow(clippy::unwrap_used)] // test helpers: a panic is the failure report

mod support;

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use support::{stderr, stdout, Home, PASSWORD};

const READER: &str =
    "github_pat_11READER0000000000000000000000000000000000000000000000000000000000000000";
const ADMIN: &str = "ghp_ADMIN000000000000000000000000000000";

/// One clipboard per display: the tests take turns.
static CLIPBOARD: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// The clipboard to ourselves. Without a display these tests cannot check anything, so
/// they fail loudly instead of passing vacuously, unless skipping was asked for by name.
fn clipboard_turn() -> Option<std::sync::MutexGuard<'static, ()>> {
    if std::env::var_os("DISPLAY").is_none() {
        if std::env::var_os("TILL_SKIP_DESKTOP_TESTS").is_some() {
            eprintln!("skipped: no DISPLAY and TILL_SKIP_DESKTOP_TESTS is set");
            return None;
        }
        panic!(
            "no DISPLAY: the copy tests need a real X11 clipboard. Run them through \
             scripts/test (or scripts/lib/desktop-session.sh cargo test), or set \
             TILL_SKIP_DESKTOP_TESTS=1 to skip them knowingly"
        );
    }
    Some(CLIPBOARD.lock().unwrap_or_else(|p| p.into_inner()))
}

fn home_with_github_keys() -> Home {
    let home = Home::new();
    home.init();
    for (name, value, scope) in [
        ("GitHub admin", ADMIN, "github:*:*"),
        ("GitHub reader", READER, "github:contents:read"),
    ] {
        let out = home.with_password(
            &[
                "add",
                name,
                "--provider",
                "github",
                "--scope",
                scope,
                "--value-stdin",
            ],
            value,
        );
        assert!(out.status.success(), "{}", stderr(&out));
    }
    home
}

/// Starts `till copy ARGS` and waits until it says what it copied.
fn start_copy(home: &Home, args: &[&str]) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_till"))
        .arg("--home")
        .arg(home.root())
        .arg("--password-stdin")
        .arg("copy")
        .args(args)
        .env("TILL_KDF", "floor")
        .env_remove("TILL_HOME")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(format!("{PASSWORD}\n").as_bytes())
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.as_mut().unwrap())
        .read_line(&mut first)
        .unwrap();
    (child, first)
}

fn xclip(args: &[&str]) -> String {
    let out = Command::new("xclip")
        .args(["-selection", "clipboard"])
        .args(args)
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn finish(mut child: Child) -> String {
    let status = child.wait().unwrap();
    assert!(status.success());
    let mut rest = String::new();
    std::io::Read::read_to_string(child.stdout.as_mut().unwrap(), &mut rest).unwrap();
    rest
}

#[test]
fn the_narrowest_key_is_copied_marked_as_a_password_and_cleared() {
    let Some(_turn) = clipboard_turn() else {
        return;
    };
    let home = home_with_github_keys();
    let (child, said) = start_copy(
        &home,
        &["--scope", "github:contents:read", "--clear-after", "2"],
    );
    assert!(
        said.contains("Copied 'GitHub reader'") && said.contains("narrowest key"),
        "{said}"
    );
    assert!(!said.contains(READER));
    assert_eq!(xclip(&["-o"]), READER, "another program reads the key");
    let targets = xclip(&["-o", "-t", "TARGETS"]);
    assert!(targets.contains("x-kde-passwordManagerHint"), "{targets}");

    let rest = finish(child);
    assert!(rest.contains("Cleared the clipboard"), "{rest}");
    assert_eq!(xclip(&["-o"]), "", "empty after the timeout");
    let log = stdout(&home.with_password(&["log"], ""));
    assert!(
        log.contains("for github:contents:read: least privilege"),
        "{log}"
    );
}

#[test]
fn something_copied_meanwhile_is_left_alone() {
    let Some(_turn) = clipboard_turn() else {
        return;
    };
    let home = home_with_github_keys();
    let (child, _) = start_copy(&home, &["GitHub reader", "--clear-after", "5"]);
    let mut mine = Command::new("xclip")
        .args(["-selection", "clipboard", "-i"])
        .stdin(Stdio::piped())
        .spawn()
        .unwrap();
    mine.stdin
        .take()
        .unwrap()
        .write_all(b"my own text")
        .unwrap();
    mine.wait().unwrap();
    let rest = finish(child);
    assert!(rest.contains("Left the clipboard alone"), "{rest}");
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(xclip(&["-o"]), "my own text");
}

#[test]
fn a_broader_key_needs_consent_and_is_logged_as_over_privileged() {
    let Some(_turn) = clipboard_turn() else {
        return;
    };
    let home = home_with_github_keys();
    let refused = home.with_password(&["copy", "--scope", "github:secrets:write"], "");
    assert_eq!(refused.status.code(), Some(1));
    let said = stderr(&refused);
    assert!(
        said.contains("Only 'GitHub admin' covers github:secrets:write"),
        "{said}"
    );
    assert!(said.contains("--allow-broader"), "{said}");

    let (child, said) = start_copy(
        &home,
        &[
            "--scope",
            "github:secrets:write",
            "--allow-broader",
            "--clear-after",
            "1",
        ],
    );
    assert!(said.contains("Copied 'GitHub admin'"), "{said}");
    finish(child);
    let log = stdout(&home.with_password(&["log"], ""));
    assert!(
        log.contains("for github:secrets:write: over-privileged, also grants github:*:*"),
        "{log}"
    );

    let none = home.with_password(&["copy", "--scope", "stripe:charges:read"], "");
    assert_eq!(
        none.status.code(),
        Some(14),
        "invalid_input: nothing covers the request"
    );
    assert!(
        stderr(&none).contains("no active Stripe key covers stripe:charges:read"),
        "{}",
        stderr(&none)
    );
}
