//! `till run`'s arguments. The caps' defaults are said in `--help` (and checked against
//! the real defaults by a test), so nobody has to guess what a forgotten flag means.

use std::ffi::OsString;
use std::path::PathBuf;

use clap::Args;
use till_core::agents::limits::{CapOverrides, Ttl, Usd};

/// Said after `till run --help`.
pub const AFTER_HELP: &str = "\
Keys: --key, --scope and --purpose set the variables the provider's SDKs read
(GITHUB_TOKEN, STRIPE_API_KEY, …). Any variable may instead hold a reference, in the
environment, --env or --env-file: till://NAME, till://scope/PROVIDER:RESOURCE:ACCESS or
till://purpose/NAME. Keys of OpenAI, Anthropic, OpenRouter, Groq and Mistral are never
given to the command: it gets an agent key (till_sk_…) and the gateway's base URL
(OPENAI_BASE_URL…), revoked when it ends. Other keys are put in its environment only.

Caps on agent keys (each flag overrides settings.toml [run]; there is no unlimited):
  --max-calls  1000        max_calls = 1000
  --max-tokens 2000000     max_tokens = 2000000
  --max-usd    5.00        max_usd = 5.0
  --ttl        8h          ttl = \"8h\"

Output: when stdout or stderr is not a terminal, injected values and agent keys in the
command's output are replaced by <till:NAME>; a terminal gets the raw stream.
Exit status: the command's; 128+N when signal N killed it (SIGINT, SIGTERM, SIGHUP and
SIGQUIT are forwarded); 127 command not found; till's own errors as below.";

/// `till run` arguments.
#[derive(Debug, Args)]
#[command(after_help = AFTER_HELP)]
pub struct RunArgs {
    /// Inject this key (by name) into the variables its provider's SDKs read.
    #[arg(long = "key", value_name = "NAME")]
    pub keys: Vec<String>,
    /// Inject the narrowest key that covers this scope (comma-separated: one provider).
    #[arg(long = "scope", value_name = "SCOPE")]
    pub scopes: Vec<String>,
    /// Inject the narrowest key for a saved purpose.
    #[arg(long = "purpose", value_name = "NAME")]
    pub purposes: Vec<String>,
    /// Set a variable; VALUE may be a till:// reference.
    #[arg(long = "env", value_name = "VAR=VALUE")]
    pub env: Vec<String>,
    /// Read variables from a dotenv file (values may be till:// references).
    #[arg(long = "env-file", value_name = "FILE")]
    pub env_files: Vec<PathBuf>,
    /// Models the agent keys may use (comma-separated; default: any).
    #[arg(long, value_name = "A,B", value_delimiter = ',')]
    pub models: Vec<String>,
    /// Requests per agent key [default: 1000, or max_calls in settings.toml [run]].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub max_calls: Option<u64>,
    /// Input+output tokens per agent key [default: 2000000, or max_tokens].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub max_tokens: Option<u64>,
    /// Dollars per agent key [default: 5.00, or max_usd].
    #[arg(long, value_name = "X", value_parser = parse_usd)]
    pub max_usd: Option<Usd>,
    /// How long agent keys live if the command runs on [default: 8h, or ttl]: 30m, 2h, 1d.
    #[arg(long, value_name = "DUR", value_parser = parse_ttl)]
    pub ttl: Option<Ttl>,
    /// A label for the agent keys (shown in the tray and `till agent list`)
    /// [default: till run: COMMAND].
    #[arg(long, value_name = "L")]
    pub label: Option<String>,
    /// Use a key broader than the scope asked if it is the only one that covers it
    /// (recorded as an over-privileged use).
    #[arg(long)]
    pub allow_broader: bool,
    /// Print what would be injected (names, keys, caps; never a value) and start nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// The command and its arguments, after `--`.
    #[arg(required = true, trailing_var_arg = true, value_name = "CMD")]
    pub command: Vec<OsString>,
}

impl RunArgs {
    /// The caps given as flags.
    pub fn caps(&self) -> CapOverrides {
        CapOverrides {
            max_calls: self.max_calls,
            max_tokens: self.max_tokens,
            max_usd: self.max_usd,
            ttl: self.ttl,
            models: self.models.clone(),
        }
    }
}

fn parse_usd(text: &str) -> Result<Usd, String> {
    Usd::parse(text).map_err(|e| e.to_string())
}

fn parse_ttl(text: &str) -> Result<Ttl, String> {
    Ttl::parse(text).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use till_core::settings::RunSettings;

    use super::*;

    #[test]
    fn the_help_states_the_real_defaults() {
        let defaults = RunSettings::default();
        for line in [
            format!(
                "--max-calls  {:<12}max_calls = {}",
                defaults.max_calls, defaults.max_calls
            ),
            format!(
                "--max-tokens {:<12}max_tokens = {}",
                defaults.max_tokens, defaults.max_tokens
            ),
            format!(
                "--max-usd    {:<12}max_usd = {}",
                defaults.max_usd.to_string().trim_start_matches('$'),
                f64::from(defaults.max_usd)
            ),
            format!(
                "--ttl        {:<12}ttl = \"{}\"",
                defaults.ttl.to_string(),
                defaults.ttl
            ),
        ] {
            let line = line.replace("max_usd = 5", "max_usd = 5.0");
            assert!(AFTER_HELP.contains(&line), "--help should say: {line}");
        }
    }
}
