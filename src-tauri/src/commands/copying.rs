//! Commands for copying keys and for purposes. The value goes to the clipboard in Rust;
//! the window gets which key and why.

use tauri::{AppHandle, State};
use till_core::vault::{CopyPlan, CopyRequest, Purpose};

use crate::copying::{self, Copied};
use crate::error::CommandResult;
use crate::state::AppState;

/// Which key a copy would use and whether it grants more than asked (nothing copied).
#[tauri::command]
pub fn plan_copy(state: State<'_, AppState>, request: CopyRequest) -> CommandResult<CopyPlan> {
    copying::plan(&state, &request)
}

/// Copies a key to the clipboard; a broader key only with `allow_broader` (the person
/// agreed), which the audit log records as over-privileged.
#[tauri::command]
pub fn copy_key(
    app: AppHandle,
    request: CopyRequest,
    allow_broader: bool,
) -> CommandResult<Copied> {
    copying::copy(&app, &request, allow_broader)
}

/// The saved purposes.
#[tauri::command]
pub fn list_purposes(state: State<'_, AppState>) -> CommandResult<Vec<Purpose>> {
    state.with_vault(|vault| vault.copies().purposes())
}

/// Saves (or replaces) a purpose.
#[tauri::command]
pub fn save_purpose(
    state: State<'_, AppState>,
    name: String,
    scopes: Vec<String>,
) -> CommandResult<Purpose> {
    state.with_vault(|vault| vault.copies().save_purpose(&name, &scopes))
}

/// Deletes a purpose.
#[tauri::command]
pub fn remove_purpose(state: State<'_, AppState>, name: String) -> CommandResult<()> {
    state.with_vault(|vault| vault.copies().remove_purpose(&name))
}
