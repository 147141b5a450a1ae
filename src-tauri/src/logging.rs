//! Logging to stderr and to a file under the state directory. Never log secret values.

use std::fs::OpenOptions;
use std::io::IsTerminal;
use std::sync::Mutex;

use till_core::TillPaths;
use tracing_subscriber::{fmt, prelude::*, EnvFilter};

/// The log file's name inside the state directory.
const LOG_FILE: &str = "till-desktop.log";

/// Installs the global subscriber. `TILL_LOG` (e.g. `debug`) overrides the default `info`.
/// A log file that cannot be opened only costs the file layer, never the app.
pub fn init(paths: &TillPaths) {
    let filter = EnvFilter::try_from_env("TILL_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    let file = OpenOptions::new()
        .create(true)
        .append(true)
        .open(paths.state_dir.join(LOG_FILE))
        .ok();
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
