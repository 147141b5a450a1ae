//! Clipboard managers that keep what Till copies, and the exact fix for each.
//!
//! Till marks a copied key `x-kde-passwordManagerHint: secret` so clipboard history skips
//! it. Not every manager honours the mark: CopyQ before 8.0 (Debian 12 ships 6.4) stores
//! the key and keeps it after Till clears the clipboard. CopyQ 6.4 does honour an
//! automatic command whose input is that format and which ignores the clipboard, so the
//! fix is one `copyq eval` line the user runs once ([`COPYQ_FIX`]). Verified with the
//! manager running in `tests/managers.rs`.
//!
//! Only managers of this user's session are looked at (their `/proc` entries), and only
//! their name, version and configuration: never their history.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The CopyQ release that ignores marked secrets by itself (hluk/CopyQ#2500, 2023).
const COPYQ_HONOURS_MARK_FROM: (u32, u32) = (8, 0);

/// What makes CopyQ before 8.0 skip marked secrets: an automatic command on the mark's
/// format that ignores the clipboard. Adds it to the user's commands, keeping theirs.
pub const COPYQ_FIX: &str = "copyq eval \"setCommands(commands().concat([{name: \
'Ignore secrets from password managers', automatic: true, \
input: 'x-kde-passwordManagerHint', cmd: 'copyq: ignore()'}]))\"";

/// CopyQ's answer to whether such a command is set and enabled ("true" or "false").
const COPYQ_HAS_FIX: &str = "print(commands().some(function (c) { return c.enable \
&& c.automatic && c.input == 'x-kde-passwordManagerHint'; }))";

/// How long a manager's own command line may take to answer.
const ASK_TIMEOUT: Duration = Duration::from_secs(5);

/// A clipboard manager running in this session that keeps keys Till copies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeakyManager {
    /// Its name as people know it, e.g. "CopyQ".
    pub name: &'static str,
    /// The running version, e.g. "6.4.0".
    pub version: String,
    /// What to run once, in a terminal, so it skips marked secrets.
    pub fix: &'static str,
}

impl LeakyManager {
    /// One line for a person: what happens, and the fix.
    pub fn advice(&self) -> String {
        format!(
            "{} {} keeps keys Till copies in its history (it ignores the password mark). \
             To make it skip them, run once in a terminal: {}",
            self.name, self.version, self.fix
        )
    }
}

/// The clipboard managers of this session that would keep a copied key.
pub fn leaky_managers() -> Vec<LeakyManager> {
    let Some(copyq) = running_program("copyq") else {
        return Vec::new();
    };
    let Some(version) = ask(&copyq, &["--version"])
        .as_deref()
        .and_then(copyq_version)
    else {
        return Vec::new();
    };
    let honours_mark = parse_version(&version) >= COPYQ_HONOURS_MARK_FROM;
    if honours_mark || ask(&copyq, &["eval", COPYQ_HAS_FIX]).as_deref() == Some("true") {
        return Vec::new();
    }
    vec![LeakyManager {
        name: "CopyQ",
        version,
        fix: COPYQ_FIX,
    }]
}

/// "CopyQ Clipboard Manager 6.4.0" (first line of `copyq --version`) → "6.4.0".
fn copyq_version(output: &str) -> Option<String> {
    output
        .lines()
        .find_map(|line| line.strip_prefix("CopyQ Clipboard Manager "))
        .map(|version| version.trim().to_owned())
}

/// "6.4.0" → (6, 4); anything unreadable counts as (0, 0), i.e. old.
fn parse_version(version: &str) -> (u32, u32) {
    let mut parts = version.split('.').map(|p| p.parse().unwrap_or(0));
    (parts.next().unwrap_or(0), parts.next().unwrap_or(0))
}

/// The executable of a process of this user whose name is `name`, if one runs.
fn running_program(name: &str) -> Option<PathBuf> {
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::fs::MetadataExt;
        let me = std::fs::metadata("/proc/self").ok()?.uid();
        std::fs::read_dir("/proc")
            .ok()?
            .flatten()
            .filter(|entry| {
                entry
                    .file_name()
                    .to_string_lossy()
                    .bytes()
                    .all(|b| b.is_ascii_digit())
            })
            .filter(|entry| entry.metadata().is_ok_and(|m| m.uid() == me))
            // Short-lived helpers share the name and may be gone by the time we look.
            .find_map(|entry| {
                let comm = std::fs::read_to_string(entry.path().join("comm")).ok()?;
                (comm.trim_end() == name).then_some(())?;
                std::fs::read_link(entry.path().join("exe")).ok()
            })
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = name;
        None
    }
}

/// Runs `program args`, returning its trimmed standard output if it succeeds within
/// [`ASK_TIMEOUT`] (a hung manager is killed, not waited on).
fn ask(program: &Path, args: &[&str]) -> Option<String> {
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    let deadline = Instant::now() + ASK_TIMEOUT;
    loop {
        match child.try_wait() {
            Ok(Some(status)) if status.success() => break,
            Ok(Some(_)) | Err(_) => return None,
            Ok(None) if Instant::now() >= deadline => {
                let _ = child.kill();
                let _ = child.wait();
                return None;
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
        }
    }
    let output = child.wait_with_output().ok()?;
    Some(String::from_utf8_lossy(&output.stdout).trim().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_are_read_and_compared() {
        let said = "CopyQ Clipboard Manager 6.4.0\nQt: 5.15.8\n";
        assert_eq!(copyq_version(said).as_deref(), Some("6.4.0"));
        assert_eq!(copyq_version("something else"), None);
        assert!(parse_version("6.4.0") < COPYQ_HONOURS_MARK_FROM);
        assert!(parse_version("7.1.0") < COPYQ_HONOURS_MARK_FROM);
        assert!(parse_version("8.0.0") >= COPYQ_HONOURS_MARK_FROM);
        assert!(parse_version("10.0.0") >= COPYQ_HONOURS_MARK_FROM);
        assert_eq!(parse_version("garbled"), (0, 0));
    }

    #[test]
    fn the_advice_names_the_manager_and_the_exact_command() {
        let manager = LeakyManager {
            name: "CopyQ",
            version: "6.4.0".into(),
            fix: COPYQ_FIX,
        };
        let advice = manager.advice();
        assert!(advice.starts_with("CopyQ 6.4.0 keeps keys"), "{advice}");
        assert!(advice.ends_with(COPYQ_FIX));
    }
}
