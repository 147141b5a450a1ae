//! `till status`: the same status the window shows.

use till_core::{AppStatus, TillError};

use crate::context::Context;

/// Prints the status for people or, with `json`, for scripts.
pub fn print(context: &Context, json: bool) -> Result<(), TillError> {
    // The CLI never holds an open vault between invocations.
    let status = AppStatus::gather(&context.paths, context.clock.as_ref(), false);
    if json {
        println!("{}", crate::input::to_json(&status)?);
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
