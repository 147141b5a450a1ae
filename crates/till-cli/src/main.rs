//! `till`: Till's vault for scripts and terminals.
//!
//! The same core as the desktop app, so `till status` and the window always agree. Errors
//! are one line on stderr with a non-zero exit: 1 when the command failed, 2 for bad usage.
#![forbid(unsafe_code)]

mod backup;
mod cli;
mod copy;
mod import;
mod init;
mod input;
mod keys;
mod lessons;
mod log;
mod reminders;
mod status;
mod team;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    match cli::run(cli) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("till: {error}");
            ExitCode::FAILURE
        }
    }
}
