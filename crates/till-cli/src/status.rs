//! `till status`: the same status the window shows.

use till_core::{AppStatus, Clock, TillError, TillPaths};

/// Prints the status for people or, with `json`, for scripts.
pub fn print(paths: &TillPaths, clock: &dyn Clock, json: bool) -> Result<(), TillError> {
    // The CLI never holds an open vault between invocations.
    let status = AppStatus::gather(paths, clock, false);
    if json {
        let text = serde_json::to_string_pretty(&status).map_err(|error| TillError::Internal {
            what: format!("status could not be written as JSON: {error}"),
        })?;
        println!("{text}");
        return Ok(());
    }
    let clock_note = if status.clock_fixed {
        " (fixed by TILL_NOW)"
    } else {
        ""
    };
    println!("Till {}", status.version);
    println!("vault:     {}", status.vault.label());
    println!("data dir:  {}", status.data_dir);
    println!("clock:     {}{clock_note}", status.now.to_rfc3339());
    Ok(())
}
