//! The agent gateway inside the app, and the watcher that keeps the tray and the alerts
//! in step with what agents spend.
//!
//! While Till runs it hosts the gateway (`till-gateway`'s `HostedGateway`, the same one
//! `till gateway` runs) over a second connection to the vault, at the port from
//! `[gateway] port`, so agents configured once keep working across restarts. It starts at
//! the first unlock and keeps serving while the window's vault is locked: active grants
//! were delegated and keep working until they expire or are revoked. Quitting stops it.
//! If another process already hosts a gateway (`till gateway`), Till uses that one.
//!
//! The watcher polls once a second with a cheap signature (the ledger's last row and the
//! grants' states), so a grant minted by the CLI or a call that crosses a cap shows in the
//! tray and raises its alert within about a second, and an idle Till reads almost nothing.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use secrecy::SecretString;
use serde::Serialize;
use tauri::{AppHandle, Emitter, Manager};
use till_core::agents::alerts::{self, Alert};
use till_core::agents::hosting::{self, GatewayInfo};
use till_core::agents::menu::{self, AgentsMenu, MenuGrant};
use till_core::vault::{CapChange, GrantView, Vault};
use till_core::TillError;
use till_gateway::HostedGateway;
use ts_rs::TS;

use crate::notifications;
use crate::state::{AppState, Wakeup};
use crate::tray;
use crate::windows;

/// How often the watcher looks (a signature read when nothing changed).
const POLL_EVERY: Duration = Duration::from_secs(1);
/// A full look at least this often, for expiries and cool-downs that pass with no call.
const FULL_LOOK_EVERY: Duration = Duration::from_secs(15);
/// How often a gateway hosted elsewhere is checked, and a failed start retried.
const RECHECK_EVERY: Duration = Duration::from_secs(5);
/// The event that tells an open window to reload its agents (no payload).
pub const AGENTS_EVENT: &str = "till://agents";
/// The event that tells an open window to show one agent key (`take_agent_route`).
pub const AGENT_ROUTE_EVENT: &str = "till://agent-route";

/// Who serves agent keys.
enum Hosting {
    /// Not started (no vault opened yet).
    Off,
    /// This app.
    Own(HostedGateway),
    /// Another process (`till gateway`).
    Elsewhere(GatewayInfo),
    /// Could not start; why, and when it was tried.
    Failed(String, Instant),
}

/// The gateway as the window shows it.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct GatewayStatus {
    /// `own`, `elsewhere`, `off` or `failed`.
    pub mode: String,
    pub port: Option<u16>,
    /// The gateway's root URL, when one runs.
    pub url: Option<String>,
    /// A sentence for people: who serves agent keys and what that means.
    pub message: String,
}

/// Where the Agents view should go when the tray, a notification or quick search asks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(tag = "to", rename_all = "snake_case")]
#[ts(export)]
pub enum AgentRoute {
    /// The list of agent keys.
    List,
    /// One agent key's detail.
    Detail { id: String },
    /// One agent key's detail with its Raise caps dialog open (an alert's **Raise cap…**).
    RaiseCaps { id: String },
    /// The mint form, on this parent key and with this label when they are named.
    Mint {
        key: Option<String>,
        label: Option<String>,
    },
}

/// The shared agents state: the gateway, the last look, the one-time token, the route.
pub struct AgentsHost {
    hosting: Mutex<Hosting>,
    grants: Mutex<Vec<GrantView>>,
    /// The token just minted, kept only for its Copy button until the panel closes.
    pending_token: Mutex<Option<(String, SecretString)>>,
    route: Mutex<Option<AgentRoute>>,
    pub wakeup: Wakeup,
}

impl std::fmt::Debug for AgentsHost {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AgentsHost(..)")
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|p| p.into_inner())
}

impl Default for AgentsHost {
    fn default() -> Self {
        Self {
            hosting: Mutex::new(Hosting::Off),
            grants: Mutex::new(Vec::new()),
            pending_token: Mutex::new(None),
            route: Mutex::new(None),
            wakeup: Wakeup::default(),
        }
    }
}

impl AgentsHost {
    /// Asks the watcher to look now (after the app changed a grant).
    pub fn poke(&self) {
        self.wakeup.poke();
    }

    fn is_off(&self) -> bool {
        matches!(*lock(&self.hosting), Hosting::Off)
    }

    /// The grants as of the last look (newest first).
    pub fn grants(&self) -> Vec<GrantView> {
        lock(&self.grants).clone()
    }

    /// The tray's submenu; labels only when `named` (unlocked).
    pub fn menu(&self, named: bool) -> AgentsMenu {
        let grants = lock(&self.grants);
        let items: Vec<MenuGrant<'_>> = grants
            .iter()
            .map(|g| MenuGrant {
                id: &g.id,
                label: &g.label,
                state: g.state,
                caps: &g.caps,
                used: &g.used,
            })
            .collect();
        menu::agents_menu(&items, named)
    }

    /// Who serves agent keys, for the window.
    pub fn status(&self) -> GatewayStatus {
        let (mode, port, message) = match &*lock(&self.hosting) {
            Hosting::Off => (
                "off",
                None,
                "The gateway starts when the vault is first unlocked.".to_owned(),
            ),
            Hosting::Own(gateway) => (
                "own",
                Some(gateway.addr().port()),
                "Till serves agent keys while it runs, also while locked; quitting stops them."
                    .to_owned(),
            ),
            Hosting::Elsewhere(info) => (
                "elsewhere",
                Some(info.port),
                format!(
                    "Another Till gateway serves agent keys (process {}, e.g. `till gateway`); Till uses it.",
                    info.pid
                ),
            ),
            Hosting::Failed(why, _) => ("failed", None, why.clone()),
        };
        GatewayStatus {
            mode: mode.into(),
            port,
            url: port.map(|p| format!("http://127.0.0.1:{p}")),
            message,
        }
    }

    /// Keeps the minted token for its Copy button.
    pub fn keep_token(&self, grant_id: &str, token: SecretString) {
        *lock(&self.pending_token) = Some((grant_id.to_owned(), token));
    }

    /// The kept token, if it is `grant_id`'s.
    pub fn token(&self, grant_id: &str) -> Option<SecretString> {
        lock(&self.pending_token)
            .as_ref()
            .filter(|(id, _)| id == grant_id)
            .map(|(_, token)| token.clone())
    }

    /// Drops the kept token (the panel closed).
    pub fn forget_token(&self) {
        lock(&self.pending_token).take();
    }

    /// Where the window goes next in the Agents view.
    pub fn take_route(&self) -> Option<AgentRoute> {
        lock(&self.route).take()
    }
}

/// Runs `action` on the vault that sees agent keys: the hosted gateway's own connection
/// (open even while the app is locked), else the app's open vault. `None` when neither.
pub fn with_agent_vault<T>(
    app: &AppHandle,
    action: impl FnOnce(&mut Vault) -> Result<T, TillError>,
) -> Option<Result<T, TillError>> {
    let host = app.state::<AgentsHost>();
    {
        let hosting = lock(&host.hosting);
        if let Hosting::Own(gateway) = &*hosting {
            return Some(gateway.with_vault(action));
        }
    }
    app.state::<AppState>().with_open_vault(action)
}

/// Starts the watcher thread.
pub fn start(app: AppHandle) {
    let spawned = std::thread::Builder::new()
        .name("till-agents".into())
        .spawn(move || watch(&app));
    if let Err(error) = spawned {
        tracing::error!(%error, "could not start the agent watcher");
    }
}

/// Stops a gateway this app hosts (on Quit): requests in flight finish, the runtime
/// file is withdrawn, its vault connection locked.
pub fn stop(app: &AppHandle) {
    let host = app.state::<AgentsHost>();
    let taken = std::mem::replace(&mut *lock(&host.hosting), Hosting::Off);
    if let Hosting::Own(gateway) = taken {
        let paths = app.state::<AppState>().paths.clone();
        match tauri::async_runtime::block_on(gateway.stop(&paths)) {
            Ok(()) => tracing::info!("agent gateway stopped"),
            Err(error) => {
                tracing::warn!(code = ?error.code(), "the agent gateway stopped with an error")
            }
        }
    }
}

/// Hosts the gateway when the vault is open and nobody serves one; notices a gateway
/// hosted elsewhere going away.
fn ensure_hosting(app: &AppHandle) {
    let state = app.state::<AppState>();
    let host = app.state::<AgentsHost>();
    let mut hosting = lock(&host.hosting);
    match &*hosting {
        Hosting::Own(_) => return,
        Hosting::Elsewhere(_) => {
            if hosting::running(&state.paths).is_some() {
                return;
            }
            tracing::info!("the other gateway stopped: Till hosts its own");
        }
        Hosting::Failed(_, at) if at.elapsed() < RECHECK_EVERY => return,
        Hosting::Off | Hosting::Failed(..) => {}
    }
    if let Some(info) = hosting::running(&state.paths) {
        tracing::info!(port = info.port, "a gateway already runs: Till uses it");
        *hosting = Hosting::Elsewhere(info);
        drop(hosting);
        let _ = app.emit_to(windows::MAIN_WINDOW, AGENTS_EVENT, ());
        return;
    }
    let Some(connection) = state.with_open_vault(|vault| vault.second_connection()) else {
        *hosting = Hosting::Off;
        return;
    };
    let started = connection.and_then(|vault| {
        tauri::async_runtime::block_on(HostedGateway::start(
            &state.paths,
            Arc::clone(&state.clock),
            vault,
            state.settings.gateway.port,
        ))
    });
    *hosting = match started {
        Ok(gateway) => {
            tracing::info!(port = gateway.addr().port(), "agent gateway listening");
            Hosting::Own(gateway)
        }
        Err(error) => {
            tracing::warn!(code = ?error.code(), "the agent gateway could not start");
            Hosting::Failed(error.to_string(), Instant::now())
        }
    };
    drop(hosting);
    // The window shows who serves agent keys: tell it.
    let _ = app.emit_to(windows::MAIN_WINDOW, AGENTS_EVENT, ());
}

fn watch(app: &AppHandle) {
    let host = app.state::<AgentsHost>();
    let mut last_signature: Option<String> = None;
    let mut last_full = Instant::now();
    let mut last_hosting_check = Instant::now() - RECHECK_EVERY;
    let mut poked = true;
    let state = app.state::<AppState>();
    loop {
        let unlocked_first = host.is_off() && state.is_unlocked();
        if poked || unlocked_first || last_hosting_check.elapsed() >= RECHECK_EVERY {
            ensure_hosting(app);
            last_hosting_check = Instant::now();
        }
        let signature =
            with_agent_vault(app, |vault| vault.agent_watch().signature()).and_then(Result::ok);
        let changed = signature != last_signature;
        if changed || poked || last_full.elapsed() >= FULL_LOOK_EVERY {
            look(app);
            last_signature = signature;
            last_full = Instant::now();
        }
        poked = host.wakeup.wait(POLL_EVERY);
    }
}

/// One full look: the grants for the tray and window, and any alerts due.
fn look(app: &AppHandle) {
    let state = app.state::<AppState>();
    let host = app.state::<AgentsHost>();
    let settings = state.settings.agents.clone();
    let looked = with_agent_vault(app, |vault| vault.agent_watch().look(&settings));
    let found = match looked {
        Some(Ok(found)) => found,
        Some(Err(error)) => {
            tracing::warn!(code = ?error.code(), "could not read the agent keys");
            return;
        }
        None => Default::default(),
    };
    let changed = {
        let mut grants = lock(&host.grants);
        let changed = *grants != found.grants;
        *grants = found.grants;
        changed
    };
    if changed {
        tray::refresh(app);
        let _ = app.emit_to(windows::MAIN_WINDOW, AGENTS_EVENT, ());
    }
    if found.alerts.is_empty() {
        return;
    }
    let named = state.is_unlocked();
    let shown: Vec<Alert> = found
        .alerts
        .into_iter()
        .filter(|alert| notifications::agent_alert(app, alert, named))
        .collect();
    tracing::info!(alerts = shown.len(), "agent alerts raised");
    let marks = alerts::marks_for(&shown, &settings);
    if let Some(Err(error)) = with_agent_vault(app, |vault| vault.agent_watch().record(marks)) {
        tracing::warn!(code = ?error.code(), "could not record the agent alerts shown");
    }
}

/// Revokes one grant (a notification's or the tray's button, or the window).
pub fn revoke(app: &AppHandle, id: &str) -> Result<GrantView, TillError> {
    let revoked = with_agent_vault(app, |vault| vault.grants().revoke(id))
        .unwrap_or(Err(TillError::VaultLocked));
    app.state::<AgentsHost>().poke();
    revoked
}

/// Changes one grant's caps (the window's Raise caps dialog); the watcher looks again,
/// so the tray and the window show the grant going on.
pub fn set_caps(app: &AppHandle, id: &str, change: CapChange) -> Result<GrantView, TillError> {
    let alerts = app.state::<AppState>().settings.agents.clone();
    let changed = with_agent_vault(app, |vault| vault.grants().set_caps(id, change, &alerts))
        .unwrap_or(Err(TillError::VaultLocked));
    app.state::<AgentsHost>().poke();
    changed
}

/// Revokes every active grant ("Stop all agents"); returns how many.
pub fn revoke_all(app: &AppHandle) -> Result<usize, TillError> {
    let revoked = with_agent_vault(app, |vault| vault.grants().revoke_all())
        .unwrap_or(Err(TillError::VaultLocked));
    app.state::<AgentsHost>().poke();
    revoked
}

/// Opens the window on one agent key (or the Agents view for `None`).
pub fn show(app: &AppHandle, id: Option<&str>) {
    show_at(
        app,
        match id {
            Some(id) => AgentRoute::Detail { id: id.to_owned() },
            None => AgentRoute::List,
        },
    );
}

/// Opens the window's Agents view at `route`.
pub fn show_at(app: &AppHandle, route: AgentRoute) {
    *lock(&app.state::<AgentsHost>().route) = Some(route);
    windows::show_main(app);
    if let Err(error) = app.emit_to(windows::MAIN_WINDOW, AGENT_ROUTE_EVENT, ()) {
        tracing::warn!(%error, "could not tell the window where to go");
    }
}
