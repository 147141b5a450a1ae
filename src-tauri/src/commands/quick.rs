//! Commands of the quick-search window: what matches what was typed, and closing it.

use tauri::{AppHandle, State};
use till_core::shortlist::QuickItem;

use crate::error::CommandResult;
use crate::state::AppState;
use crate::{quick, windows};

/// The keys and purposes matching `query`, best first (all of them, pinned first, for a
/// blank query). Names and scopes only; core builds and ranks the list.
#[tauri::command]
pub fn quick_items(state: State<'_, AppState>, query: String) -> CommandResult<Vec<QuickItem>> {
    quick::items(&state, &query)
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
