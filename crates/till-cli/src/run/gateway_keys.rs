//! `till run`'s agent keys from the real gateway: one grant per LLM key, served by the
//! gateway that is already running (the desktop app's or `till gateway`), or by one
//! started inside this process for the child's lifetime and stopped after it.
//!
//! The in-process gateway listens on a port of its own (not the configured one) and is
//! not announced, so other commands never come to depend on a gateway that goes away
//! when this run ends. It reads the vault through a second connection, so the run's own
//! connection stays free to revoke the grants at the end.

use chrono::Duration;
use secrecy::SecretString;
use till_core::agents::hosting;
use till_core::agents::limits::{RunLimits, Usd};
use till_core::agents::{Caps, PricingCatalog, Provider, RUN_CREATOR};
use till_core::vault::{NewGrant, Vault};
use till_core::TillError;

use super::agent_keys::{AgentKeys, MintedAgentKey, RunSpend};
use crate::context::Context;
use crate::gateway::{runtime, HostedGateway};

/// A gateway started by this run, and the runtime it lives on.
struct OwnGateway {
    runtime: tokio::runtime::Runtime,
    hosted: HostedGateway,
}

/// Agent keys through the gateway.
pub struct GatewayAgentKeys {
    context: Context,
    own: Option<OwnGateway>,
    providers: Vec<&'static str>,
}

impl std::fmt::Debug for GatewayAgentKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GatewayAgentKeys")
            .field(
                "own_gateway",
                &self.own.as_ref().map(|own| own.hosted.addr()),
            )
            .finish()
    }
}

impl GatewayAgentKeys {
    pub fn new(context: &Context) -> Self {
        Self {
            context: context.clone(),
            own: None,
            providers: Provider::ALL.iter().map(|p| p.id()).collect(),
        }
    }

    /// The root URL of the gateway this run's agents use, starting one if none runs.
    fn gateway_root(&mut self, vault: &Vault) -> Result<String, TillError> {
        if let Some(own) = &self.own {
            return Ok(format!("http://{}", own.hosted.addr()));
        }
        if let Some(info) = hosting::running(&self.context.paths) {
            return Ok(info.base_url());
        }
        let runtime = runtime()?;
        let second = vault.second_connection()?;
        let hosted = runtime.block_on(HostedGateway::start_private(
            self.context.clock.clone(),
            second,
        ))?;
        let root = format!("http://{}", hosted.addr());
        self.own = Some(OwnGateway { runtime, hosted });
        Ok(root)
    }
}

impl AgentKeys for GatewayAgentKeys {
    fn gateway_providers(&self) -> &[&str] {
        &self.providers
    }

    fn mint(
        &mut self,
        vault: &mut Vault,
        key_name: &str,
        provider: &str,
        limits: &RunLimits,
        label: &str,
    ) -> Result<MintedAgentKey, TillError> {
        let provider = Provider::from_id(provider).ok_or_else(|| TillError::InvalidInput {
            what: format!("the agent gateway does not front {provider}"),
        })?;
        // Without prices a provider cannot be held to dollars: calls and tokens still cap it.
        let priced = PricingCatalog::builtin().provider(provider).is_some();
        if !priced {
            eprintln!(
                "till: Till has no prices for {provider}: '{key_name}' is capped by calls and tokens, not dollars"
            );
        }
        let ttl = Duration::seconds(i64::try_from(limits.ttl.secs()).unwrap_or(i64::MAX));
        let minted = vault.grants().mint(NewGrant {
            key: key_name.to_owned(),
            label: label.to_owned(),
            models: (!limits.models.is_empty()).then(|| limits.models.clone()),
            endpoints: None,
            caps: Caps {
                calls: Some(limits.max_calls),
                tokens: Some(limits.max_tokens),
                micro_usd: priced.then(|| limits.max_usd.micros()),
                rpm: None,
                max_output_tokens: None,
            },
            expires_at: Some(self.context.clock.now() + ttl),
            // Whatever its label, the vault knows it as a run's key: its use after the
            // run ended (the run revokes it at exit) raises an alert in the app.
            created_by: RUN_CREATOR.to_owned(),
        })?;
        let base_url = self.gateway_root(vault)?;
        Ok(MintedAgentKey {
            token: SecretString::from(minted.token.expose().to_owned()),
            base_url,
            grant_id: minted.grant.id,
        })
    }

    fn finish(&mut self, vault: &mut Vault, grants: &[String]) -> Result<RunSpend, TillError> {
        let mut spend = RunSpend::default();
        let mut micro_usd = 0;
        for id in grants {
            let grant = vault.grants().revoke(id)?;
            spend.calls += grant.used.calls;
            spend.tokens += grant.used.input_tokens + grant.used.output_tokens;
            micro_usd += grant.used.micro_usd;
            if spend.cap_hit.is_none() {
                spend.cap_hit = grant.cap_reached().map(str::to_owned);
            }
        }
        spend.cost = Usd::from_micros(micro_usd);
        if let Some(own) = self.own.take() {
            own.runtime.block_on(own.hosted.stop_private());
        }
        Ok(spend)
    }
}
