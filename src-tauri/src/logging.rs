//! Logging to stderr and to a file under the state directory (owner-only, 0600).
//!
//! Log lines carry ids, counts, codes and outcomes: never a secret value, and never a
//! key's or purpose's name (the log is plaintext beside a vault that seals them). Errors
//! that may quote a name go through [`loggable`].

use std::io::IsTerminal;
use std::sync::Mutex;

use till_core::{TillError, TillPaths};
use tracing_subscriber::{fmt, prelude::*, EnvFilter};

/// The log file's name inside the state directory.
const LOG_FILE: &str = "till-desktop.log";

/// Installs the global subscriber. `TILL_LOG` (e.g. `debug`) overrides the default `info`.
/// A log file that cannot be opened only costs the file layer, never the app.
pub fn init(paths: &TillPaths) {
    let filter = EnvFilter::try_from_env("TILL_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    let file = till_core::paths::open_private_append(&paths.state_dir.join(LOG_FILE)).ok();
    let file_layer = file.map(|f| fmt::layer().with_ansi(false).with_writer(Mutex::new(f)));
    tracing_subscriber::registry()
        .with(filter)
        .with(
            fmt::layer()
                .with_ansi(std::io::stderr().is_terminal())
                .with_writer(std::io::stderr),
        )
        .with(file_layer)
        .try_init()
        .ok();
}

/// What a log line may say about `error`: its message, unless that can quote a name or
/// other user text (then only its code).
pub fn loggable(error: &TillError) -> String {
    match error {
        TillError::KeyNotFound { .. }
        | TillError::DuplicateName { .. }
        | TillError::InvalidInput { .. } => {
            format!("{:?} (details are not logged)", error.code())
        }
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_that_quote_a_name_log_only_their_code() {
        let error = TillError::KeyNotFound {
            name: "Stripe billing".into(),
        };
        assert!(!loggable(&error).contains("Stripe"));
        let error = TillError::DuplicateName {
            name: "Stripe billing".into(),
        };
        assert!(!loggable(&error).contains("Stripe"));
        assert!(loggable(&TillError::VaultLocked).contains("locked"));
    }
}
