//! `till completions SHELL` and the man page: generated from the same clap definitions
//! as the parser, so they never drift from what `till` accepts. The package
//! (`scripts/package`) installs both; a source build can write the completions itself.

use std::io::Write;

use clap::{CommandFactory, ValueEnum};
use till_core::TillError;

use crate::cli::Cli;

/// The shells `till completions` writes for.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Shell {
    Bash,
    Zsh,
    Fish,
}

/// Prints the completion script for `shell` to standard output.
pub fn completions(shell: Shell) -> Result<(), TillError> {
    let shell = match shell {
        Shell::Bash => clap_complete::Shell::Bash,
        Shell::Zsh => clap_complete::Shell::Zsh,
        Shell::Fish => clap_complete::Shell::Fish,
    };
    // Into memory first: clap_complete panics on a failed write (a closed pipe).
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "till", &mut script);
    print(&script)
}

/// Prints `till(1)` as roff to standard output.
pub fn man_page() -> Result<(), TillError> {
    let mut page = Vec::new();
    clap_mangen::Man::new(Cli::command())
        .render(&mut page)
        .map_err(stdout_error)?;
    print(&page)
}

/// Writes to standard output; a reader that stopped early (`| head`) is not an error.
fn print(bytes: &[u8]) -> Result<(), TillError> {
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Err(error) if error.kind() != std::io::ErrorKind::BrokenPipe => Err(stdout_error(error)),
        _ => Ok(()),
    }
}

fn stdout_error(error: std::io::Error) -> TillError {
    TillError::Internal {
        what: format!("could not write to standard output: {error}"),
    }
}
