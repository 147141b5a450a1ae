//! Commands of the Agents view: mint, list, raise caps, revoke, the request log and
//! charts' data.
//!
//! The token of a freshly minted agent key reaches the webview once, for display; the Copy
//! button asks Rust, which kept it, to put it on the clipboard under Till's rules, and
//! the panel's closing drops it. Numbers cross as plain JSON numbers (micro-dollars fit
//! well within a double's exact range).

use serde::{Deserialize, Serialize};
use tauri::{AppHandle, Manager, State};
use till_core::agents::hourly::HourUsage;
use till_core::agents::limits::{Ttl, Usd};
use till_core::agents::snippets::{self, Snippet};
use till_core::agents::usage::ledger_csv;
use till_core::agents::{Caps, PricingCatalog, Provider, UsageRecord};
use till_core::vault::{CapChange, DailyUsage, GrantView, NewGrant};
use till_core::TillError;
use ts_rs::TS;

use crate::agents::{self, AgentRoute, AgentsHost, GatewayStatus};
use crate::copying;
use crate::error::{CommandResult, IpcError};
use crate::state::AppState;

/// Days of spend the charts show.
const CHART_DAYS: u32 = 14;
/// Requests the detail's log shows.
const LOG_ROWS: usize = 500;
/// The most requests a CSV export holds.
pub(crate) const CSV_ROWS: usize = 100_000;

/// One agent key as the window lists it.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct AgentKey {
    pub id: String,
    pub label: String,
    /// The parent key's name.
    pub key: String,
    pub provider: String,
    pub models: Option<Vec<String>>,
    /// `active`, `revoked`, `expired` or `exhausted`.
    pub state: String,
    pub created_by: String,
    pub created_at: String,
    pub expires_at: Option<String>,
    pub last_used_at: Option<String>,
    pub used: AgentNumbers,
    pub caps: AgentNumbers,
    pub rpm: Option<u32>,
    /// Requests the gateway refused itself (revoked, spent, not allowed, over its rate).
    #[ts(type = "number")]
    pub refused: u64,
}

/// Calls, tokens and micro-dollars: used so far, or the caps (absent: no cap).
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct AgentNumbers {
    #[ts(type = "number | null")]
    pub calls: Option<u64>,
    #[ts(type = "number | null")]
    pub tokens: Option<u64>,
    #[ts(type = "number | null")]
    pub micro_usd: Option<u64>,
}

impl From<&GrantView> for AgentKey {
    fn from(g: &GrantView) -> Self {
        let state = serde_json::to_value(g.state)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        Self {
            id: g.id.clone(),
            label: g.label.clone(),
            key: g.key.clone(),
            provider: g.provider.id().to_owned(),
            models: g.models.clone(),
            state,
            created_by: g.created_by.clone(),
            created_at: g.created_at.to_rfc3339(),
            expires_at: g.expires_at.map(|t| t.to_rfc3339()),
            last_used_at: g.last_used_at.map(|t| t.to_rfc3339()),
            used: AgentNumbers {
                calls: Some(g.used.calls),
                tokens: Some(g.used.input_tokens + g.used.output_tokens),
                micro_usd: Some(g.used.micro_usd),
            },
            caps: AgentNumbers {
                calls: g.caps.calls,
                tokens: g.caps.tokens,
                micro_usd: g.caps.micro_usd,
            },
            rpm: g.caps.rpm,
            refused: g.refused,
        }
    }
}

/// A day of one agent key's use, for the charts.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct AgentDay {
    pub day: String,
    pub grant_id: String,
    #[ts(type = "number")]
    pub calls: u64,
    #[ts(type = "number")]
    pub refused: u64,
    #[ts(type = "number")]
    pub tokens: u64,
    #[ts(type = "number")]
    pub micro_usd: u64,
}

impl From<&DailyUsage> for AgentDay {
    fn from(d: &DailyUsage) -> Self {
        Self {
            day: d.day.to_string(),
            grant_id: d.grant_id.clone(),
            calls: d.calls,
            refused: d.refused,
            tokens: d.input_tokens + d.output_tokens,
            micro_usd: d.micro_usd,
        }
    }
}

/// Everything the Agents view shows at once.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct AgentsOverview {
    pub gateway: GatewayStatus,
    pub keys: Vec<AgentKey>,
    pub days: Vec<AgentDay>,
}

/// One request of the log: numbers only, never prompts or outputs.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct AgentCall {
    pub at: String,
    pub model: String,
    pub endpoint: String,
    #[ts(type = "number")]
    pub input_tokens: u64,
    #[ts(type = "number")]
    pub output_tokens: u64,
    #[ts(type = "number")]
    pub micro_usd: u64,
    pub status: u16,
    #[ts(type = "number")]
    pub latency_ms: u64,
    pub estimated: bool,
}

impl From<&UsageRecord> for AgentCall {
    fn from(r: &UsageRecord) -> Self {
        Self {
            at: r.at.to_rfc3339(),
            model: r.model.clone(),
            endpoint: r.endpoint.id().to_owned(),
            input_tokens: r.input_tokens,
            output_tokens: r.output_tokens,
            micro_usd: r.micro_usd,
            status: r.status,
            latency_ms: r.latency_ms,
            estimated: r.estimated,
        }
    }
}

/// What the mint form sends.
#[derive(Debug, Clone, Deserialize, TS)]
#[ts(export)]
pub struct MintInput {
    /// The parent key's name.
    pub key: String,
    pub label: String,
    /// Empty: any model (not with a dollar cap on a provider without prices).
    pub models: Vec<String>,
    #[ts(type = "number | null")]
    pub max_calls: Option<u64>,
    #[ts(type = "number | null")]
    pub max_tokens: Option<u64>,
    /// Dollars, e.g. "0.50".
    pub max_usd: Option<String>,
    /// "30m", "2h", "1d"…
    pub ttl: String,
}

/// A minted agent key: its token (shown once), where agents point, ready-made config.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct MintedAgent {
    pub agent: AgentKey,
    pub token: String,
    pub base_url: String,
    pub snippets: Vec<Snippet>,
}

fn overview(app: &AppHandle) -> Result<AgentsOverview, TillError> {
    let days = agents::with_agent_vault(app, |vault| vault.grants().daily(CHART_DAYS))
        .unwrap_or(Ok(Vec::new()))?;
    let host = app.state::<AgentsHost>();
    Ok(AgentsOverview {
        gateway: host.status(),
        keys: host.grants().iter().map(AgentKey::from).collect(),
        days: days.iter().map(AgentDay::from).collect(),
    })
}

/// The gateway, every agent key (as of the watcher's last look, at most a second old)
/// and the charts' daily numbers.
#[tauri::command]
pub fn agent_overview(app: AppHandle) -> CommandResult<AgentsOverview> {
    overview(&app).map_err(IpcError::from)
}

/// Mints an agent key on a key of the vault; the token is returned once and kept in Rust
/// only for the Copy button.
#[tauri::command]
pub fn mint_agent_key(
    app: AppHandle,
    state: State<'_, AppState>,
    input: MintInput,
) -> CommandResult<MintedAgent> {
    let ttl = Ttl::parse(&input.ttl)?;
    let caps = Caps {
        calls: input.max_calls,
        tokens: input.max_tokens,
        micro_usd: dollars(input.max_usd.as_deref())?,
        ..Caps::default()
    };
    let models: Vec<String> = input.models.into_iter().filter(|m| !m.is_empty()).collect();
    let expires_at = state.clock.now() + chrono::Duration::seconds(ttl.secs() as i64);
    let minted = state.with_vault(|vault| {
        vault.grants().mint(NewGrant {
            key: input.key.clone(),
            label: input.label,
            models: (!models.is_empty()).then_some(models),
            endpoints: None,
            caps,
            expires_at: Some(expires_at),
            created_by: "the window".into(),
        })
    })?;
    let host = app.state::<AgentsHost>();
    host.poke();
    let root = host
        .status()
        .url
        .unwrap_or_else(|| format!("http://127.0.0.1:{}", state.settings.gateway.port));
    let base_url = format!("{root}{}", minted.grant.provider.base_path());
    let token = minted.token.expose().to_owned();
    host.keep_token(&minted.grant.id, secrecy::SecretString::from(token.clone()));
    tracing::info!("agent key minted from the window");
    Ok(MintedAgent {
        agent: AgentKey::from(&minted.grant),
        snippets: snippets::snippets(minted.grant.provider, &base_url, &input.key),
        token,
        base_url,
    })
}

/// Copies the just-minted token (Till's clipboard rules: marked as a password, cleared
/// after the configured time); returns the seconds until it clears.
#[tauri::command]
pub fn copy_agent_token(app: AppHandle, id: String) -> CommandResult<u32> {
    let token = app
        .state::<AgentsHost>()
        .token(&id)
        .ok_or_else(|| TillError::InvalidInput {
            what: "the token is shown only once, right after minting: mint a new agent key".into(),
        })?;
    copying::put_and_clear_later(&app, &token)
}

/// Drops the kept token (the panel that showed it closed).
#[tauri::command]
pub fn forget_agent_token(app: AppHandle) {
    app.state::<AgentsHost>().forget_token();
}

/// Revokes one agent key: its next request is refused.
#[tauri::command]
pub fn revoke_agent_key(app: AppHandle, id: String) -> CommandResult<AgentKey> {
    agents::revoke(&app, &id)
        .map(|g| AgentKey::from(&g))
        .map_err(IpcError::from)
}

/// Revokes every active agent key; returns how many.
#[tauri::command]
pub fn stop_all_agents(app: AppHandle) -> CommandResult<usize> {
    agents::revoke_all(&app).map_err(IpcError::from)
}

/// One agent key's request log, newest first.
#[tauri::command]
pub fn agent_usage_log(app: AppHandle, id: String) -> CommandResult<Vec<AgentCall>> {
    let log = agents::with_agent_vault(&app, |vault| vault.grants().usage(Some(&id), LOG_ROWS))
        .unwrap_or(Err(TillError::VaultLocked))?;
    Ok(log.iter().map(AgentCall::from).collect())
}

/// One agent key's last 24 hours, hour by hour, for the detail's charts.
#[tauri::command]
pub fn agent_hourly(app: AppHandle, id: String) -> CommandResult<Vec<HourUsage>> {
    agents::with_agent_vault(&app, |vault| vault.grants().hourly(&id))
        .unwrap_or(Err(TillError::VaultLocked))
        .map_err(IpcError::from)
}

/// One agent key's request log as CSV, for the window to show for copying (Till has no
/// file dialog: the webview gets no file system access).
#[tauri::command]
pub fn agent_usage_csv(app: AppHandle, id: String) -> CommandResult<String> {
    let log = agents::with_agent_vault(&app, |vault| vault.grants().usage(Some(&id), CSV_ROWS))
        .unwrap_or(Err(TillError::VaultLocked))?;
    Ok(ledger_csv(&log))
}

/// The priced models of a key's provider, for the mint form (empty: not a gateway
/// provider, or none priced).
#[tauri::command]
pub fn agent_models(state: State<'_, AppState>, key: String) -> CommandResult<Vec<String>> {
    let provider = state.with_vault_read(|vault| Ok(vault.keys().find(&key)?.provider.clone()))?;
    Ok(Provider::from_id(&provider)
        .and_then(|p| PricingCatalog::builtin().provider(p))
        .map(|prices| prices.models.keys().cloned().collect())
        .unwrap_or_default())
}

/// New caps from the Raise caps dialog (absent: no cap).
#[derive(Debug, Clone, Deserialize, TS)]
#[ts(export)]
pub struct CapsInput {
    #[ts(type = "number | null")]
    pub max_calls: Option<u64>,
    #[ts(type = "number | null")]
    pub max_tokens: Option<u64>,
    /// Dollars, e.g. "2.00".
    pub max_usd: Option<String>,
}

/// Changes an agent key's caps: an exhausted key given room goes on with its next call.
#[tauri::command]
pub fn set_agent_caps(app: AppHandle, id: String, input: CapsInput) -> CommandResult<AgentKey> {
    let change = CapChange {
        calls: input.max_calls,
        tokens: input.max_tokens,
        micro_usd: dollars(input.max_usd.as_deref())?,
    };
    let grant = agents::set_caps(&app, &id, change)?;
    tracing::info!("agent key caps changed from the window");
    Ok(AgentKey::from(&grant))
}

/// A dollar amount from a form ("" or absent: no cap), in micro-dollars.
fn dollars(text: Option<&str>) -> Result<Option<u64>, TillError> {
    text.map(str::trim)
        .filter(|usd| !usd.is_empty())
        .map(|usd| Usd::parse(usd).map(Usd::micros))
        .transpose()
}

/// Where the Agents view should go (the tray, a notification, quick search), or nothing.
#[tauri::command]
pub fn take_agent_route(app: AppHandle) -> Option<AgentRoute> {
    app.state::<AgentsHost>().take_route()
}
