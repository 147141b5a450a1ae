//! Errors of the desktop shell: startup failures for the terminal, IPC errors for the UI.

use till_core::{IpcError, TillError};

/// Why Till could not start; printed as one line by `main`.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("{0}")]
    Core(#[from] TillError),
    #[error("the desktop could not be started: {0}; is a display available (DISPLAY or WAYLAND_DISPLAY)?")]
    Tauri(tauri::Error),
}

/// The error every command returns; it reaches the webview as `{ code, message }`.
pub type CommandResult<T> = Result<T, IpcError>;
