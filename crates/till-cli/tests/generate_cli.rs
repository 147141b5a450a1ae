//! `till completions SHELL` and `till manpage`: what the package installs, generated from
//! the parser itself, so every command (autostart included) completes and is documented.

#![allow(clippy::unwrap_used)] // test helpers: a panic is the failure report

use std::process::Command;

fn till(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_till"))
        .args(args)
        .env_remove("TILL_HOME")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn completions_cover_every_command_in_each_shell() {
    for (shell, first_line) in [
        ("bash", "_till() {"),
        ("zsh", "#compdef till"),
        ("fish", "# Print an optspec"),
    ] {
        let script = till(&["completions", shell]);
        assert!(script.starts_with(first_line), "{shell}: {script:.80}");
        for command in ["autostart", "agent", "scan", "completions"] {
            assert!(script.contains(command), "{shell} lacks {command}");
        }
    }
    let bash = till(&["completions", "bash"]);
    let checked = Command::new("bash")
        .args(["-n", "-c", &bash])
        .status()
        .unwrap();
    assert!(checked.success(), "bash parses its completion script");
}

#[test]
fn the_man_page_is_roff_for_till_1() {
    let page = till(&["manpage"]);
    assert!(page.contains(".TH till 1"), "{page:.200}");
    assert!(page.contains("autostart"));
    assert!(
        !till(&["--help"]).contains("manpage"),
        "the man page generator is not advertised in --help"
    );
}
