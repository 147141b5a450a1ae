//! `till due`, `till rotate`, `till audit` and `till verify`: the reminder and rotation
//! routine for terminals and scripts, on the same core as the tray.

use std::process::ExitCode;

use chrono::{DateTime, Utc};
use clap::Args;
use secrecy::SecretString;
use serde::Serialize;
use till_core::reminders::DueItem;
use till_core::vault::Vault;
use till_core::verify::{self, Check};
use till_core::TillError;

use crate::context::Context;
use crate::input::{open_vault, to_json, Stdin};

/// `till rotate` arguments.
#[derive(Debug, Args)]
pub struct RotateArgs {
    /// The key's name.
    name: String,
    /// Read the new value from standard input (after the password line with
    /// --password-stdin).
    #[arg(long, required = true)]
    value_stdin: bool,
    /// Check the new value with the provider first; if it is not live, nothing changes.
    #[arg(long)]
    verify: bool,
}

/// `till audit` arguments.
#[derive(Debug, Args)]
pub struct AuditArgs {
    /// The key's name.
    name: String,
    /// Confirm the review: still needed, owner right, scopes minimal, places known.
    #[arg(long, required = true)]
    ok: bool,
    /// A note for the audit log.
    #[arg(long, value_name = "TEXT")]
    note: Option<String>,
}

/// One line of `till due --json`.
#[derive(Serialize)]
struct DueLine {
    name: String,
    kind: &'static str,
    state: &'static str,
    due_at: DateTime<Utc>,
    days: i64,
    provider: String,
    environment: String,
    snoozed_until: Option<DateTime<Utc>>,
}

impl From<&DueItem> for DueLine {
    fn from(item: &DueItem) -> Self {
        Self {
            name: item.name.clone(),
            kind: item.kind.as_str(),
            state: item.state.as_str(),
            due_at: item.due_at,
            days: item.days,
            provider: item.provider.clone(),
            environment: item.environment.clone(),
            snoozed_until: item.snoozed_until,
        }
    }
}

/// `till due`.
pub fn due(context: &Context, json: bool) -> Result<(), TillError> {
    let stdin = Stdin::read(context, false)?;
    let vault = open_vault(context, &stdin)?;
    let items = vault.due_items();
    if json {
        let lines: Vec<DueLine> = items.iter().map(DueLine::from).collect();
        println!("{}", to_json(&lines)?);
        return Ok(());
    }
    if items.is_empty() {
        eprintln!("Nothing is due: every key is within its rotation, audit and expiry dates.");
        return Ok(());
    }
    println!("{:9}  {:8}  {:10}  WHAT", "STATE", "KIND", "DUE");
    for item in &items {
        println!(
            "{:9}  {:8}  {:10}  {}",
            item.state.as_str(),
            item.kind.as_str(),
            item.due_at.format("%Y-%m-%d"),
            item.headline
        );
    }
    Ok(())
}

/// Runs one live check on a small runtime of its own.
fn run_check(
    context: &Context,
    provider_id: &str,
    value: &SecretString,
) -> Result<Check, TillError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| TillError::Internal {
            what: format!("could not start the network runtime ({e})"),
        })?;
    Ok(runtime.block_on(verify::check_key(
        provider_id,
        value,
        &context.settings.verify,
    )))
}

/// `till verify`: exit 0 when live, 1 otherwise (with why).
pub fn verify(context: &Context, name: &str) -> Result<ExitCode, TillError> {
    let stdin = Stdin::read(context, false)?;
    let mut vault = open_vault(context, &stdin)?;
    let ticket = vault.values().for_check(name)?;
    let check = run_check(context, &ticket.meta.provider, &ticket.value)?;
    let meta = vault.reminders().record_check(ticket, &check)?;
    println!("{}: {}", meta.name, check.message);
    Ok(if check.is_live() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// `till rotate`: with `--verify`, a value that is not live changes nothing.
pub fn rotate(context: &Context, args: RotateArgs) -> Result<ExitCode, TillError> {
    let mut stdin = Stdin::read(context, args.value_stdin)?;
    let value = stdin.value()?;
    let mut vault = open_vault(context, &stdin)?;
    let provider = vault.keys().find(&args.name)?.provider.clone();
    let check = if args.verify {
        let check = run_check(context, &provider, &value)?;
        if !check.is_live() {
            eprintln!("till: not rotated: the new value is {}", check.message);
            return Ok(ExitCode::FAILURE);
        }
        Some(check)
    } else {
        None
    };
    let meta = vault.keys_mut().rotate(&args.name, value)?;
    let kept = meta
        .history
        .first()
        .map(|h| {
            format!(
                "; the old one ({}) is kept until {}",
                h.fingerprint,
                h.keep_until.format("%Y-%m-%d")
            )
        })
        .unwrap_or_default();
    eprintln!("Rotated '{}': now {}{kept}.", meta.name, meta.fingerprint);
    if let Some(check) = check {
        let ticket = vault.values().for_check(&meta.name)?;
        vault.reminders().record_check(ticket, &check)?;
        eprintln!("{}", check.message);
    }
    eprintln!(
        "Next rotation due {}. Update every place it is deployed, then revoke the old key.",
        vault.view(&meta).next_rotation_due.format("%Y-%m-%d")
    );
    Ok(ExitCode::SUCCESS)
}

/// `till audit NAME --ok`.
pub fn audit(context: &Context, args: AuditArgs) -> Result<(), TillError> {
    debug_assert!(args.ok, "clap requires --ok");
    let stdin = Stdin::read(context, false)?;
    let mut vault: Vault = open_vault(context, &stdin)?;
    let meta = vault
        .reminders()
        .mark_audited(&args.name, args.note.as_deref())?;
    eprintln!(
        "Marked '{}' audited; next audit due {}.",
        meta.name,
        vault.view(&meta).next_audit_due.format("%Y-%m-%d")
    );
    Ok(())
}
