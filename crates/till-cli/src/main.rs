//! `till`: Till's vault for scripts and terminals.
//!
//! The same core as the desktop app, so `till status` and the window always agree. Errors
//! are one line on stderr with an exit status that follows the error's code (see
//! `exit.rs`: 1 for a failure or a reported finding, 2 for bad usage, 3 and up per code).
#![forbid(unsafe_code)]

mod agent;
mod autostart;
mod backup;
mod cli;
mod context;
mod copy;
mod exit;
mod gateway;
mod generate;
mod hook;
mod import;
mod init;
mod input;
mod keys;
mod lessons;
mod log;
mod reminders;
mod run;
mod scan;
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
            exit::exit_code_for(error.code())
        }
    }
}
