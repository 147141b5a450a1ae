//! The command line: arguments, and which module runs each command.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use till_core::TillError;

use crate::context::Context;
use crate::{
    agent, autostart, backup, copy, gateway, generate, import, init, keys, lessons, log, reminders,
    run, scan, status, team,
};

/// Till keeps your team's API keys sealed, narrow and rotated.
#[derive(Debug, Parser)]
#[command(
    name = "till",
    version,
    about,
    propagate_version = true,
    after_help = crate::exit::HELP_TABLE
)]
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

    /// Read the master password from the first line of standard input.
    #[arg(long, global = true)]
    password_stdin: bool,

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
    /// Create a vault, protected by a master password and (by default) the OS keyring.
    Init {
        /// Always ask for the master password: keep no key in the OS keyring.
        #[arg(long)]
        no_keyring: bool,
    },
    /// Change the master password (the vault's records are not re-encrypted).
    Passwd,
    /// Add a key; its value comes from standard input or a file, never the command line.
    Add(keys::AddArgs),
    /// Change a key's details, replace its value, or roll the value back.
    Edit(keys::EditArgs),
    /// List keys (names, providers, fingerprints and dates; never values).
    List {
        /// Only keys matching this (Till's search: name, provider, environment, owner,
        /// purpose, scopes, tags; letters in order), best first.
        query: Option<String>,
        /// Print JSON for scripts.
        #[arg(long)]
        json: bool,
    },
    /// Print a key's value (audited).
    Get {
        /// The key's name.
        name: String,
    },
    /// Remove a key and its value.
    Rm {
        /// The key's name.
        name: String,
    },
    /// Import keys from a .env file or a 1Password, Bitwarden or KeePassXC export.
    Import(import::ImportArgs),
    /// Write an encrypted backup (or, with --metadata-csv, a CSV without values).
    Export(backup::ExportArgs),
    /// Show the audit log, or check it with `till log verify`.
    Log(LogArgs),
    /// List rotations, audits and expiries that are upcoming or past due.
    Due {
        /// Print JSON for scripts: name, kind, state, due_at (and more).
        #[arg(long)]
        json: bool,
    },
    /// Rotate a key: store its new value (the old one is kept 7 days for a rollback).
    Rotate(reminders::RotateArgs),
    /// Record that a key was audited (still needed, owner right, scopes minimal).
    Audit(reminders::AuditArgs),
    /// Copy a key to the clipboard: by name, or the narrowest key for a scope or purpose.
    Copy(copy::CopyArgs),
    /// Run a command with the keys it needs: agent keys for LLM providers (capped,
    /// revoked when it ends), other keys in its environment only, masked in its output.
    Run(run::RunArgs),
    /// Check a team file against the inventory, adopt it, or tick its manual items.
    Team {
        #[command(subcommand)]
        action: team::TeamAction,
    },
    /// List the lessons and your progress, or mark one done.
    Lessons {
        /// Print JSON for scripts.
        #[arg(long)]
        json: bool,
        #[command(subcommand)]
        action: Option<lessons::LessonAction>,
    },
    /// Save, list or remove purposes (named scope requests for one-step copies).
    Purpose {
        #[command(subcommand)]
        action: copy::PurposeAction,
    },
    /// Find API keys in files or git history, naming the vault's (exit 0 clean, 1
    /// findings, 2 bad usage or unreadable path).
    Scan(scan::ScanArgs),
    /// Check that a key is live with its provider (exit 0 live, 1 not live).
    Verify {
        /// The key's name.
        name: String,
    },
    /// Agent keys: capped, scoped, expiring `till_sk_` tokens served by the gateway.
    Agent {
        #[command(subcommand)]
        action: agent::AgentAction,
    },
    /// Start Till's desktop app in the tray at login: enable, disable, status.
    Autostart {
        #[command(subcommand)]
        action: autostart::AutostartAction,
    },
    /// Print shell completions for `till` (bash, zsh or fish) to standard output.
    Completions {
        #[arg(value_enum)]
        shell: generate::Shell,
    },
    /// Print the man page, till(1), as roff (the package installs it).
    #[command(hide = true)]
    Manpage,
    /// Run the agent gateway in the foreground (127.0.0.1 only; SIGTERM stops it).
    Gateway {
        /// The port (default: `[gateway] port` in settings.toml, 8417; 0 picks a free one).
        #[arg(long)]
        port: Option<u16>,
    },
}

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
struct LogArgs {
    /// Print JSON for scripts.
    #[arg(long)]
    json: bool,
    #[command(subcommand)]
    action: Option<LogAction>,
}

#[derive(Debug, Subcommand)]
enum LogAction {
    /// Check that no entry was edited, removed or reordered (exit 1 if one was).
    Verify,
}

/// Runs the parsed command; the exit code is 0 unless the command reports a finding.
pub fn run(cli: Cli) -> Result<ExitCode, TillError> {
    // These need no vault, settings or clock.
    match cli.command {
        Command::Autostart { action } => {
            return autostart::run(action, cli.home.as_deref()).map(|()| ExitCode::SUCCESS)
        }
        Command::Completions { shell } => {
            return generate::completions(shell).map(|()| ExitCode::SUCCESS)
        }
        Command::Manpage => return generate::man_page().map(|()| ExitCode::SUCCESS),
        _ => {}
    }
    let context = Context::from_env(cli.home.as_deref(), cli.password_stdin)?;
    match cli.command {
        Command::Status { json } => status::print(&context, json).map(|()| ExitCode::SUCCESS),
        Command::Init { no_keyring } => init::run(&context, no_keyring).map(|()| ExitCode::SUCCESS),
        Command::Passwd => init::change_password(&context).map(|()| ExitCode::SUCCESS),
        Command::Add(args) => keys::add(&context, args).map(|()| ExitCode::SUCCESS),
        Command::Edit(args) => keys::edit(&context, args).map(|()| ExitCode::SUCCESS),
        Command::List { query, json } => {
            keys::list(&context, query.as_deref(), json).map(|()| ExitCode::SUCCESS)
        }
        Command::Get { name } => keys::get(&context, &name).map(|()| ExitCode::SUCCESS),
        Command::Rm { name } => keys::remove(&context, &name).map(|()| ExitCode::SUCCESS),
        Command::Export(args) => backup::export(&context, args).map(|()| ExitCode::SUCCESS),
        Command::Import(args) => import::run(&context, args).map(|()| ExitCode::SUCCESS),
        Command::Log(LogArgs {
            action: Some(LogAction::Verify),
            ..
        }) => log::verify(&context),
        Command::Log(LogArgs { json, action: None }) => {
            log::show(&context, json).map(|()| ExitCode::SUCCESS)
        }
        Command::Due { json } => reminders::due(&context, json).map(|()| ExitCode::SUCCESS),
        Command::Rotate(args) => reminders::rotate(&context, args),
        Command::Audit(args) => reminders::audit(&context, args).map(|()| ExitCode::SUCCESS),
        Command::Verify { name } => reminders::verify(&context, &name),
        Command::Copy(args) => copy::run(&context, args),
        Command::Run(args) => run::run(&context, args),
        Command::Team { action } => team::run(&context, action),
        Command::Lessons { json, action } => {
            lessons::run(&context, json, action).map(|()| ExitCode::SUCCESS)
        }
        Command::Scan(args) => scan::run(&context, args),
        Command::Purpose { action } => copy::purpose(&context, action).map(|()| ExitCode::SUCCESS),
        Command::Agent { action } => agent::run(&context, action),
        Command::Gateway { port } => gateway::run(&context, port),
        Command::Autostart { .. } | Command::Completions { .. } | Command::Manpage => {
            unreachable!("handled before the context")
        }
    }
}
