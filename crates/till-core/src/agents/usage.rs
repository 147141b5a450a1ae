//! What a request used and what a grant has used: plain numbers the gateway reads from
//! the provider's answers and the vault's ledger sums. Never prompts or outputs.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::grant::{Caps, EndpointFamily, Provider};

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

/// A request the gateway refused itself, after it knew the grant (revoked, expired or
/// spent, a model or endpoint not allowed, over its rate). The ledger keeps these as
/// counters per grant, minute and code, so a loop of refused calls cannot grow the vault
/// faster than a few rows a minute. Never the request's body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefusedCall {
    pub grant_id: String,
    pub at: DateTime<Utc>,
    /// The gateway's stable refusal code (`grant_revoked`, `insufficient_quota`…).
    pub code: String,
    /// The HTTP status the agent got.
    pub status: u16,
}

/// A grant's life event, for the grant's state and the audit log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "event")]
pub enum GrantEvent {
    FirstUse {
        at: DateTime<Utc>,
    },
    /// A cap is used up under the caps `under` (the grant's caps when the gateway
    /// admitted the request that used it up).
    Exhausted {
        at: DateTime<Utc>,
        under: Caps,
    },
    Expired {
        at: DateTime<Utc>,
    },
}

/// The request log as CSV (time, model, endpoint, tokens, cost, status, latency): what
/// the window exports. Numbers and model names only; models are quoted if they need it.
pub fn ledger_csv(records: &[UsageRecord]) -> String {
    let mut out = String::from(
        "time,model,endpoint,input_tokens,output_tokens,cost_usd,status,latency_ms,estimated\n",
    );
    for r in records {
        let model = if r.model.contains([',', '"', '\n']) {
            format!("\"{}\"", r.model.replace('"', "\"\""))
        } else {
            r.model.clone()
        };
        out.push_str(&format!(
            "{},{model},{},{},{},{:.6},{},{},{}\n",
            r.at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            r.endpoint.id(),
            r.input_tokens,
            r.output_tokens,
            r.micro_usd as f64 / 1e6,
            r.status,
            r.latency_ms,
            r.estimated
        ));
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn the_csv_has_a_header_and_one_line_per_request() {
        let record = UsageRecord {
            grant_id: "g_1".into(),
            at: "2026-03-01T12:00:00Z".parse().unwrap(),
            provider: Provider::OpenAi,
            endpoint: EndpointFamily::Chat,
            model: "gpt,odd".into(),
            input_tokens: 10,
            output_tokens: 5,
            micro_usd: 1_234,
            status: 200,
            latency_ms: 42,
            estimated: false,
        };
        let csv = ledger_csv(&[record]);
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines.len(), 2);
        assert_eq!(
            lines[1],
            "2026-03-01T12:00:00.000Z,\"gpt,odd\",chat,10,5,0.001234,200,42,false"
        );
    }
}
