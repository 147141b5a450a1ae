//! The command line: arguments, and which module runs each command.

use std::path::PathBuf;

use clap::{Parser, Subcommand};
use till_core::clock::clock_from_env;
use till_core::{TillError, TillPaths};

use crate::status;

/// Till keeps your team's API keys sealed, narrow and rotated.
#[derive(Debug, Parser)]
#[command(name = "till", version, about, propagate_version = true)]
pub struct Cli {
    /// Keep all of Till's files under DIR (overrides TILL_HOME and the XDG directories).
    #[arg(
        long,
        global = true,
        value_name = "DIR",
        env = "TILL_HOME",
        hide_env = true
    )]
    home: Option<PathBuf>,

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Show Till's version, vault state and data directory (as the window does).
    Status {
        /// Print the status as JSON.
        #[arg(long)]
        json: bool,
    },
}

/// Runs the parsed command.
pub fn run(cli: Cli) -> Result<(), TillError> {
    let paths = TillPaths::from_env(cli.home.as_deref())?;
    let clock = clock_from_env()?;
    match cli.command {
        Command::Status { json } => status::print(&paths, clock.as_ref(), json),
    }
}
