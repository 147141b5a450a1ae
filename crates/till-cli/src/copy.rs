//! `till copy`: a key to the clipboard, by name, scope or purpose, never to the terminal.
//!
//! The command says which key it chose and why, locks the vault, then keeps serving the
//! clipboard (X11 clipboards live in their owner) until the timeout or until something
//! else is copied, clears it if it still holds the key, and exits.

use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::Args;
use till_clipboard::KeyClipboard;
use till_core::vault::CopyRequest;
use till_core::TillError;

use crate::context::Context;
use crate::input::{open_vault, Stdin};

/// `till copy` arguments.
#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("what").required(true).args(["name", "scopes", "purpose"]))]
pub struct CopyArgs {
    /// The key's name.
    name: Option<String>,
    /// Copy the narrowest key that covers this scope (repeatable, one provider).
    #[arg(long = "scope", value_name = "SCOPE")]
    scopes: Vec<String>,
    /// Copy the narrowest key for a saved purpose.
    #[arg(long, value_name = "NAME")]
    purpose: Option<String>,
    /// Clear the clipboard after this many seconds (if it still holds the key).
    #[arg(long, value_name = "SECONDS", default_value_t = 30,
          value_parser = clap::value_parser!(u64).range(1..=3600))]
    clear_after: u64,
    /// Copy even if only a key with more privileges than asked covers the request
    /// (recorded as an over-privileged use).
    #[arg(long)]
    allow_broader: bool,
}

/// `till copy`.
pub fn run(context: &Context, args: CopyArgs) -> Result<ExitCode, TillError> {
    let request = match (args.name, args.purpose) {
        (Some(name), _) => CopyRequest::Key(name),
        (None, Some(purpose)) => CopyRequest::Purpose(purpose),
        (None, None) => CopyRequest::Scopes(args.scopes),
    };
    // Fail early, before unlocking, if there is no clipboard to copy to.
    let mut clipboard = KeyClipboard::open().map_err(|e| TillError::NoClipboard {
        detail: e.to_string(),
    })?;
    let stdin = Stdin::read(context, false)?;
    let mut vault = open_vault(context, &stdin)?;
    let plan = vault.copies().plan(&request)?;
    if plan.broader && !args.allow_broader {
        eprintln!(
            "till: not copied: {}. Pass --allow-broader to copy it anyway (recorded as \
             over-privileged).",
            plan.why
        );
        return Ok(ExitCode::FAILURE);
    }
    let value = vault.values().for_copy(&plan, args.allow_broader)?;
    vault.lock()?;
    println!("Copied '{}': {}.", plan.key_name, plan.why);
    println!(
        "The clipboard is cleared in {} s (Ctrl+C here clears nothing: wait).",
        args.clear_after
    );
    let until = Instant::now() + Duration::from_secs(args.clear_after);
    let cleared = clipboard
        .copy_and_serve(&value, until)
        .map_err(|e| TillError::NoClipboard {
            detail: e.to_string(),
        })?;
    drop(value);
    if cleared {
        println!("Cleared the clipboard.");
    } else {
        println!("Left the clipboard alone: something else was copied since.");
    }
    Ok(ExitCode::SUCCESS)
}

/// `till purpose` actions.
#[derive(Debug, clap::Subcommand)]
pub enum PurposeAction {
    /// Save a purpose: a name for the scopes a task needs ("CI deploy").
    Set {
        name: String,
        /// A scope the task needs (repeatable, one provider).
        #[arg(long = "scope", value_name = "SCOPE", required = true)]
        scopes: Vec<String>,
    },
    /// List purposes.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Remove a purpose.
    Rm { name: String },
}

/// `till purpose`.
pub fn purpose(context: &Context, action: PurposeAction) -> Result<(), TillError> {
    let stdin = Stdin::read(context, false)?;
    let mut vault = open_vault(context, &stdin)?;
    match action {
        PurposeAction::Set { name, scopes } => {
            let saved = vault.copies().save_purpose(&name, &scopes)?;
            eprintln!("Saved '{}': {}.", saved.name, saved.scopes.join(", "));
        }
        PurposeAction::List { json } => {
            let all = vault.copies().purposes()?;
            if json {
                println!("{}", crate::input::to_json(&all)?);
            } else {
                for purpose in all {
                    println!("{}  {}", purpose.name, purpose.scopes.join(", "));
                }
            }
        }
        PurposeAction::Rm { name } => {
            vault.copies().remove_purpose(&name)?;
            eprintln!("Removed '{name}'.");
        }
    }
    Ok(())
}
