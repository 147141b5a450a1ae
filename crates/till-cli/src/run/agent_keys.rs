//! The seam between `till run` and the agent gateway: who mints a run's agent keys,
//! where the gateway listens, and who revokes them and reports the spend at the end.
//!
//! `till run` decides *what* gets an agent key (the catalog says which providers the
//! gateway fronts) and never puts a gateway provider's real key in a child's
//! environment, whether or not a gateway exists. *How* a grant is minted and served is
//! the gateway's business, behind [`AgentKeys`]. [`for_this_build`] picks the
//! implementation: the gateway's (`gateway_keys.rs`), or in debug builds, with
//! `TILL_RUN_FAKE_AGENT_KEYS=LOGFILE`, [`FakeAgentKeys`], the test double the CLI tests
//! drive.

use secrecy::SecretString;
use till_core::agents::limits::{RunLimits, Usd};
use till_core::vault::Vault;
use till_core::TillError;

/// Gives a run its agent keys: mints a grant per LLM key, says where the gateway is, and
/// revokes and reports at the end.
pub trait AgentKeys {
    /// The provider ids this build's gateway fronts (catalog ids: `openai`, `anthropic`…).
    fn gateway_providers(&self) -> &[&str];

    /// Mints a grant on `key_name` (a key of `provider`) with `limits`, labelled `label`.
    /// The vault is open; the grant is the gateway's to store and audit.
    fn mint(
        &mut self,
        vault: &mut Vault,
        key_name: &str,
        provider: &str,
        limits: &RunLimits,
        label: &str,
    ) -> Result<MintedAgentKey, TillError>;

    /// Revokes `grants` (ids from [`MintedAgentKey::grant_id`]) and totals what they
    /// spent. Called once on every way a run ends after a mint, even a failed spawn.
    fn finish(&mut self, vault: &mut Vault, grants: &[String]) -> Result<RunSpend, TillError>;
}

/// A minted agent key.
#[derive(Debug)]
pub struct MintedAgentKey {
    /// The `till_sk_…` token: goes into the child's environment and the output mask.
    pub token: SecretString,
    /// The gateway's root, `http://127.0.0.1:PORT`, no trailing slash; the catalog's
    /// per-variable paths (`/openai/v1`) are appended to it.
    pub base_url: String,
    /// The grant's id, for the audit log and [`AgentKeys::finish`].
    pub grant_id: String,
}

/// What a run's agent keys spent, summed over its grants.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunSpend {
    pub calls: u64,
    /// Input plus output tokens.
    pub tokens: u64,
    pub cost: Usd,
    /// The cap that stopped a request, if one did (`"calls"`, `"tokens"`, `"usd"`…).
    pub cap_hit: Option<String>,
}

impl RunSpend {
    /// The one line printed to stderr when the run ends.
    pub fn summary(&self, grants: usize) -> String {
        let cap = match &self.cap_hit {
            Some(cap) => format!("the {cap} cap was hit"),
            None => "no cap hit".to_owned(),
        };
        let keys = if grants == 1 {
            "agent key"
        } else {
            "agent keys"
        };
        format!(
            "till: {grants} {keys} revoked: {} calls, {} tokens, {} spent; {cap}",
            self.calls, self.tokens, self.cost
        )
    }
}

/// The implementation for this build: the gateway (a running one, or one served in this
/// process for the child's lifetime), or the fake in debug builds when
/// `TILL_RUN_FAKE_AGENT_KEYS` is set.
pub fn for_this_build(context: &crate::context::Context) -> Box<dyn AgentKeys> {
    #[cfg(debug_assertions)]
    if let Some(log) = std::env::var_os(FAKE_ENV) {
        return Box::new(FakeAgentKeys::new(log.into()));
    }
    Box::new(super::gateway_keys::GatewayAgentKeys::new(context))
}

/// The environment variable that selects the fake (debug builds only): a file it logs
/// its calls to, one per line.
#[cfg(debug_assertions)]
pub const FAKE_ENV: &str = "TILL_RUN_FAKE_AGENT_KEYS";

/// The test double: mints recognisable fake tokens for every gateway provider, logs
/// `mint KEY PROVIDER LABEL | CAPS` and `finish GRANT…` lines to a file, and reports a
/// fixed spend. It opens no value and starts no server.
#[cfg(debug_assertions)]
#[derive(Debug)]
pub struct FakeAgentKeys {
    log: std::path::PathBuf,
    minted: usize,
}

#[cfg(debug_assertions)]
impl FakeAgentKeys {
    /// The root every fake agent key points at (nothing listens there).
    pub const BASE_URL: &'static str = "http://127.0.0.1:47999";

    fn new(log: std::path::PathBuf) -> Self {
        Self { log, minted: 0 }
    }

    fn append(&self, line: &str) -> Result<(), TillError> {
        use std::io::Write;
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log)
            .and_then(|mut file| writeln!(file, "{line}"))
            .map_err(|source| TillError::Storage {
                path: self.log.clone(),
                source,
            })
    }
}

#[cfg(debug_assertions)]
impl AgentKeys for FakeAgentKeys {
    fn gateway_providers(&self) -> &[&str] {
        &["openai", "anthropic", "openrouter", "groq", "mistral"]
    }

    fn mint(
        &mut self,
        _vault: &mut Vault,
        key_name: &str,
        provider: &str,
        limits: &RunLimits,
        label: &str,
    ) -> Result<MintedAgentKey, TillError> {
        self.minted += 1;
        let grant_id = format!("grant-{}", self.minted);
        self.append(&format!("mint {key_name} {provider} {label} | {limits}"))?;
        Ok(MintedAgentKey {
            token: SecretString::from(format!("till_sk_FAKE{:040}", self.minted)),
            base_url: Self::BASE_URL.to_owned(),
            grant_id,
        })
    }

    fn finish(&mut self, _vault: &mut Vault, grants: &[String]) -> Result<RunSpend, TillError> {
        self.append(&format!("finish {}", grants.join(" ")))?;
        Ok(RunSpend {
            calls: 3,
            tokens: 1234,
            cost: Usd::from_micros(4200),
            cap_hit: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_summary_says_calls_tokens_dollars_and_the_cap() {
        let spend = RunSpend {
            calls: 3,
            tokens: 1234,
            cost: Usd::from_micros(4200),
            cap_hit: None,
        };
        assert_eq!(
            spend.summary(1),
            "till: 1 agent key revoked: 3 calls, 1234 tokens, $0.0042 spent; no cap hit"
        );
        let capped = RunSpend {
            cap_hit: Some("calls".into()),
            ..spend
        };
        assert!(
            capped.summary(2).contains("2 agent keys revoked")
                && capped.summary(2).ends_with("the calls cap was hit")
        );
    }
}
