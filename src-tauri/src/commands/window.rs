//! Commands about the window itself.

use crate::error::{CommandResult, IpcError};

/// Closes the calling window (Ctrl+W), as the window manager's close button does: Till
/// keeps running in the tray, and the window's page ends after the keep-warm time
/// (`crate::windows`).
#[tauri::command]
pub fn close_main_window(window: tauri::WebviewWindow) -> CommandResult<()> {
    window.close().map_err(IpcError::internal)
}
