//! Commands about the window itself.

use crate::error::{CommandResult, IpcError};

/// Closes the calling window (Ctrl+W). Till keeps running in the tray, and the webview is
/// destroyed with the window, as when the window manager's close button is used.
#[tauri::command]
pub fn close_main_window(window: tauri::WebviewWindow) -> CommandResult<()> {
    window.close().map_err(IpcError::internal)
}
