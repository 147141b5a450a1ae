//! Runs the `till` binary the way scripts do, in a throwaway home.
#![allow(dead_code)] // each test file uses its own part of the helpers

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

pub const PASSWORD: &str = "hunter2 but longer";

/// A throwaway Till home and the clock the commands see.
pub struct Home {
    pub dir: tempfile::TempDir,
    now: String,
}

impl Home {
    pub fn new() -> Self {
        Self {
            dir: tempfile::tempdir().unwrap(),
            now: "2026-11-27T09:00:00Z".into(),
        }
    }

    /// Runs the following commands with `TILL_NOW` at `now`.
    pub fn at(&mut self, now: &str) -> &mut Self {
        self.now = now.into();
        self
    }

    pub fn root(&self) -> PathBuf {
        self.dir.path().join("till")
    }

    /// `till --home ROOT ARGS…` in this home's environment, not started yet.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_till"));
        command
            .arg("--home")
            .arg(self.root())
            .args(args)
            .env("HOME", self.dir.path())
            .env("TILL_KDF", "floor")
            .env("TILL_NOW", &self.now)
            .env_remove("TILL_HOME");
        command
    }

    /// Runs `till --home ROOT ARGS…` with `stdin` piped in.
    pub fn run(&self, args: &[&str], stdin: &[u8]) -> Output {
        let mut child = self
            .command(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // A command that fails before reading stdin closes it: that is not our failure.
        let _ = child.stdin.take().unwrap().write_all(stdin);
        child.wait_with_output().unwrap()
    }

    /// Runs with the password as the first line of stdin, then `rest`.
    pub fn with_password(&self, args: &[&str], rest: &str) -> Output {
        let mut all = vec!["--password-stdin"];
        all.extend_from_slice(args);
        self.run(&all, format!("{PASSWORD}\n{rest}").as_bytes())
    }

    pub fn init(&self) {
        let out = self.with_password(&["init", "--no-keyring"], "");
        assert!(out.status.success(), "{}", stderr(&out));
    }

    pub fn vault_file(&self) -> PathBuf {
        self.root().join("data/vault.db")
    }
}

pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

pub fn assert_one_line_error(out: &Output, code: i32, expect: &str) {
    assert_eq!(out.status.code(), Some(code), "{}", stderr(out));
    let text = stderr(out);
    assert_eq!(text.lines().count(), 1, "{text}");
    assert!(text.starts_with("till: "), "{text}");
    assert!(text.contains(expect), "expected '{expect}' in: {text}");
    assert!(!text.contains("panicked"), "{text}");
}
