//! What a request used and what a grant has used: plain numbers the gateway reads from
//! the provider's answers and the vault's ledger sums. Never prompts or outputs.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::grant::{EndpointFamily, Provider};

/// Tokens one request used.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Usage {
    pub input_tokens: u64,
    pub output_tokens: u64,
}

impl Usage {
    pub const fn new(input_tokens: u64, output_tokens: u64) -> Self {
        Self {
            input_tokens,
            output_tokens,
        }
    }

    pub fn total(&self) -> u64 {
        self.input_tokens.saturating_add(self.output_tokens)
    }
}

/// What a grant has used over its life (the store's ledger sums).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct UsageTotals {
    pub calls: u64,
    pub input_tokens: u64,
    pub output_tokens: u64,
    pub micro_usd: u64,
}

/// One forwarded request, for the ledger: numbers only, never prompts or outputs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UsageRecord {
    pub grant_id: String,
    pub at: DateTime<Utc>,
    pub provider: Provider,
    pub endpoint: EndpointFamily,
    /// The model the request named (empty for model listings).
    pub model: String,
    pub input_tokens: u64,
    pub output_tokens: u64,
    pub micro_usd: u64,
    /// The upstream HTTP status (or 502 when upstream was unreachable mid-way).
    pub status: u16,
    pub latency_ms: u64,
    /// True when the provider's usage was not seen (stream cut short) and the reservation
    /// was charged instead.
    pub estimated: bool,
}

/// A grant's life event, for the grant's state and the audit log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "event")]
pub enum GrantEvent {
    FirstUse { at: DateTime<Utc> },
    Exhausted { at: DateTime<Utc> },
    Expired { at: DateTime<Utc> },
}
