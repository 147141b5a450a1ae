//! Commands about Till itself rather than the vault.

use tauri::State;
use till_core::AppStatus;

use crate::error::CommandResult;
use crate::state::AppState;

/// Version, vault state and data directory, as shown in the window's status strip.
#[tauri::command]
pub fn app_status(state: State<'_, AppState>) -> CommandResult<AppStatus> {
    Ok(state.status())
}
