//! With CopyQ actually running in the test desktop: it keeps a key Till copies despite the
//! password mark (Debian 12's 6.4), Till detects that, and after the exact fix Till tells
//! the user, CopyQ skips marked keys while still keeping ordinary text.
//!
//! Runs only inside `scripts/lib/desktop-session.sh` (it drives a clipboard manager and
//! must not touch a real desktop's), and only where CopyQ is installed.

#![allow(clippy::unwrap_used)] // test helpers: a panic is the failure report

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use secrecy::SecretString;
use till_clipboard::managers::{leaky_managers, COPYQ_FIX};
use till_clipboard::KeyClipboard;

fn copyq(args: &[&str]) -> Option<String> {
    let out = Command::new("copyq")
        .args(args)
        .stderr(Stdio::null())
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Polls `probe` (bounded: 20 s) until it holds.
fn wait_until(what: &str, mut probe: impl FnMut() -> bool) {
    for _ in 0..200 {
        if probe() {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("gave up waiting for {what}");
}

/// Everything in CopyQ's history.
fn history() -> Vec<String> {
    let count: usize = copyq(&["count"])
        .and_then(|c| c.trim().parse().ok())
        .unwrap_or(0);
    (0..count)
        .filter_map(|row| copyq(&["read", &row.to_string()]))
        .collect()
}

/// Puts ordinary text on the clipboard until CopyQ has stored it, so anything copied
/// before it has been seen by CopyQ's monitor too. The monitor starts a little after the
/// server answers and takes what is already there as seen, so the text is put again each
/// second with a new number. `plain` stays alive: on X11 it serves the text. Returns the
/// text CopyQ stored.
fn copy_plain_and_wait(plain: &mut arboard::Clipboard, text: &str) -> String {
    let mut polls = 0;
    let mut current = String::new();
    wait_until("CopyQ to store ordinary text", || {
        if polls % 10 == 0 {
            current = format!("{text} #{}", polls / 10);
            plain.set_text(current.as_str()).unwrap();
        }
        polls += 1;
        copyq(&["read", "0"]).as_deref() == Some(current.as_str())
    });
    current
}

/// The CopyQ server this test started, stopped when the test ends however it ends.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = copyq(&["exit"]);
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn copyq_keeps_keys_until_the_advised_fix_and_till_says_so() {
    if std::env::var("TILL_IN_DESKTOP_SESSION").as_deref() != Ok("1") {
        eprintln!("skipped: run inside scripts/lib/desktop-session.sh");
        return;
    }
    let Some(version) = copyq(&["--version"]) else {
        eprintln!("skipped: CopyQ is not installed");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("copyq.log");
    let _server = Server(
        Command::new("copyq")
            .env("COPYQ_LOG_LEVEL", "DEBUG")
            .env("COPYQ_LOG_FILE", &log)
            // cargo's library path (target/debug/deps) is not CopyQ's business.
            .env_remove("LD_LIBRARY_PATH")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    wait_until("CopyQ's server to answer", || copyq(&["count"]).is_some());
    let mut plain = arboard::Clipboard::new().unwrap();
    copy_plain_and_wait(&mut plain, "CopyQ is watching");

    let found = leaky_managers();
    if !version.contains("Manager 6.") && !version.contains("Manager 7.") {
        assert_eq!(
            found,
            Vec::new(),
            "CopyQ 8+ honours the mark: nothing to say"
        );
        return;
    }
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].name, "CopyQ");
    assert!(version.contains(&found[0].version), "{version}");
    assert!(found[0].advice().contains(COPYQ_FIX));

    // The problem is real: the marked key lands in CopyQ's history.
    let mut keys = KeyClipboard::open().unwrap();
    let first = "ghp_KeptByCopyQKeptByCopyQKeptByCopyQ00";
    keys.copy(&SecretString::from(first)).unwrap();
    wait_until("CopyQ to store the marked key", || {
        copyq(&["read", "0"]).as_deref() == Some(first)
    });

    // The exact fix Till gives the user, run as they would.
    let before_fix = std::fs::read_to_string(&log).unwrap().len();
    let fixed = Command::new("sh").args(["-c", COPYQ_FIX]).status().unwrap();
    assert!(fixed.success());
    assert_eq!(
        leaky_managers(),
        Vec::new(),
        "fixed: Till says nothing more"
    );

    // A new command restarts CopyQ's clipboard monitor, which takes what is on the
    // clipboard then as seen: wait for it to be back and to have looked.
    let restarted = |text: &str| {
        text.split("Clipboard format to save for command")
            .nth(1)
            .is_some_and(|after| {
                after.contains("Ignoring unchanged clipboard")
                    || after.contains("Clipboard changed")
            })
    };
    wait_until("CopyQ's monitor to restart with the command", || {
        std::fs::read_to_string(&log).is_ok_and(|text| restarted(&text[before_fix..]))
    });

    let second = "ghp_SkippedByCopyQSkippedByCopyQSkipp00";
    keys.copy(&SecretString::from(second)).unwrap();
    // CopyQ's own log says when its command looked at the key and dropped it.
    wait_until("CopyQ to ignore the marked key", || {
        std::fs::read_to_string(&log).is_ok_and(|text| text.contains(": Ignoring data"))
    });
    let after = copy_plain_and_wait(&mut plain, "ordinary text after the fix");
    let kept = history();
    assert!(
        !kept.iter().any(|item| item == second),
        "{} items",
        kept.len()
    );
    assert!(kept.contains(&after), "ordinary text is still kept");
}
