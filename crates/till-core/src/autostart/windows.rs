//! Windows: the per-user `Run` registry value `Till`, set and read through `reg.exe` so
//! no registry crate is needed. Untested: nothing here builds for Windows (see the
//! README). A portable vault's `TILL_HOME` cannot ride along in a `Run` value; the
//! app then opens the default vault at login.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::{Launch, HIDDEN_FLAG};
use crate::error::TillError;
use crate::paths::PathEnv;

const RUN_KEY: &str = r"HKCU\Software\Microsoft\Windows\CurrentVersion\Run";
const VALUE: &str = "Till";

pub(super) fn entry_path(_env: &PathEnv) -> Result<PathBuf, TillError> {
    Ok(PathBuf::from(format!(r"{RUN_KEY}\{VALUE}")))
}

fn reg(args: &[&str]) -> Result<std::process::Output, TillError> {
    Command::new("reg")
        .args(args)
        .output()
        .map_err(|source| TillError::Storage {
            path: PathBuf::from(RUN_KEY),
            source,
        })
}

pub(super) fn write(_entry: &Path, launch: &Launch) -> Result<(), TillError> {
    let command = format!("\"{}\" {HIDDEN_FLAG}", launch.app.display());
    let output = reg(&[
        "add",
        RUN_KEY,
        "/v",
        VALUE,
        "/t",
        "REG_SZ",
        "/d",
        command.as_str(),
        "/f",
    ])?;
    if output.status.success() {
        Ok(())
    } else {
        Err(TillError::InvalidInput {
            what: format!(
                "Windows refused the autostart entry ({}): add Till to Startup apps by hand",
                String::from_utf8_lossy(&output.stderr).trim()
            ),
        })
    }
}

pub(super) fn read(_entry: &Path) -> Result<Option<Launch>, TillError> {
    let output = reg(&["query", RUN_KEY, "/v", VALUE])?;
    if !output.status.success() {
        return Ok(None);
    }
    let text = String::from_utf8_lossy(&output.stdout);
    let app = text
        .split('"')
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_default();
    Ok(Some(Launch {
        app,
        till_home: None,
    }))
}

pub(super) fn remove(_entry: &Path) -> Result<bool, TillError> {
    Ok(reg(&["delete", RUN_KEY, "/v", VALUE, "/f"])?
        .status
        .success())
}
