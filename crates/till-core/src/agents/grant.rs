//! What a grant allows: the plain, serializable record behind an agent token.
//!
//! till-core seals these like every other record; the gateway only reads them (through
//! [`crate::GrantStore`]) and decides per request. [`validate_grant`] is the check the
//! mint command runs, so a grant that could never be enforced is refused up front.

use std::collections::BTreeSet;
use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::pricing::PricingCatalog;
use super::usage::UsageTotals;

/// A provider the gateway can forward to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Provider {
    #[serde(rename = "openai")]
    OpenAi,
    Anthropic,
    #[serde(rename = "openrouter")]
    OpenRouter,
    Groq,
    Mistral,
}

impl Provider {
    pub const ALL: [Provider; 5] = [
        Provider::OpenAi,
        Provider::Anthropic,
        Provider::OpenRouter,
        Provider::Groq,
        Provider::Mistral,
    ];

    /// The id used in URLs (`/openai/v1/…`), environment variables and the catalog.
    pub fn id(self) -> &'static str {
        match self {
            Provider::OpenAi => "openai",
            Provider::Anthropic => "anthropic",
            Provider::OpenRouter => "openrouter",
            Provider::Groq => "groq",
            Provider::Mistral => "mistral",
        }
    }

    pub fn from_id(id: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.id() == id)
    }

    /// Where the provider's SDKs should point, under the gateway's root: the OpenAI-style
    /// SDKs take a base URL ending in `/v1`, Anthropic's appends `/v1` itself.
    pub fn base_path(self) -> &'static str {
        match self {
            Provider::OpenAi => "/openai/v1",
            Provider::Anthropic => "/anthropic",
            Provider::OpenRouter => "/openrouter/v1",
            Provider::Groq => "/groq/v1",
            Provider::Mistral => "/mistral/v1",
        }
    }

    /// Whether the provider has endpoints of `family` (the gateway's routes follow this).
    pub fn has(self, family: EndpointFamily) -> bool {
        use EndpointFamily as F;
        match self {
            Provider::Anthropic => matches!(family, F::Messages | F::CountTokens | F::Models),
            Provider::OpenAi | Provider::OpenRouter | Provider::Groq => {
                matches!(family, F::Chat | F::Responses | F::Embeddings | F::Models)
            }
            Provider::Mistral => matches!(family, F::Chat | F::Embeddings | F::Models),
        }
    }

    /// Whether clients expect Anthropic's wire format (errors, auth header).
    pub fn is_anthropic_style(self) -> bool {
        self == Provider::Anthropic
    }
}

impl fmt::Display for Provider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

/// A family of endpoints a grant may call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EndpointFamily {
    /// OpenAI-style `chat/completions`.
    Chat,
    /// OpenAI `responses`.
    Responses,
    Embeddings,
    /// Listing models (free).
    Models,
    /// Anthropic `messages`.
    Messages,
    /// Anthropic `messages/count_tokens` (free).
    CountTokens,
}

impl EndpointFamily {
    /// Every family, in a stable order.
    pub const ALL: [EndpointFamily; 6] = [
        EndpointFamily::Chat,
        EndpointFamily::Responses,
        EndpointFamily::Embeddings,
        EndpointFamily::Models,
        EndpointFamily::Messages,
        EndpointFamily::CountTokens,
    ];

    /// The family with this id (`chat`, `count_tokens`…).
    pub fn from_id(id: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|family| family.id() == id)
    }

    pub fn id(self) -> &'static str {
        match self {
            EndpointFamily::Chat => "chat",
            EndpointFamily::Responses => "responses",
            EndpointFamily::Embeddings => "embeddings",
            EndpointFamily::Models => "models",
            EndpointFamily::Messages => "messages",
            EndpointFamily::CountTokens => "count_tokens",
        }
    }

    /// Whether the provider bills for calls to this family (free ones reserve nothing).
    pub fn is_billed(self) -> bool {
        !matches!(self, EndpointFamily::Models | EndpointFamily::CountTokens)
    }
}

/// Limits on a grant; `None` is "no limit".
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Caps {
    /// Forwarded requests, over the grant's life.
    pub calls: Option<u64>,
    /// Input + output tokens, over the grant's life.
    pub tokens: Option<u64>,
    /// Spend in micro-dollars (1 USD = 1 000 000).
    pub micro_usd: Option<u64>,
    /// Requests per sliding minute.
    pub rpm: Option<u32>,
    /// The output tokens reserved for a request that names no `max_tokens`. Without it,
    /// [`DEFAULT_OUTPUT_RESERVE`] is reserved. (A request naming a limit reserves that.)
    pub max_output_tokens: Option<u64>,
}

/// Output tokens reserved for a request that names no limit when the grant sets none.
pub const DEFAULT_OUTPUT_RESERVE: u64 = 4096;

/// Where a grant is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GrantState {
    Active,
    Revoked,
    Expired,
    Exhausted,
}

impl GrantState {
    /// Every state, in life order.
    pub const ALL: [GrantState; 4] = [
        GrantState::Active,
        GrantState::Revoked,
        GrantState::Expired,
        GrantState::Exhausted,
    ];

    /// The state's name: as stored, as shown by `till agent list`, as in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            GrantState::Active => "active",
            GrantState::Revoked => "revoked",
            GrantState::Expired => "expired",
            GrantState::Exhausted => "exhausted",
        }
    }

    /// The state named `text`.
    pub fn from_name(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|state| state.as_str() == text)
    }
}

/// Who minted a grant `till run` makes (`created_by` starts with it): the run revokes it
/// at exit, so its use after that is an anomaly (see `alerts`).
pub const RUN_CREATOR: &str = "till run";

/// A grant as the gateway sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grant {
    /// Stable id (shown in `till agent list`, logged; never the token).
    pub id: String,
    /// The user's name for it; never logged.
    pub label: String,
    pub provider: Provider,
    /// Models it may name; `None` is any model.
    pub models: Option<Vec<String>>,
    pub endpoints: BTreeSet<EndpointFamily>,
    pub caps: Caps,
    pub expires_at: Option<DateTime<Utc>>,
    pub state: GrantState,
    pub first_used_at: Option<DateTime<Utc>>,
    /// What it has used so far, as the store's ledger knows it (seeds the gateway's budget
    /// the first time it sees the grant).
    #[serde(default)]
    pub used: UsageTotals,
}

impl Grant {
    /// Whether the grant has passed its expiry at `now`.
    pub fn is_expired_at(&self, now: DateTime<Utc>) -> bool {
        self.state == GrantState::Expired || self.expires_at.is_some_and(|at| now >= at)
    }

    /// Whether the grant may name this model.
    pub fn allows_model(&self, model: &str) -> bool {
        self.models
            .as_ref()
            .is_none_or(|list| list.iter().any(|m| m == model))
    }

    pub fn allows_endpoint(&self, family: EndpointFamily) -> bool {
        self.endpoints.contains(&family)
    }

    /// The output tokens to reserve when a request names `requested` (or nothing).
    pub fn output_reserve(&self, requested: Option<u64>) -> u64 {
        requested
            .or(self.caps.max_output_tokens)
            .unwrap_or(DEFAULT_OUTPUT_RESERVE)
    }
}

/// Why a grant cannot be minted as asked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GrantError {
    #[error("a dollar cap needs a price for every model, and {provider} model `{model}` has none in Till's pricing catalog; name priced models with --models, or cap calls or tokens instead")]
    UnpricedModel { provider: Provider, model: String },
    #[error("Till has no prices for {provider}, so it cannot hold a dollar cap; cap calls or tokens instead")]
    DollarCapWithoutModels { provider: Provider },
    #[error("the grant allows no endpoints; allow at least one (e.g. chat)")]
    NoEndpoints,
    #[error("endpoint `{family}` does not exist for {provider}")]
    EndpointNotForProvider {
        provider: Provider,
        family: &'static str,
    },
    #[error("a cap of zero would refuse every request; leave it unset or give a positive number")]
    ZeroCap,
    #[error("the expiry is in the past")]
    ExpiryInPast,
}

/// Checks a grant before it is minted.
pub fn validate_grant(
    grant: &Grant,
    pricing: &PricingCatalog,
    now: DateTime<Utc>,
) -> Result<(), GrantError> {
    if grant.endpoints.is_empty() {
        return Err(GrantError::NoEndpoints);
    }
    for family in &grant.endpoints {
        if !grant.provider.has(*family) {
            return Err(GrantError::EndpointNotForProvider {
                provider: grant.provider,
                family: family.id(),
            });
        }
    }
    let caps = &grant.caps;
    if caps.calls == Some(0)
        || caps.tokens == Some(0)
        || caps.micro_usd == Some(0)
        || caps.rpm == Some(0)
        || caps.max_output_tokens == Some(0)
    {
        return Err(GrantError::ZeroCap);
    }
    if grant.expires_at.is_some_and(|at| at <= now) {
        return Err(GrantError::ExpiryInPast);
    }
    if caps.micro_usd.is_some() {
        // With no model list, any model Till has a price for is allowed; the gateway
        // refuses the others per request. A provider with no prices at all cannot be
        // held to dollars.
        if pricing.provider(grant.provider).is_none() {
            return Err(GrantError::DollarCapWithoutModels {
                provider: grant.provider,
            });
        }
        for model in grant.models.iter().flatten() {
            if pricing.price(grant.provider, model).is_none() {
                return Err(GrantError::UnpricedModel {
                    provider: grant.provider,
                    model: model.clone(),
                });
            }
        }
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn state_names_are_the_wire_names_and_read_back() {
        for state in GrantState::ALL {
            assert_eq!(GrantState::from_name(state.as_str()), Some(state));
            assert_eq!(
                serde_json::to_value(state).unwrap(),
                serde_json::json!(state.as_str())
            );
        }
        assert_eq!(GrantState::from_name("paused"), None);
    }

    fn grant() -> Grant {
        Grant {
            id: "g1".into(),
            label: "test".into(),
            provider: Provider::OpenAi,
            models: Some(vec!["gpt-4o-mini".into()]),
            endpoints: [EndpointFamily::Chat].into(),
            caps: Caps {
                micro_usd: Some(10_000),
                ..Caps::default()
            },
            expires_at: None,
            state: GrantState::Active,
            first_used_at: None,
            used: UsageTotals::default(),
        }
    }

    #[test]
    fn dollar_cap_needs_priced_models() {
        let pricing = PricingCatalog::builtin();
        let now = Utc::now();
        assert_eq!(validate_grant(&grant(), pricing, now), Ok(()));
        let mut g = grant();
        g.models = Some(vec!["my-finetune".into()]);
        assert!(matches!(
            validate_grant(&g, pricing, now),
            Err(GrantError::UnpricedModel { .. })
        ));
        g.models = None;
        assert_eq!(
            validate_grant(&g, pricing, now),
            Ok(()),
            "any priced model; the gateway refuses the unpriced ones"
        );
        g.provider = Provider::Groq;
        g.endpoints = [EndpointFamily::Chat].into();
        assert!(matches!(
            validate_grant(&g, pricing, now),
            Err(GrantError::DollarCapWithoutModels { .. })
        ));
        g.provider = Provider::OpenAi;
        g.caps.micro_usd = None;
        g.caps.calls = Some(3);
        assert_eq!(validate_grant(&g, pricing, now), Ok(()));
    }

    #[test]
    fn endpoints_must_belong_to_the_provider() {
        let mut g = grant();
        g.endpoints = [EndpointFamily::Messages].into();
        assert!(matches!(
            validate_grant(&g, PricingCatalog::builtin(), Utc::now()),
            Err(GrantError::EndpointNotForProvider { .. })
        ));
        g.endpoints.clear();
        assert_eq!(
            validate_grant(&g, PricingCatalog::builtin(), Utc::now()),
            Err(GrantError::NoEndpoints)
        );
    }

    #[test]
    fn serde_round_trip() {
        let g = grant();
        let json = serde_json::to_string(&g).unwrap();
        assert!(json.contains("\"provider\":\"openai\""));
        assert_eq!(serde_json::from_str::<Grant>(&json).unwrap(), g);
    }
}
