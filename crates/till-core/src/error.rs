//! Errors with a stable code and a message that says what to do.
//!
//! Every failure the user can see carries an [`ErrorCode`] from a closed list. The code
//! crosses IPC unchanged (the desktop shell's `IpcError` carries it to the window, where
//! `ui/src/lib/ipc/errors.ts` mirrors the list from the generated bindings) and sets the
//! `till` command's exit status, while the message is for people: what happened and what
//! to try next. Messages never contain secret values.

use std::path::PathBuf;

use serde::Serialize;
use ts_rs::TS;

/// The closed list of error codes shared with the UI and the CLI's exit status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum ErrorCode {
    /// An environment variable or option Till reads was set to something unusable.
    BadEnvironment,
    /// A file or directory Till needs could not be read or written.
    Storage,
    /// No vault exists yet where Till looked.
    VaultMissing,
    /// A vault already exists there.
    VaultExists,
    /// The master password did not open the vault.
    WrongPassword,
    /// Too many failed unlocks: wait before trying again.
    Throttled,
    /// The vault needs the master password (no keyring entry, or the keyring is unreachable).
    PasswordRequired,
    /// The OS keyring could not be reached or refused the request.
    KeyringUnavailable,
    /// The vault is locked: unlock it first.
    Locked,
    /// No key by that name.
    NotFound,
    /// A key by that name already exists.
    Conflict,
    /// The input was refused (too large, not text, malformed): the message says why.
    InvalidInput,
    /// The vault file is damaged or was tampered with; nothing was changed.
    Corrupt,
    /// A bug in Till: it should never happen, and the message says how to report it.
    Internal,
}

/// Anything that can go wrong in the core.
#[derive(Debug, thiserror::Error)]
pub enum TillError {
    #[error(
        "TILL_NOW is set to '{value}', which is not an RFC 3339 time: \
         use a value like 2026-11-27T09:00:00Z, or unset it to use the system clock"
    )]
    BadClockOverride { value: String },

    #[error(
        "cannot work out where Till keeps its files: neither TILL_HOME nor HOME is set; \
         set TILL_HOME to a directory (or pass --home DIR)"
    )]
    NoHomeDirectory,

    #[error("{what} must be an absolute path, got '{}'; give a full path such as /home/you/till", path.display())]
    RelativePath { what: &'static str, path: PathBuf },

    #[error("{detail}")]
    NoClipboard { detail: String },

    #[error("Till hit an internal error ({what}); please report it with the log")]
    Internal { what: String },

    #[error("no vault at {}: create one with `till init` (or open Till and follow the setup)", path.display())]
    VaultMissing { path: PathBuf },

    #[error("a vault already exists at {}: use it, or move it away first to start over", path.display())]
    VaultExists { path: PathBuf },

    #[error("the vault at {} could not be read or written ({detail}); check free disk space and permissions", path.display())]
    Database { path: PathBuf, detail: String },

    #[error("wrong master password: the vault is unchanged; check Caps Lock and try again")]
    WrongPassword,

    #[error("too many failed unlock attempts: wait {wait_secs} s before trying again")]
    Throttled { wait_secs: u64 },

    #[error("this vault needs its master password ({why}): pass it with --password-stdin")]
    PasswordRequired { why: &'static str },

    #[error("the OS keyring is not available ({detail}): unlock your desktop keyring, or use the master password")]
    KeyringUnavailable { detail: String },

    #[error("the keyring entry for this vault is damaged: unlock with the master password, then re-enable the keyring")]
    KeyringEntryDamaged,

    #[error("the vault is locked: unlock it with your master password or the OS keyring")]
    VaultLocked,

    #[error("no key named '{name}': `till list` shows the names")]
    KeyNotFound { name: String },

    #[error("a key named '{name}' already exists: pick another name, or remove the old key first")]
    DuplicateName { name: String },

    #[error("{what}")]
    InvalidInput { what: String },

    #[error("Till's desktop app is not at {looked}: build it (`cargo build --release -p till-desktop`) or install Till's package")]
    DesktopAppMissing { looked: String },

    #[error("the vault at {} is damaged or was tampered with ({detail}); it was not changed: restore it from a backup", path.display())]
    Corrupt { path: PathBuf, detail: String },

    #[error("the vault at {} was written by a newer Till (schema {found}, this Till knows up to {known}): update Till to open it", path.display())]
    NewerVault {
        path: PathBuf,
        found: i64,
        known: i64,
    },

    #[error("cannot use {}: {source}; check that the directory exists and is writable by you", path.display())]
    Storage {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl TillError {
    /// The stable code for this error.
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::BadClockOverride { .. }
            | Self::NoHomeDirectory
            | Self::RelativePath { .. }
            | Self::NoClipboard { .. } => ErrorCode::BadEnvironment,
            Self::Storage { .. } | Self::Database { .. } => ErrorCode::Storage,
            Self::Internal { .. } => ErrorCode::Internal,
            Self::VaultMissing { .. } => ErrorCode::VaultMissing,
            Self::VaultExists { .. } => ErrorCode::VaultExists,
            Self::WrongPassword => ErrorCode::WrongPassword,
            Self::Throttled { .. } => ErrorCode::Throttled,
            Self::PasswordRequired { .. } => ErrorCode::PasswordRequired,
            Self::KeyringUnavailable { .. } | Self::KeyringEntryDamaged => {
                ErrorCode::KeyringUnavailable
            }
            Self::VaultLocked => ErrorCode::Locked,
            Self::KeyNotFound { .. } | Self::DesktopAppMissing { .. } => ErrorCode::NotFound,
            Self::DuplicateName { .. } => ErrorCode::Conflict,
            Self::InvalidInput { .. } => ErrorCode::InvalidInput,
            Self::Corrupt { .. } | Self::NewerVault { .. } => ErrorCode::Corrupt,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_error_has_a_code_and_says_what_to_do() {
        let error = TillError::NoHomeDirectory;
        assert_eq!(error.code(), ErrorCode::BadEnvironment);
        assert!(error.to_string().contains("TILL_HOME"));
        let json = serde_json::to_value(ErrorCode::PasswordRequired).unwrap();
        assert_eq!(json, "password_required");
    }
}
