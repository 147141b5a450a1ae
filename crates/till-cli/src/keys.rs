//! `till add`, `list`, `get`, `rm`: the inventory from the terminal.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use chrono::{DateTime, NaiveDate, Utc};
use clap::Args;
use secrecy::ExposeSecret;
use serde::Serialize;
use till_core::model::{KeyChanges, KeyStatus, KeyView, NewKey};
use till_core::vault::ValueUse;
use till_core::TillError;

use crate::context::Context;
use crate::input::{open_vault, to_json, value_from_file, Stdin};

/// Arguments of `till add`.
#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("value").required(true).args(["value_stdin", "value_file"]))]
pub struct AddArgs {
    /// The key's name, unique in the vault.
    name: String,
    /// Provider id (openai, stripe, github, …); `generic` if not given.
    #[arg(long, value_name = "ID")]
    provider: Option<String>,
    /// Environment: prod, staging, dev, or a name of your own (default dev).
    #[arg(long = "env", value_name = "ENV")]
    environment: Option<String>,
    /// A scope the key grants, as provider:resource:access (repeatable).
    #[arg(long = "scope", value_name = "SCOPE")]
    scopes: Vec<String>,
    /// Who answers for this key.
    #[arg(long, value_name = "WHO")]
    owner: Option<String>,
    /// Rotate every DAYS days.
    #[arg(long, value_name = "DAYS", value_parser = clap::value_parser!(u32).range(1..=3650))]
    rotate_every: Option<u32>,
    /// Review every DAYS days.
    #[arg(long, value_name = "DAYS", value_parser = clap::value_parser!(u32).range(1..=3650))]
    audit_every: Option<u32>,
    /// When the key expires: YYYY-MM-DD (midnight UTC) or an RFC 3339 time.
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    expires: Option<DateTime<Utc>>,
    /// Read the value from standard input (after the password line with --password-stdin).
    #[arg(long)]
    value_stdin: bool,
    /// Read the value from a file.
    #[arg(long, value_name = "PATH")]
    value_file: Option<PathBuf>,
}

fn parse_date(text: &str) -> Result<DateTime<Utc>, String> {
    if let Ok(date) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return Ok(date.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc());
    }
    DateTime::parse_from_rfc3339(text)
        .map(|d| d.with_timezone(&Utc))
        .map_err(|_| format!("'{text}' is not a date: use YYYY-MM-DD or an RFC 3339 time"))
}

/// `till add`.
pub fn add(context: &Context, args: AddArgs) -> Result<(), TillError> {
    let mut stdin = Stdin::read(context, args.value_stdin)?;
    let value = match &args.value_file {
        Some(path) => value_from_file(path)?,
        None => stdin.value()?,
    };
    let mut vault = open_vault(context, &stdin)?;
    let mut key = NewKey::new(args.name, value);
    key.provider = args.provider;
    key.environment = args.environment;
    key.scopes = args.scopes;
    key.owner = args.owner;
    key.rotate_every_days = args.rotate_every;
    key.audit_every_days = args.audit_every;
    key.expires_at = args.expires;
    let meta = vault.keys_mut().add(key)?;
    eprintln!(
        "Added '{}' ({}, {}).",
        meta.name, meta.provider, meta.fingerprint
    );
    Ok(())
}

/// One key as `till list --json` prints it: the contract scripts rely on.
#[derive(Serialize)]
struct ListedKey {
    name: String,
    provider: String,
    env: String,
    scopes: Vec<String>,
    owner: Option<String>,
    fingerprint: String,
    created_at: DateTime<Utc>,
    last_rotated_at: DateTime<Utc>,
    next_rotation_due: DateTime<Utc>,
    last_audited_at: Option<DateTime<Utc>>,
    next_audit_due: DateTime<Utc>,
    snoozed_until: Option<DateTime<Utc>>,
    status: KeyStatus,
}

impl From<KeyView> for ListedKey {
    fn from(k: KeyView) -> Self {
        Self {
            name: k.name,
            provider: k.provider,
            env: k.environment,
            scopes: k.scopes,
            owner: k.owner,
            fingerprint: k.fingerprint,
            created_at: k.created_at,
            last_rotated_at: k.last_rotated_at,
            next_rotation_due: k.next_rotation_due,
            last_audited_at: k.last_audited_at,
            next_audit_due: k.next_audit_due,
            snoozed_until: k.snoozed_until,
            status: k.status,
        }
    }
}

/// `till list`.
pub fn list(context: &Context, query: Option<&str>, json: bool) -> Result<(), TillError> {
    let stdin = Stdin::read(context, false)?;
    let vault = open_vault(context, &stdin)?;
    let found: Vec<&till_core::model::KeyMeta> = match query {
        Some(query) => till_core::search::rank(vault.keys(), query),
        None => vault.keys().iter().collect(),
    };
    let keys: Vec<ListedKey> = found
        .into_iter()
        .map(|k| ListedKey::from(vault.view(k)))
        .collect();
    if json {
        println!("{}", to_json(&keys)?);
        return Ok(());
    }
    if keys.is_empty() {
        eprintln!("No keys yet: add one with `till add NAME --value-stdin`.");
        return Ok(());
    }
    let width = keys
        .iter()
        .map(|k| k.name.chars().count())
        .max()
        .unwrap_or(4)
        .max(4);
    println!(
        "{:width$}  {:12}  {:8}  {:14}  NEXT ROTATION",
        "NAME", "PROVIDER", "ENV", "FINGERPRINT"
    );
    for key in keys {
        let due = key.next_rotation_due.format("%Y-%m-%d");
        println!(
            "{:width$}  {:12}  {:8}  {:14}  {due}",
            key.name, key.provider, key.env, key.fingerprint
        );
    }
    Ok(())
}

/// `till get`: the value on stdout, and an audit entry saying so.
pub fn get(context: &Context, name: &str) -> Result<(), TillError> {
    let stdin = Stdin::read(context, false)?;
    let mut vault = open_vault(context, &stdin)?;
    let value = vault
        .values()
        .open(name, ValueUse::Reveal("printed by till get".into()))?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "{}", value.expose_secret())
        .and_then(|()| out.flush())
        .map_err(|e| TillError::Internal {
            what: format!("could not write to standard output: {e}"),
        })
}

/// `till rm`: asks first when a person is at the terminal; scripts are not asked.
pub fn remove(context: &Context, name: &str) -> Result<(), TillError> {
    let stdin = Stdin::read(context, false)?;
    let mut vault = open_vault(context, &stdin)?;
    vault.keys().find(name)?;
    if std::io::stdin().is_terminal() && !context.password_stdin && !confirm(name) {
        eprintln!("Kept '{name}'.");
        return Ok(());
    }
    let meta = vault.keys_mut().remove(name)?;
    eprintln!("Removed '{}' ({}).", meta.name, meta.fingerprint);
    Ok(())
}

fn confirm(name: &str) -> bool {
    eprint!("Remove '{name}' and its value? This cannot be undone. [y/N] ");
    let mut answer = String::new();
    std::io::stdin().read_line(&mut answer).is_ok() && matches!(answer.trim(), "y" | "Y" | "yes")
}

/// Arguments of `till edit`: only what is given changes.
#[derive(Debug, Args)]
pub struct EditArgs {
    /// The key's current name.
    name: String,
    /// A new name.
    #[arg(long = "name", value_name = "NEW")]
    new_name: Option<String>,
    /// Provider id.
    #[arg(long, value_name = "ID")]
    provider: Option<String>,
    /// Environment.
    #[arg(long = "env", value_name = "ENV")]
    environment: Option<String>,
    /// Replace the scopes with these (repeatable).
    #[arg(long = "scope", value_name = "SCOPE")]
    scopes: Vec<String>,
    /// Replace the places the key is deployed with these (repeatable), e.g.
    /// "GitHub Actions: deploy.yml"; a rotation asks to update each one.
    #[arg(long = "place", value_name = "WHERE")]
    places: Vec<String>,
    /// Owner ("" clears it).
    #[arg(long, value_name = "WHO")]
    owner: Option<String>,
    /// Rotate every DAYS days (0 goes back to the policy's interval).
    #[arg(long, value_name = "DAYS")]
    rotate_every: Option<u32>,
    /// Review every DAYS days (0 goes back to the policy's interval).
    #[arg(long, value_name = "DAYS")]
    audit_every: Option<u32>,
    /// Warn DAYS days before a deadline (0 goes back to the policy's lead time).
    #[arg(long, value_name = "DAYS")]
    lead_days: Option<u32>,
    /// Pin the key to the tray's Copy menu.
    #[arg(long, conflicts_with = "unpin")]
    pin: bool,
    /// Take the key off the tray's Copy menu.
    #[arg(long)]
    unpin: bool,
    /// Replace the value with one from standard input (the old one is kept 7 days).
    #[arg(long, conflicts_with = "value_file")]
    value_stdin: bool,
    /// Replace the value with one from a file.
    #[arg(long, value_name = "PATH")]
    value_file: Option<PathBuf>,
    /// Put back the value the last replacement retired (within 7 days).
    #[arg(long, conflicts_with_all = ["value_stdin", "value_file"])]
    rollback: bool,
}

/// `till edit`.
pub fn edit(context: &Context, args: EditArgs) -> Result<(), TillError> {
    let mut stdin = Stdin::read(context, args.value_stdin)?;
    let new_value = match (&args.value_file, args.value_stdin) {
        (Some(path), _) => Some(value_from_file(path)?),
        (None, true) => Some(stdin.value()?),
        (None, false) => None,
    };
    let mut vault = open_vault(context, &stdin)?;
    let changes = KeyChanges {
        name: args.new_name,
        provider: args.provider,
        environment: args.environment,
        owner: args.owner,
        purpose: None,
        scopes: (!args.scopes.is_empty()).then_some(args.scopes),
        tags: None,
        notes: None,
        places: (!args.places.is_empty()).then_some(args.places),
        rotate_every_days: args.rotate_every,
        audit_every_days: args.audit_every,
        lead_days: args.lead_days,
        pinned: (args.pin || args.unpin).then_some(args.pin),
    };
    let mut meta = vault.keys_mut().edit(&args.name, changes)?;
    if let Some(value) = new_value {
        meta = vault.keys_mut().replace_value(&meta.name, value)?;
        eprintln!(
            "Replaced the value of '{}' (now {}); the old one is kept 7 days.",
            meta.name, meta.fingerprint
        );
    } else if args.rollback {
        meta = vault.keys_mut().rollback(&meta.name)?;
        eprintln!("Rolled '{}' back to {}.", meta.name, meta.fingerprint);
    } else {
        eprintln!("Updated '{}'.", meta.name);
    }
    Ok(())
}
