//! `till scan --install-hook`: a git pre-commit hook that runs `till scan --staged` and
//! blocks a commit that would add a key, printing each finding's fix.
//!
//! An existing hook is never replaced: it is kept as `pre-commit.till-previous` and run
//! first by ours. Installing again rewrites only our own hook, so it is idempotent.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use till_core::TillError;

/// Marks a hook as ours.
const MARKER: &str = "# till scan pre-commit hook";

/// Where a hook that was there before ours is kept.
const PREVIOUS: &str = "pre-commit.till-previous";

fn hook_text(till: &Path) -> String {
    let till = till.display().to_string().replace('\'', r"'\''");
    format!(
        r#"#!/bin/sh
{MARKER} (installed by `till scan --install-hook`; remove this file to uninstall).
# Blocks a commit whose staged files hold an API key. A hook that was here before is
# kept as {PREVIOUS} and runs first.
hooks_dir=$(dirname "$0")
if [ -x "$hooks_dir/{PREVIOUS}" ]; then
  "$hooks_dir/{PREVIOUS}" "$@" || exit $?
fi
till='{till}'
[ -x "$till" ] || till=till
"$till" scan --staged .
status=$?
if [ "$status" -eq 1 ]; then
  echo "Commit blocked by till scan: remove the keys above from the staged files (each line says what to do next), or mark a false positive with a till:allow comment, then commit again." >&2
fi
exit "$status"
"#
    )
}

/// Installs the hook in the repository holding `repo`.
pub fn install(repo: &Path) -> Result<ExitCode, TillError> {
    let hooks = match hooks_dir(repo) {
        Ok(hooks) => hooks,
        Err(message) => {
            eprintln!("till: {message}");
            return Ok(ExitCode::from(2));
        }
    };
    let storage = |path: &Path| {
        let path = path.to_owned();
        move |source| TillError::Storage { path, source }
    };
    std::fs::create_dir_all(&hooks).map_err(storage(&hooks))?;
    let hook = hooks.join("pre-commit");
    let previous = hooks.join(PREVIOUS);
    let till = std::env::current_exe().unwrap_or_else(|_| PathBuf::from("till"));
    let text = hook_text(&till);
    match std::fs::read_to_string(&hook) {
        Ok(existing) if existing.contains(MARKER) => {
            std::fs::write(&hook, &text).map_err(storage(&hook))?;
            eprintln!(
                "The till scan pre-commit hook is already installed in {}.",
                hooks.display()
            );
            return Ok(ExitCode::SUCCESS);
        }
        Ok(_) => {
            if previous.exists() {
                eprintln!(
                    "till: {} already keeps an earlier hook; merge {} into it by hand, then install again",
                    previous.display(),
                    hook.display()
                );
                return Ok(ExitCode::from(2));
            }
            std::fs::rename(&hook, &previous).map_err(storage(&hook))?;
            eprintln!("Kept the existing pre-commit hook as {PREVIOUS}; it still runs first.");
        }
        Err(_) if hook.exists() => {
            eprintln!("till: {} exists but cannot be read", hook.display());
            return Ok(ExitCode::from(2));
        }
        Err(_) => {}
    }
    std::fs::write(&hook, text).map_err(storage(&hook))?;
    make_executable(&hook).map_err(storage(&hook))?;
    eprintln!(
        "Installed the till scan pre-commit hook in {}: commits that add a key are blocked.",
        hooks.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// The repository's hooks directory (honours `core.hooksPath`).
fn hooks_dir(repo: &Path) -> Result<PathBuf, String> {
    let out = Command::new("git")
        .arg("-C")
        .arg(repo)
        .args(["rev-parse", "--path-format=absolute", "--git-path", "hooks"])
        .output()
        .map_err(|e| format!("could not run git (is it installed?): {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "{} is not a git repository: {}",
            repo.display(),
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    Ok(PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()))
}

#[cfg(unix)]
fn make_executable(path: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755))
}

#[cfg(not(unix))]
fn make_executable(_path: &Path) -> std::io::Result<()> {
    Ok(())
}
