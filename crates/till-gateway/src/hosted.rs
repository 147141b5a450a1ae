//! Hosting the gateway over a vault: bind, announce in the runtime file, stop.
//!
//! One gateway per user. Whoever hosts it (`till gateway`, the desktop app) announces it
//! so `till run` and `till agent mint` find it; `till run` without one serves a private,
//! unannounced gateway for its command's lifetime. The vault handed in stays open behind
//! the gateway until it stops; its keys are wiped when it is dropped.

use std::net::SocketAddr;
use std::sync::Arc;

use till_core::agents::hosting::{self, GatewayInfo};
use till_core::clock::Clock;
use till_core::{TillError, TillPaths};

use crate::server::{Config, Gateway, RunningGateway};
use crate::vault_store::VaultStore;

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
    /// Binds `127.0.0.1:port` (0 picks one) over `vault` and announces it in the runtime
    /// file, unless a gateway already runs. Must run inside a tokio runtime.
    pub async fn start(
        paths: &TillPaths,
        clock: Arc<dyn Clock>,
        vault: till_core::vault::Vault,
        port: u16,
    ) -> Result<Self, TillError> {
        if let Some(info) = hosting::running(paths) {
            return Err(TillError::InvalidInput {
                what: format!(
                    "a Till gateway is already running on port {} (process {}): use it, or stop it first",
                    info.port, info.pid
                ),
            });
        }
        let hosted = Self::bind(clock.clone(), vault, port).await?;
        hosting::announce(
            paths,
            &GatewayInfo {
                pid: std::process::id(),
                port: hosted.addr().port(),
                started_at: clock.now(),
            },
        )?;
        Ok(hosted)
    }

    /// Binds a free loopback port over `vault` without announcing it: a gateway only
    /// this process's child uses (`till run` when no gateway is running).
    pub async fn start_private(
        clock: Arc<dyn Clock>,
        vault: till_core::vault::Vault,
    ) -> Result<Self, TillError> {
        Self::bind(clock, vault, 0).await
    }

    async fn bind(
        clock: Arc<dyn Clock>,
        vault: till_core::vault::Vault,
        port: u16,
    ) -> Result<Self, TillError> {
        let mut vault = vault;
        let token_key = vault.grants().token_key();
        let mut config = Config::from_env(token_key).map_err(|e| TillError::InvalidInput {
            what: e.to_string(),
        })?;
        config.clock = clock;
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

    /// Runs `action` on the gateway's own vault connection. The desktop app reads its
    /// agents' spend and revokes through it, even while the app's own vault is locked
    /// (the gateway keeps serving active grants then).
    pub fn with_vault<T>(&self, action: impl FnOnce(&mut till_core::vault::Vault) -> T) -> T {
        self.store.with_vault(action)
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
    pub async fn stop(self, paths: &TillPaths) -> Result<(), TillError> {
        self.running.shutdown().await;
        hosting::withdraw(paths);
        match Arc::try_unwrap(self.store) {
            Ok(store) => store.into_vault().lock(),
            Err(_) => Ok(()),
        }
    }
}
