//! `till agent`: mint, list, revoke agent keys, change their caps, and read their usage.
//!
//! An agent key is a grant on a real key: the agent gets a `till_sk_` token and the
//! gateway's URL, never the key. The token is printed once, at mint; `list` and `usage`
//! show ids, labels, states and spend.

use std::collections::BTreeSet;
use std::io::Write;
use std::process::ExitCode;

use chrono::{DateTime, Utc};
use clap::{Args, Subcommand};
use serde::Serialize;
use till_core::agents::hosting;
use till_core::agents::limits::{Ttl, Usd};
use till_core::agents::{Caps, EndpointFamily, UsageRecord};
use till_core::vault::{CapChange, GrantView, NewGrant};
use till_core::TillError;

use crate::context::Context;
use crate::input::{open_vault, to_json, Stdin};

/// What `till agent` does.
#[derive(Debug, Subcommand)]
pub enum AgentAction {
    /// Mint an agent key on a key: capped, scoped, expiring. Prints the token once.
    Mint(MintArgs),
    /// List agent keys with their state and spend.
    List {
        /// Print JSON for scripts.
        #[arg(long)]
        json: bool,
    },
    /// Revoke an agent key (or all of them): the next request with it is refused.
    Revoke {
        /// The agent key's id (`till agent list` shows it).
        #[arg(required_unless_present = "all", conflicts_with = "all")]
        id: Option<String>,
        /// Revoke every active agent key.
        #[arg(long)]
        all: bool,
    },
    /// Change an agent key's caps (raise them after an alert): an exhausted key with room
    /// again goes on with its next request. Caps not named stay as they are.
    #[command(arg_required_else_help = true)]
    Caps(CapsArgs),
    /// Show spend per agent key, or one key's request log.
    Usage {
        /// An agent key's id: its request log (time, model, tokens, cost, status).
        id: Option<String>,
        /// Print JSON for scripts.
        #[arg(long)]
        json: bool,
    },
}

/// The limits of a new agent key (shared with `till run`).
#[derive(Debug, Clone, Default, Args)]
pub struct LimitArgs {
    /// Allowed models, comma-separated (a dollar cap needs models with known prices).
    #[arg(long, value_delimiter = ',')]
    pub models: Vec<String>,
    /// Most calls it may make.
    #[arg(long, value_name = "N")]
    pub max_calls: Option<u64>,
    /// Most input + output tokens it may use.
    #[arg(long, value_name = "N")]
    pub max_tokens: Option<u64>,
    /// Most dollars it may spend, e.g. 0.50.
    #[arg(long, value_name = "USD")]
    pub max_usd: Option<String>,
    /// Most requests per minute.
    #[arg(long, value_name = "N")]
    pub rpm: Option<u32>,
    /// How long it lives: 30m, 2h, 1d…
    #[arg(long, value_name = "DURATION")]
    pub ttl: Option<String>,
    /// Allowed endpoint families, comma-separated: chat, responses, embeddings, models,
    /// messages, count_tokens (default: all the provider has).
    #[arg(long, value_delimiter = ',')]
    pub endpoints: Vec<String>,
}

impl LimitArgs {
    /// The caps these flags ask for.
    pub fn caps(&self) -> Result<Caps, TillError> {
        Ok(Caps {
            calls: self.max_calls,
            tokens: self.max_tokens,
            micro_usd: self
                .max_usd
                .as_deref()
                .map(|usd| Usd::parse(usd).map(Usd::micros))
                .transpose()?,
            rpm: self.rpm,
            max_output_tokens: None,
        })
    }

    /// The endpoint families these flags allow (`None`: all the provider has).
    pub fn endpoints(&self) -> Result<Option<BTreeSet<EndpointFamily>>, TillError> {
        if self.endpoints.is_empty() {
            return Ok(None);
        }
        self.endpoints
            .iter()
            .map(|id| {
                EndpointFamily::from_id(id.trim()).ok_or_else(|| TillError::InvalidInput {
                    what: format!(
                        "unknown endpoint family '{id}': use chat, responses, embeddings, models, messages or count_tokens"
                    ),
                })
            })
            .collect::<Result<_, _>>()
            .map(Some)
    }

    /// The models these flags allow (`None`: any).
    pub fn models(&self) -> Option<Vec<String>> {
        let models: Vec<String> = self
            .models
            .iter()
            .map(|m| m.trim().to_owned())
            .filter(|m| !m.is_empty())
            .collect();
        (!models.is_empty()).then_some(models)
    }
}

/// `till agent caps`.
#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("caps").required(true).multiple(true)
    .args(["max_calls", "max_tokens", "max_usd"])))]
pub struct CapsArgs {
    /// The agent key's id (`till agent list` shows it).
    id: String,
    /// Most calls it may make, over its life.
    #[arg(long, value_name = "N")]
    max_calls: Option<u64>,
    /// Most input + output tokens it may use, over its life.
    #[arg(long, value_name = "N")]
    max_tokens: Option<u64>,
    /// Most dollars it may spend, e.g. 2.00.
    #[arg(long, value_name = "USD")]
    max_usd: Option<String>,
}

impl CapsArgs {
    /// The grant's caps with the ones named here replaced.
    fn change(&self, current: &Caps) -> Result<CapChange, TillError> {
        let mut change = CapChange::from_caps(current);
        if let Some(calls) = self.max_calls {
            change.calls = Some(calls);
        }
        if let Some(tokens) = self.max_tokens {
            change.tokens = Some(tokens);
        }
        if let Some(usd) = &self.max_usd {
            change.micro_usd = Some(Usd::parse(usd)?.micros());
        }
        Ok(change)
    }
}

/// `till agent mint`.
#[derive(Debug, Args)]
pub struct MintArgs {
    /// The key the agent spends (a key of a provider the gateway fronts).
    #[arg(long)]
    key: String,
    /// A label to recognise it by (default: "agent").
    #[arg(long, default_value = "agent")]
    label: String,
    #[command(flatten)]
    limits: LimitArgs,
    /// Print JSON: id, token, base_url, expires_at.
    #[arg(long)]
    json: bool,
}

/// Without `--ttl`, a minted agent key expires after this long.
const DEFAULT_MINT_TTL: &str = "24h";

/// Runs `till agent …`.
pub fn run(context: &Context, action: AgentAction) -> Result<ExitCode, TillError> {
    let stdin = Stdin::read(context, false)?;
    let mut vault = open_vault(context, &stdin)?;
    match action {
        AgentAction::Mint(args) => {
            let ttl = Ttl::parse(args.limits.ttl.as_deref().unwrap_or(DEFAULT_MINT_TTL))?;
            let ttl = chrono::Duration::seconds(i64::try_from(ttl.secs()).unwrap_or(i64::MAX));
            let minted = vault.grants().mint(NewGrant {
                key: args.key,
                label: args.label,
                models: args.limits.models(),
                endpoints: args.limits.endpoints()?,
                caps: args.limits.caps()?,
                expires_at: Some(context.clock.now() + ttl),
                created_by: "till agent mint".into(),
            })?;
            let running = hosting::running(&context.paths);
            let base_url = format!(
                "{}{}",
                gateway_root(context),
                minted.grant.provider.base_path()
            );
            print_minted(&minted.grant, minted.token.expose(), &base_url, args.json)?;
            if running.is_none() {
                eprintln!(
                    "No gateway is running: start one with `till gateway` (or use `till run`)."
                );
            }
        }
        AgentAction::List { json } => {
            let grants = vault.grants().list()?;
            if json {
                println!("{}", to_json(&grants)?);
            } else {
                print_grants(&grants);
            }
        }
        AgentAction::Revoke { id: Some(id), .. } => {
            let grant = vault.grants().revoke(&id)?;
            eprintln!(
                "Revoked agent key {} '{}': its next request is refused.",
                grant.id, grant.label
            );
        }
        AgentAction::Revoke { id: None, .. } => {
            let count = vault.grants().revoke_all()?;
            eprintln!("Revoked {count} active agent key(s).");
        }
        AgentAction::Caps(args) => {
            let current = vault.grants().get(&args.id)?;
            let change = args.change(&current.caps)?;
            let grant = vault
                .grants()
                .set_caps(&args.id, change, &context.settings.agents)?;
            eprintln!(
                "Agent key {} '{}' is {} with caps {}.",
                grant.id,
                grant.label,
                grant.state.as_str(),
                till_core::vault::describe_limits(&grant.caps, grant.expires_at)
            );
        }
        AgentAction::Usage { id: None, json } => {
            let grants = vault.grants().list()?;
            if json {
                println!("{}", to_json(&grants)?);
            } else {
                print_grants(&grants);
            }
        }
        AgentAction::Usage { id: Some(id), json } => {
            let log = vault.grants().usage(Some(&id), 1000)?;
            if json {
                println!("{}", to_json(&log)?);
            } else {
                print_log(&log);
            }
        }
    }
    vault.lock()?;
    Ok(ExitCode::SUCCESS)
}

/// The running gateway's root URL, or the one it will have at the configured port.
pub fn gateway_root(context: &Context) -> String {
    hosting::running(&context.paths)
        .map(|info| info.base_url())
        .unwrap_or_else(|| format!("http://127.0.0.1:{}", context.settings.gateway.port))
}

#[derive(Serialize)]
struct MintedJson<'a> {
    id: &'a str,
    token: &'a str,
    base_url: &'a str,
    expires_at: Option<DateTime<Utc>>,
}

fn print_minted(
    grant: &GrantView,
    token: &str,
    base_url: &str,
    json: bool,
) -> Result<(), TillError> {
    let mut out = std::io::stdout().lock();
    let write = |out: &mut std::io::StdoutLock<'_>, text: String| {
        writeln!(out, "{text}").map_err(|e| TillError::Internal {
            what: format!("could not write to standard output: {e}"),
        })
    };
    if json {
        let body = to_json(&MintedJson {
            id: &grant.id,
            token,
            base_url,
            expires_at: grant.expires_at,
        })?;
        return write(&mut out, body);
    }
    write(&mut out, token.to_owned())?;
    eprintln!(
        "Agent key {} '{}' on '{}' ({}). Shown once: give it to the agent with the base URL {base_url}",
        grant.id,
        grant.label,
        grant.key,
        till_core::vault::describe_limits(&grant.caps, grant.expires_at)
    );
    Ok(())
}

fn usd(micro_usd: u64) -> String {
    Usd::from_micros(micro_usd).to_string()
}

fn cap_text(used: u64, cap: Option<u64>) -> String {
    match cap {
        Some(cap) => format!("{used}/{cap}"),
        None => used.to_string(),
    }
}

fn print_grants(grants: &[GrantView]) {
    if grants.is_empty() {
        eprintln!("No agent keys yet: `till agent mint --key NAME` makes one.");
        return;
    }
    println!(
        "{:<20} {:<16} {:<16} {:<10} {:>12} {:>14} {:>22}",
        "ID", "LABEL", "KEY", "STATE", "CALLS", "SPENT", "EXPIRES"
    );
    for grant in grants {
        let spent = match grant.caps.micro_usd {
            Some(cap) => format!("{}/{}", usd(grant.used.micro_usd), usd(cap)),
            None => usd(grant.used.micro_usd),
        };
        println!(
            "{:<20} {:<16} {:<16} {:<10} {:>12} {:>14} {:>22}",
            grant.id,
            grant.label,
            grant.key,
            grant.state.as_str(),
            cap_text(grant.used.calls, grant.caps.calls),
            spent,
            grant
                .expires_at
                .map(|at| at.format("%Y-%m-%d %H:%M UTC").to_string())
                .unwrap_or_else(|| "never".into()),
        );
    }
}

fn print_log(log: &[UsageRecord]) {
    if log.is_empty() {
        eprintln!("No requests yet.");
        return;
    }
    println!(
        "{:<25} {:<24} {:>8} {:>8} {:>10} {:>6} {:>8}",
        "TIME", "MODEL", "IN", "OUT", "COST", "STATUS", "MS"
    );
    for r in log {
        println!(
            "{:<25} {:<24} {:>8} {:>8} {:>10} {:>6} {:>8}{}",
            r.at.format("%Y-%m-%d %H:%M:%S UTC"),
            r.model,
            r.input_tokens,
            r.output_tokens,
            usd(r.micro_usd),
            r.status,
            r.latency_ms,
            if r.estimated { " (estimated)" } else { "" }
        );
    }
}
