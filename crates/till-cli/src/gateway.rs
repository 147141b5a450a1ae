//! `till gateway`: the agent gateway in the foreground.
//!
//! It opens the vault (keyring, or `--password-stdin`), listens on 127.0.0.1, announces
//! itself in the runtime file so `till run` and `till agent mint` find it, and stops
//! cleanly on SIGTERM, SIGINT or SIGHUP. The vault stays open while it runs, so agent keys
//! minted meanwhile by another `till` work from their first request; the real keys never
//! leave this process.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;

use till_core::agents::hosting::{self, GatewayInfo};
use till_core::TillError;
use till_gateway::{Config, Gateway, RunningGateway, VaultStore};

use crate::context::Context;
use crate::input::{open_vault, Stdin};

/// A gateway serving from the vault, announced while it runs.
pub struct HostedGateway {
    running: RunningGateway,
    store: Arc<VaultStore>,
}

impl std::fmt::Debug for HostedGateway {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HostedGateway")
            .field("addr", &self.running.addr())
            .finish()
    }
}

impl HostedGateway {
    /// Binds `127.0.0.1:port` (0 picks one) over `vault` and announces it. Must run inside
    /// a tokio runtime.
    pub async fn start(
        context: &Context,
        vault: till_core::vault::Vault,
        port: u16,
    ) -> Result<Self, TillError> {
        if let Some(info) = hosting::running(&context.paths) {
            return Err(TillError::InvalidInput {
                what: format!(
                    "a Till gateway is already running on port {} (process {}): use it, or stop it first",
                    info.port, info.pid
                ),
            });
        }
        let hosted = Self::bind(context, vault, port).await?;
        hosting::announce(
            &context.paths,
            &GatewayInfo {
                pid: std::process::id(),
                port: hosted.addr().port(),
                started_at: context.clock.now(),
            },
        )?;
        Ok(hosted)
    }

    /// Binds a free loopback port over `vault` without announcing it: a gateway only
    /// this process's child uses (`till run` when no gateway is running).
    pub async fn start_private(
        context: &Context,
        vault: till_core::vault::Vault,
    ) -> Result<Self, TillError> {
        Self::bind(context, vault, 0).await
    }

    async fn bind(
        context: &Context,
        vault: till_core::vault::Vault,
        port: u16,
    ) -> Result<Self, TillError> {
        let mut vault = vault;
        let token_key = vault.grants().token_key();
        let mut config = Config::from_env(token_key).map_err(|e| TillError::InvalidInput {
            what: e.to_string(),
        })?;
        config.clock = context.clock.clone();
        let store = Arc::new(VaultStore::new(vault));
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        let running = Gateway::bind(addr, store.clone(), config)
            .await
            .map_err(|e| TillError::InvalidInput {
                what: format!(
                    "the gateway cannot listen on 127.0.0.1:{port} ({e}): pick another port with --port or `[gateway] port` in settings.toml"
                ),
            })?;
        Ok(Self { running, store })
    }

    /// Where it listens.
    pub fn addr(&self) -> SocketAddr {
        self.running.addr()
    }

    /// Stops a private gateway: requests in flight finish; its vault connection is
    /// dropped (keys wiped) without a lock entry, the run's own connection records that.
    pub async fn stop_private(self) {
        self.running.shutdown().await;
    }

    /// Stops serving (requests in flight finish), withdraws the announcement, locks.
    pub async fn stop(self, context: &Context) -> Result<(), TillError> {
        self.running.shutdown().await;
        hosting::withdraw(&context.paths);
        match Arc::try_unwrap(self.store) {
            Ok(store) => store.into_vault().lock(),
            Err(_) => Ok(()),
        }
    }
}

/// A runtime for serving: two workers (the machine's cores), IO and timers.
pub fn runtime() -> Result<tokio::runtime::Runtime, TillError> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| TillError::Internal {
            what: format!("could not start the gateway's runtime: {e}"),
        })
}

/// Runs `till gateway` until a signal stops it.
pub fn run(context: &Context, port: Option<u16>) -> Result<ExitCode, TillError> {
    let stdin = Stdin::read(context, false)?;
    let vault = open_vault(context, &stdin)?;
    let port = port.unwrap_or(context.settings.gateway.port);
    runtime()?.block_on(async {
        let hosted = HostedGateway::start(context, vault, port).await?;
        eprintln!("listening on http://{}", hosted.addr());
        wait_for_stop().await;
        eprintln!("till gateway: stopping");
        hosted.stop(context).await
    })?;
    Ok(ExitCode::SUCCESS)
}

/// Waits for SIGTERM, SIGINT or SIGHUP.
async fn wait_for_stop() {
    use tokio::signal::unix::{signal, SignalKind};
    let streams = [
        SignalKind::terminate(),
        SignalKind::interrupt(),
        SignalKind::hangup(),
    ]
    .map(signal);
    let [Ok(mut term), Ok(mut int), Ok(mut hup)] = streams else {
        // Without signal handlers only Ctrl-C's default action can stop it; wait forever.
        std::future::pending::<()>().await;
        return;
    };
    tokio::select! {
        _ = term.recv() => {}
        _ = int.recv() => {}
        _ = hup.recv() => {}
    }
}
