//! Starting Till at login, from Settings and the walkthrough's last step: core writes the
//! entry, pointing at this very app (and its `TILL_HOME`, for a portable vault).

use till_core::autostart::{Autostart, AutostartStatus, Launch};
use till_core::paths::TILL_HOME_VAR;
use till_core::TillError;

use crate::error::CommandResult;

/// Whether Till starts at login.
#[tauri::command]
pub fn autostart_status() -> CommandResult<AutostartStatus> {
    Ok(Autostart::from_env()?.status()?)
}

/// Turns starting at login on (pointing at the running app) or off.
#[tauri::command]
pub fn set_autostart(enabled: bool) -> CommandResult<AutostartStatus> {
    let autostart = Autostart::from_env()?;
    if !enabled {
        autostart.disable()?;
        tracing::info!("autostart turned off");
        return Ok(autostart.status()?);
    }
    let app = std::env::current_exe().map_err(|error| TillError::Internal {
        what: format!("cannot tell where Till itself is: {error}"),
    })?;
    let launch = Launch {
        app,
        till_home: std::env::var_os(TILL_HOME_VAR)
            .filter(|home| !home.is_empty())
            .map(Into::into),
    };
    let status = autostart.enable(&launch)?;
    tracing::info!("autostart turned on");
    Ok(status)
}
