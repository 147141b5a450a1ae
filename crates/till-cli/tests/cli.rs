//! The `till` binary as a script would use it: real process, real exit codes.

use std::path::Path;
use std::process::{Command, Output};

/// The `till` binary with a clean environment: HOME set, nothing else Till reads.
fn till_command(home: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_till"));
    for var in [
        "TILL_HOME",
        "TILL_NOW",
        "XDG_DATA_HOME",
        "XDG_CONFIG_HOME",
        "XDG_STATE_HOME",
    ] {
        command.env_remove(var);
    }
    command.env("HOME", home);
    command
}

fn till(home: &Path, args: &[&str]) -> Output {
    till_command(home)
        .args(args)
        .output()
        .expect("the till binary runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn version_and_help_describe_the_tool() {
    let home = tempfile::tempdir().unwrap();
    let version = till(home.path(), &["--version"]);
    assert!(version.status.success());
    assert_eq!(
        stdout(&version).trim(),
        format!("till {}", till_core::VERSION)
    );

    let help = till(home.path(), &["--help"]);
    assert!(help.status.success());
    let text = stdout(&help);
    assert!(text.contains("status"), "{text}");
    assert!(text.contains("--home <DIR>"), "{text}");
}

#[test]
fn status_reports_the_home_given_and_a_missing_vault() {
    let home = tempfile::tempdir().unwrap();
    let root = home.path().join("till-root");
    let output = till(home.path(), &["--home", root.to_str().unwrap(), "status"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    assert!(text.contains("vault:     no vault yet"), "{text}");
    assert!(
        text.contains(&root.join("data").display().to_string()),
        "{text}"
    );
}

#[test]
fn status_json_honours_till_home_and_till_now() {
    let home = tempfile::tempdir().unwrap();
    let root = home.path().join("portable");
    let output = till_command(home.path())
        .args(["status", "--json"])
        .env("TILL_HOME", &root)
        .env("TILL_NOW", "2026-02-28T23:30:00-05:00")
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["vault"], "absent");
    assert_eq!(json["now"], "2026-03-01T04:30:00Z");
    assert_eq!(json["clock_fixed"], true);
    assert_eq!(json["data_dir"], root.join("data").display().to_string());
}

#[test]
fn without_till_home_status_uses_xdg_data_home() {
    let home = tempfile::tempdir().unwrap();
    let output = till(home.path(), &["status", "--json"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let expected = home.path().join(".local/share/till");
    assert_eq!(json["data_dir"], expected.display().to_string());
}

#[test]
fn a_bad_clock_override_fails_with_one_line_that_says_what_to_do() {
    let home = tempfile::tempdir().unwrap();
    let output = till_command(home.path())
        .arg("status")
        .env("TILL_NOW", "yesterday")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(3));
    let message = stderr(&output);
    assert_eq!(message.lines().count(), 1, "{message}");
    assert!(
        message.starts_with("till: TILL_NOW is set to 'yesterday'"),
        "{message}"
    );
    assert!(message.contains("2026-11-27T09:00:00Z"), "{message}");
}

#[test]
fn a_relative_home_is_refused() {
    let home = tempfile::tempdir().unwrap();
    let output = till(home.path(), &["--home", "relative/dir", "status"]);
    assert_eq!(output.status.code(), Some(3));
    assert!(
        stderr(&output).contains("absolute path"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn unknown_commands_are_usage_errors() {
    let home = tempfile::tempdir().unwrap();
    let output = till(home.path(), &["frobnicate"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("unrecognized subcommand"));
}
