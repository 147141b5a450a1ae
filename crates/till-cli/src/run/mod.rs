//! `till run`: start a command with the keys it needs and nothing more.
//!
//! The order is the point: everything that can fail is checked before any value is
//! opened or anything started (the command is found on PATH, references resolve, scopes
//! are covered, the gateway is there), so a bad run leaves no trace but an error. Then
//! the real values are opened (each audited), agent keys minted for LLM providers, the
//! run itself audited (keys, grants, the command's *name*), and the command started with
//! the values in its environment only. When it ends, however it ends, the agent keys
//! are revoked and their spend is said in one line. The modules: [`args`], [`references`]
//! (`till://…`), [`plan`] (what goes in which variable), [`agent_keys`] (the gateway
//! seam), [`mask`] (the output filter) and [`child`] (process plumbing).

mod agent_keys;
mod args;
mod child;
mod gateway_keys;
mod mask;
mod plan;
mod references;

use std::collections::BTreeMap;
use std::ffi::{OsStr, OsString};
use std::path::Path;
use std::process::ExitCode;

use secrecy::{ExposeSecret, SecretString};
use till_core::agents::limits::RunLimits;
use till_core::vault::{ValueUse, Vault};
use till_core::TillError;

pub use args::RunArgs;

use self::agent_keys::{AgentKeys, MintedAgentKey};
use self::child::{Launch, StartFailure};
use self::mask::Masker;
use self::plan::{Assignments, Origin, RunPlan, Var};
use self::references::Reference;
use crate::context::Context;
use crate::input::{open_vault, Stdin};

/// `till run`.
pub fn run(context: &Context, args: RunArgs) -> Result<ExitCode, TillError> {
    let mut given = Assignments::default();
    for (name, value) in std::env::vars_os() {
        given.set(name, value, Origin::Inherited)?;
    }
    for path in &args.env_files {
        read_env_file(&mut given, path)?;
    }
    for flag in &args.env {
        given.set_flag(flag)?;
    }
    let selectors = selectors(&args);
    let limits = context.settings.run.limits(args.caps())?;
    let Some(typed) = args.command.first() else {
        return Err(TillError::InvalidInput {
            what: "no command given: write it after --, as in till run --key NAME -- CMD".into(),
        });
    };
    let program = match child::find_program(typed, given.text("PATH")) {
        Ok(program) => program,
        Err(failure) => return Ok(start_failed(&failure)),
    };
    let name = command_name(typed);
    let label = args
        .label
        .clone()
        .unwrap_or_else(|| format!("till run: {name}"));

    let stdin = Stdin::read_password_line(context)?;
    let mut vault = open_vault(context, &stdin)?;
    let plan = RunPlan::build(given, &selectors, |r| vault.copies().plan(&r.request()))?;
    for warning in &plan.warnings {
        eprintln!("till: warning: {warning}");
    }
    let mut agent_keys = agent_keys::for_this_build(context);
    if args.dry_run {
        print_dry_run(&plan, &name, &program, &limits, &label, agent_keys.as_ref());
        vault.lock()?;
        return Ok(ExitCode::SUCCESS);
    }
    if let Some(refused) = plan.keys.iter().find(|k| k.broader && !args.allow_broader) {
        eprintln!(
            "till: not started: {}. Pass --allow-broader to use it anyway (recorded as \
             over-privileged).",
            refused.why
        );
        return Ok(ExitCode::FAILURE);
    }
    check_gateway(&plan, agent_keys.as_ref())?;

    let mut values: BTreeMap<usize, SecretString> = BTreeMap::new();
    for (index, key) in plan.real_keys() {
        let over = if key.broader { ", over-privileged" } else { "" };
        let detail = format!(
            "injected as {} into `{name}` by till run{over}",
            plan.vars_of(index).join(", ")
        );
        let value = vault
            .values()
            .open(&key.name, ValueUse::Inject { detail })?;
        values.insert(index, value);
    }
    let minted = match mint_all(&plan, agent_keys.as_mut(), &mut vault, &limits, &label) {
        Ok(minted) => minted,
        Err((error, grants)) => {
            finish(agent_keys.as_mut(), vault, &grants, &limits);
            return Err(error);
        }
    };
    let grants: Vec<String> = minted.values().map(|m| m.grant_id.clone()).collect();
    if let Err(error) = vault.record_run(&run_detail(&plan, &name, &minted, &limits)) {
        finish(agent_keys.as_mut(), vault, &grants, &limits);
        return Err(error);
    }
    // Without agent keys there is nothing to revoke later: lock now rather than hold the
    // vault key for the command's lifetime.
    let vault = if grants.is_empty() {
        vault.lock()?;
        None
    } else {
        Some(vault)
    };

    let launch = Launch {
        program,
        argv: args.command.clone(),
        env: child_env(&plan, &values, &minted),
    };
    let mut secrets: Vec<(&SecretString, &str)> = Vec::new();
    for (index, value) in &values {
        secrets.push((value, plan.keys[*index].name.as_str()));
    }
    for (index, key) in &minted {
        secrets.push((&key.token, plan.keys[*index].name.as_str()));
    }
    let outcome = child::run(launch, || Masker::new(secrets.iter().copied()));
    drop(values);
    if let Some(vault) = vault {
        finish(agent_keys.as_mut(), vault, &grants, &limits);
    }
    Ok(match outcome {
        Ok(status) => ExitCode::from(status),
        Err(failure) => start_failed(&failure),
    })
}

/// The selector flags as references, in flag order per kind.
fn selectors(args: &RunArgs) -> Vec<Reference> {
    let keys = args.keys.iter().map(|k| Reference::Key(k.clone()));
    let scopes = args
        .scopes
        .iter()
        .map(|s| Reference::Scopes(Reference::scopes(s)));
    let purposes = args.purposes.iter().map(|p| Reference::Purpose(p.clone()));
    keys.chain(scopes).chain(purposes).collect()
}

/// Adds a dotenv file's assignments; a malformed line is an error with its number.
fn read_env_file(given: &mut Assignments, path: &Path) -> Result<(), TillError> {
    let text = std::fs::read_to_string(path).map_err(|source| TillError::Storage {
        path: path.to_owned(),
        source,
    })?;
    for assignment in till_core::import::dotenv_assignments(&text) {
        let origin = Origin::EnvFile {
            path: path.to_owned(),
            line: assignment.line,
        };
        match assignment.parsed {
            Ok((name, value)) => given.set(name.into(), value.into(), origin)?,
            Err(message) => {
                return Err(TillError::InvalidInput {
                    what: format!("{origin}: {message}"),
                })
            }
        }
    }
    Ok(())
}

/// The command's name for the audit log and labels: the last part of what was typed,
/// never its arguments.
fn command_name(typed: &OsStr) -> String {
    Path::new(typed)
        .file_name()
        .unwrap_or(typed)
        .to_string_lossy()
        .into_owned()
}

/// Refuses, before anything is opened, a run that needs agent keys this build's
/// gateway cannot give.
fn check_gateway(plan: &RunPlan, agent_keys: &dyn AgentKeys) -> Result<(), TillError> {
    let fronted = agent_keys.gateway_providers();
    for (_, key) in plan.gateway_keys() {
        if fronted.contains(&key.provider.as_str()) {
            continue;
        }
        let why = format!("the agent gateway does not front {}", key.provider);
        return Err(TillError::InvalidInput {
            what: format!(
                "{why}: '{}' ({}) is handed to commands only as an agent key, never as its \
                 real value; nothing was started",
                key.name, key.provider
            ),
        });
    }
    Ok(())
}

/// Mints one agent key per gateway key; on failure, the error and the grants minted
/// so far (to revoke).
fn mint_all(
    plan: &RunPlan,
    agent_keys: &mut dyn AgentKeys,
    vault: &mut Vault,
    limits: &RunLimits,
    label: &str,
) -> Result<BTreeMap<usize, MintedAgentKey>, (TillError, Vec<String>)> {
    let mut minted = BTreeMap::new();
    for (index, key) in plan.gateway_keys() {
        match agent_keys.mint(vault, &key.name, &key.provider, limits, label) {
            Ok(agent_key) => {
                minted.insert(index, agent_key);
            }
            Err(error) => {
                let grants = minted.values().map(|m| m.grant_id.clone()).collect();
                return Err((error, grants));
            }
        }
    }
    Ok(minted)
}

/// Revokes the run's agent keys and says what they spent; then locks the vault.
fn finish(agent_keys: &mut dyn AgentKeys, mut vault: Vault, grants: &[String], limits: &RunLimits) {
    if !grants.is_empty() {
        match agent_keys.finish(&mut vault, grants) {
            Ok(spend) => eprintln!("{}", spend.summary(grants.len())),
            Err(error) => eprintln!(
                "till: could not revoke the agent keys ({error}); they expire after {}: \
                 revoke them with `till agent revoke`",
                limits.ttl
            ),
        }
    }
    if let Err(error) = vault.lock() {
        eprintln!("till: {error}");
    }
}

/// What the audit log keeps about the run: the command's name, each key and how it was
/// given, the grants and their caps. Never an argument, never a value.
fn run_detail(
    plan: &RunPlan,
    name: &str,
    minted: &BTreeMap<usize, MintedAgentKey>,
    limits: &RunLimits,
) -> String {
    let mut parts = Vec::new();
    for (index, key) in plan.keys.iter().enumerate() {
        let vars = plan.vars_of(index).join(", ");
        parts.push(match minted.get(&index) {
            Some(agent_key) => format!(
                "'{}' as agent key {} in {vars}",
                key.name, agent_key.grant_id
            ),
            None => format!("'{}' as real key in {vars}", key.name),
        });
    }
    let keys = if parts.is_empty() {
        "no keys".to_owned()
    } else {
        parts.join("; ")
    };
    let caps = if minted.is_empty() {
        String::new()
    } else {
        format!(" (caps: {limits})")
    };
    format!("started `{name}` with {keys}{caps}")
}

/// The child's whole environment, values filled in.
fn child_env(
    plan: &RunPlan,
    values: &BTreeMap<usize, SecretString>,
    minted: &BTreeMap<usize, MintedAgentKey>,
) -> Vec<(OsString, OsString)> {
    plan.vars
        .iter()
        .filter_map(|(name, var)| {
            let value: OsString = match var {
                Var::Text(text) => text.clone(),
                Var::RealKey(i) => values.get(i)?.expose_secret().into(),
                Var::AgentKey(i) => minted.get(i)?.token.expose_secret().into(),
                Var::GatewayUrl(i, path) => {
                    format!("{}{path}", minted.get(i)?.base_url.trim_end_matches('/')).into()
                }
            };
            Some((name.clone(), value))
        })
        .collect()
}

fn print_dry_run(
    plan: &RunPlan,
    name: &str,
    program: &Path,
    limits: &RunLimits,
    label: &str,
    agent_keys: &dyn AgentKeys,
) {
    println!(
        "till run would start `{name}` ({}) with:",
        program.display()
    );
    let lines = plan.describe();
    if lines.is_empty() {
        println!("  no keys (its environment as given)");
    }
    for line in lines {
        println!("  {line}");
    }
    for key in plan.keys.iter().filter(|k| k.broader) {
        println!("  note: {}; it needs --allow-broader", key.why);
    }
    if plan.gateway_keys().next().is_some() {
        println!("Agent keys: {limits}; label \"{label}\"; revoked when `{name}` ends");
        if let Err(error) = check_gateway(plan, agent_keys) {
            println!("  note: {error}");
        }
    }
    println!("Nothing was opened or started (--dry-run).");
}

fn start_failed(failure: &StartFailure) -> ExitCode {
    eprintln!("till: {}", failure.message);
    ExitCode::from(failure.status)
}
