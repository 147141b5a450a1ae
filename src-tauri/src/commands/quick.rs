//! Commands of the quick-search window: what matches what was typed, opening the Agents
//! mint form for a "New agent key for…" item, and closing it.

use tauri::{AppHandle, State};
use till_core::shortlist::QuickItem;
use till_core::vault::CopyRequest;

use crate::error::CommandResult;
use crate::state::AppState;
use crate::{quick, windows};

/// The keys and purposes matching `query`, best first (all of them, pinned first, for a
/// blank query). Names and scopes only; core builds and ranks the list.
#[tauri::command]
pub fn quick_items(state: State<'_, AppState>, query: String) -> CommandResult<Vec<QuickItem>> {
    quick::items(&state, &query)
}

/// "New agent key for…": opens the window's Agents mint form on the key the item names
/// (for a purpose, the key its copy would pick, and the purpose as the label) and hides
/// quick search.
#[tauri::command]
pub fn new_agent_key_for(app: AppHandle, request: CopyRequest) -> CommandResult<()> {
    quick::hide(&app);
    quick::open_mint_form(&app, &request)
}

/// Hides the quick window (Esc, or after a copy).
#[tauri::command]
pub fn hide_quick_window(app: AppHandle) {
    quick::hide(&app);
}

/// Opens the main window (to unlock) and hides quick search.
#[tauri::command]
pub fn open_till(app: AppHandle) {
    quick::hide(&app);
    windows::show_main(&app);
}
