//! macOS: a LaunchAgent (`~/Library/LaunchAgents/dev.till.desktop.plist`) that runs the
//! app once at login. Untested: nothing here builds for macOS (see the README).

use std::path::{Path, PathBuf};

use super::{Launch, HIDDEN_FLAG};
use crate::error::TillError;
use crate::paths::{write_private, PathEnv};

const LABEL: &str = "dev.till.desktop";

pub(super) fn entry_path(env: &PathEnv) -> Result<PathBuf, TillError> {
    let home = env.home.as_deref().ok_or(TillError::NoHomeDirectory)?;
    Ok(home
        .join("Library/LaunchAgents")
        .join(format!("{LABEL}.plist")))
}

pub(super) fn write(entry: &Path, launch: &Launch) -> Result<(), TillError> {
    let app = xml(&launch.app.display().to_string());
    let environment = launch
        .till_home
        .as_ref()
        .map(|home| {
            format!(
                "  <key>EnvironmentVariables</key>\n  <dict>\n    <key>TILL_HOME</key>\n    \
                 <string>{}</string>\n  </dict>\n",
                xml(&home.display().to_string())
            )
        })
        .unwrap_or_default();
    let text = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" \
         \"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">\n\
         <plist version=\"1.0\">\n<dict>\n  <key>Label</key>\n  <string>{LABEL}</string>\n  \
         <key>ProgramArguments</key>\n  <array>\n    <string>{app}</string>\n    \
         <string>{HIDDEN_FLAG}</string>\n  </array>\n{environment}  \
         <key>RunAtLoad</key>\n  <true/>\n</dict>\n</plist>\n"
    );
    super::ensure_parent(entry)?;
    write_private(entry, text.as_bytes())
}

pub(super) fn read(entry: &Path) -> Result<Option<Launch>, TillError> {
    let Some(text) = super::read_entry(entry)? else {
        return Ok(None);
    };
    let first_string_after = |key: &str| {
        let rest = &text[text.find(key)? + key.len()..];
        let start = rest.find("<string>")? + "<string>".len();
        let end = rest[start..].find("</string>")? + start;
        Some(unxml(&rest[start..end]))
    };
    let app = first_string_after("<key>ProgramArguments</key>").ok_or_else(|| {
        TillError::InvalidInput {
            what: format!("{} names no program: remove it", entry.display()),
        }
    })?;
    Ok(Some(Launch {
        app: PathBuf::from(app),
        till_home: first_string_after("<key>TILL_HOME</key>").map(PathBuf::from),
    }))
}

pub(super) fn remove(entry: &Path) -> Result<bool, TillError> {
    super::remove_file(entry)
}

fn xml(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn unxml(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}
