//! Errors of the desktop shell: startup failures for the terminal, IPC errors for the UI.
//!
//! `IpcError` is the webview's wire type, so it lives here with the other IPC types and
//! not in the core (the `till` command has no use for it): the core's [`ErrorCode`]
//! crosses unchanged, with the error's message for people.

use serde::Serialize;
use till_core::{ErrorCode, TillError};
use ts_rs::TS;

/// Why Till could not start; printed as one line by `main`.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("{0}")]
    Core(#[from] TillError),
    #[error("the desktop could not be started: {0}; is a display available (DISPLAY or WAYLAND_DISPLAY)?")]
    Tauri(tauri::Error),
}

/// An error as the webview receives it: `{ code, message }`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct IpcError {
    pub code: ErrorCode,
    pub message: String,
}

impl From<&TillError> for IpcError {
    fn from(error: &TillError) -> Self {
        Self {
            code: error.code(),
            message: error.to_string(),
        }
    }
}

impl From<TillError> for IpcError {
    fn from(error: TillError) -> Self {
        Self::from(&error)
    }
}

impl IpcError {
    /// An internal error: a bug. The message asks for a report rather than blaming the user.
    pub fn internal(what: impl std::fmt::Display) -> Self {
        Self::from(TillError::Internal {
            what: what.to_string(),
        })
    }
}

/// The error every command returns; it reaches the webview as `{ code, message }`.
pub type CommandResult<T> = Result<T, IpcError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipc_error_serializes_as_code_and_message() {
        let error = IpcError::from(TillError::NoHomeDirectory);
        let json = serde_json::to_value(&error).expect("serializes");
        assert_eq!(json["code"], "bad_environment");
        assert!(json["message"]
            .as_str()
            .is_some_and(|message| message.contains("TILL_HOME")));
    }
}
