//! `till autostart enable | disable | status`: start Till's desktop app at login.
//!
//! The entry points at the desktop app that goes with this `till` (its sibling in a
//! source build, else the packaged `/usr/bin/till-desktop`), and carries `--home` /
//! `TILL_HOME` along so a portable vault opens at login too.

use std::path::Path;

use clap::Subcommand;
use till_core::autostart::{desktop_app_for_cli, Autostart, AutostartStatus, Launch};
use till_core::TillError;

use crate::input::to_json;

/// `till autostart` actions.
#[derive(Debug, Subcommand)]
pub enum AutostartAction {
    /// Start Till's desktop app in the tray at login (no window).
    Enable,
    /// Stop starting Till at login.
    Disable,
    /// Say whether Till starts at login, and which app.
    Status {
        /// Print JSON for scripts: enabled, entry, app, app_missing.
        #[arg(long)]
        json: bool,
    },
}

/// Runs an autostart action; `home` is `--home` or `TILL_HOME`, if given.
pub fn run(action: AutostartAction, home: Option<&Path>) -> Result<(), TillError> {
    let autostart = Autostart::from_env()?;
    match action {
        AutostartAction::Enable => {
            let till = std::env::current_exe().map_err(|error| TillError::Internal {
                what: format!("cannot tell where `till` itself is: {error}"),
            })?;
            let launch = Launch {
                app: desktop_app_for_cli(&till)?,
                till_home: home.map(Path::to_owned),
            };
            let status = autostart.enable(&launch)?;
            eprintln!(
                "Till will start in the tray at login: {} (entry {}).",
                launch.app.display(),
                status.entry
            );
        }
        AutostartAction::Disable => {
            if autostart.disable()? {
                eprintln!("Till will no longer start at login.");
            } else {
                eprintln!("Till was not starting at login; nothing to do.");
            }
        }
        AutostartAction::Status { json } => {
            let status = autostart.status()?;
            if json {
                println!("{}", to_json(&status)?);
            } else {
                println!("{}", describe(&status));
            }
        }
    }
    Ok(())
}

fn describe(status: &AutostartStatus) -> String {
    match (&status.app, status.app_missing) {
        (Some(app), false) => format!("autostart: on, starts {app} ({})", status.entry),
        (Some(app), true) => format!(
            "autostart: on, but {app} is gone: run `till autostart enable` to point it at \
             this Till ({})",
            status.entry
        ),
        (None, _) => "autostart: off (`till autostart enable` turns it on)".to_owned(),
    }
}
