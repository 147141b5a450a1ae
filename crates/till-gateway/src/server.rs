//! Hosting the gateway: configuration, the loopback listener and a clean shutdown.
//!
//! The CLI (`till gateway`, `till run`) and the desktop app both start it through
//! [`Gateway::bind`] and stop it with [`RunningGateway::shutdown`]; they hand it a
//! [`GrantStore`] and a [`Config`]. It refuses to listen anywhere but loopback.

use std::collections::HashMap;
use std::convert::Infallible;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use http::Uri;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::budget::BudgetBook;
use crate::clock::{Clock, SystemClock};
use crate::grant::Provider;
use crate::pricing::PricingCatalog;
use crate::proxy::{self, UpstreamClient};
use crate::store::GrantStore;
use crate::token::TokenKey;

/// Request bodies above this are refused with 413 (the largest legitimate chat request
/// with inline images stays well below).
pub const DEFAULT_MAX_BODY: usize = 8 << 20;

/// Why an upstream base URL was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UpstreamError {
    #[error("{var} is not a URL")]
    NotAUrl { var: String },
    #[error("{var} must be https, or plain http on this computer's loopback (127.0.0.1, localhost, [::1]), so the real key cannot travel in clear to another machine")]
    Insecure { var: String },
}

/// A provider's base URL (`https://api.openai.com`); request paths (`/v1/…`) are appended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upstream {
    base: String,
}

fn is_loopback_host(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

impl Upstream {
    /// Accepts `https://…`, or `http://` to a loopback address.
    pub fn parse(url: &str, var: &str) -> Result<Self, UpstreamError> {
        let uri: Uri = url.parse().map_err(|_| UpstreamError::NotAUrl {
            var: var.to_owned(),
        })?;
        let host = uri.host().ok_or_else(|| UpstreamError::NotAUrl {
            var: var.to_owned(),
        })?;
        let ok = match uri.scheme_str() {
            Some("https") => true,
            Some("http") => is_loopback_host(host),
            _ => false,
        };
        if !ok || uri.query().is_some() {
            return Err(UpstreamError::Insecure {
                var: var.to_owned(),
            });
        }
        Ok(Self {
            base: url.trim_end_matches('/').to_owned(),
        })
    }

    /// The provider's real API host.
    pub fn default_for(provider: Provider) -> Self {
        let base = match provider {
            Provider::OpenAi => "https://api.openai.com",
            Provider::Anthropic => "https://api.anthropic.com",
            Provider::OpenRouter => "https://openrouter.ai/api",
            Provider::Groq => "https://api.groq.com/openai",
            Provider::Mistral => "https://api.mistral.ai",
        };
        Self { base: base.into() }
    }

    pub(crate) fn url(&self, path_and_query: &str) -> Result<Uri, http::uri::InvalidUri> {
        format!("{}{}", self.base, path_and_query).parse()
    }
}

/// Base URLs for every provider.
#[derive(Debug, Clone)]
pub struct Upstreams(HashMap<Provider, Upstream>);

impl Default for Upstreams {
    fn default() -> Self {
        Self(
            Provider::ALL
                .into_iter()
                .map(|p| (p, Upstream::default_for(p)))
                .collect(),
        )
    }
}

impl Upstreams {
    /// Defaults, overridden by `TILL_UPSTREAM_<PROVIDER>` variables.
    pub fn from_env() -> Result<Self, UpstreamError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Like [`Upstreams::from_env`] with any variable source (tests).
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, UpstreamError> {
        let mut all = Self::default();
        for p in Provider::ALL {
            let var = format!("TILL_UPSTREAM_{}", p.id().to_ascii_uppercase());
            if let Some(url) = get(&var).filter(|v| !v.is_empty()) {
                all.0.insert(p, Upstream::parse(&url, &var)?);
            }
        }
        Ok(all)
    }

    pub fn set(&mut self, provider: Provider, upstream: Upstream) {
        self.0.insert(provider, upstream);
    }

    pub fn get(&self, provider: Provider) -> Upstream {
        self.0
            .get(&provider)
            .cloned()
            .unwrap_or_else(|| Upstream::default_for(provider))
    }
}

/// How the gateway runs.
pub struct Config {
    pub upstreams: Upstreams,
    /// The key tokens are hashed under (the same the vault used at mint time).
    pub token_key: TokenKey,
    pub pricing: &'static PricingCatalog,
    pub clock: Arc<dyn Clock>,
    pub max_body_bytes: usize,
    /// How long to wait for the provider's response headers (a long completion that does
    /// not stream can take minutes).
    pub upstream_timeout: Duration,
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("upstreams", &self.upstreams)
            .field("max_body_bytes", &self.max_body_bytes)
            .finish_non_exhaustive()
    }
}

impl Config {
    /// Defaults with the provider hosts overridable by `TILL_UPSTREAM_<PROVIDER>`.
    pub fn from_env(token_key: TokenKey) -> Result<Self, UpstreamError> {
        Ok(Self::new(token_key, Upstreams::from_env()?))
    }

    pub fn new(token_key: TokenKey, upstreams: Upstreams) -> Self {
        Self {
            upstreams,
            token_key,
            pricing: PricingCatalog::builtin(),
            clock: Arc::new(SystemClock),
            max_body_bytes: DEFAULT_MAX_BODY,
            upstream_timeout: Duration::from_secs(600),
        }
    }
}

/// What every request handler shares.
pub(crate) struct Shared {
    pub store: Arc<dyn GrantStore>,
    pub config: Config,
    pub budgets: BudgetBook,
    pub client: UpstreamClient,
}

/// The gateway (see [`Gateway::bind`]).
#[derive(Debug)]
pub struct Gateway;

/// A gateway that is listening.
#[derive(Debug)]
pub struct RunningGateway {
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<()>,
}

/// How long a shutdown waits for requests in flight (a stream may be long).
const DRAIN: Duration = Duration::from_secs(10);

impl Gateway {
    /// Listens on `addr` (loopback only; port 0 picks one) and serves until shut down.
    /// Must be called inside a tokio runtime.
    pub async fn bind(
        addr: SocketAddr,
        store: Arc<dyn GrantStore>,
        config: Config,
    ) -> io::Result<RunningGateway> {
        if !addr.ip().is_loopback() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "the Till gateway listens on loopback only (127.0.0.1 or ::1)",
            ));
        }
        let client = proxy::upstream_client()?;
        let listener = TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared {
            store,
            config,
            budgets: BudgetBook::default(),
            client,
        });
        let (stop, stopped) = oneshot::channel();
        let task = tokio::spawn(serve(listener, shared, stopped));
        tracing::info!(%addr, "gateway listening");
        Ok(RunningGateway {
            addr,
            stop: Some(stop),
            task,
        })
    }
}

impl RunningGateway {
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops accepting, lets requests in flight finish (up to a bound), and returns.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let _ = (&mut self.task).await;
    }

    /// Waits until the server stops (it only stops when shut down).
    pub fn join_handle(&mut self) -> &mut JoinHandle<()> {
        &mut self.task
    }
}

async fn serve(listener: TcpListener, shared: Arc<Shared>, mut stopped: oneshot::Receiver<()>) {
    let graceful = GracefulShutdown::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let stream = match accepted {
                    Ok((stream, _)) => stream,
                    Err(e) => {
                        // Out of file descriptors and the like: back off, keep serving.
                        tracing::warn!(error = %e, "accept failed");
                        tokio::time::sleep(Duration::from_millis(20)).await;
                        continue;
                    }
                };
                let _ = stream.set_nodelay(true);
                let shared = Arc::clone(&shared);
                let service = service_fn(move |req| {
                    let shared = Arc::clone(&shared);
                    async move { Ok::<_, Infallible>(proxy::handle(shared, req).await) }
                });
                let conn = http1::Builder::new()
                    .timer(TokioTimer::new())
                    .header_read_timeout(Duration::from_secs(30))
                    .serve_connection(TokioIo::new(stream), service);
                let conn = graceful.watch(conn);
                tokio::spawn(async move {
                    if let Err(e) = conn.await {
                        tracing::debug!(error = %e, "connection ended with an error");
                    }
                });
            }
            _ = &mut stopped => break,
        }
    }
    drop(listener);
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(DRAIN) => tracing::warn!("shutdown: requests still in flight were cut"),
    }
    tracing::info!("gateway stopped");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upstream_urls_must_be_https_or_loopback() {
        assert!(Upstream::parse("https://api.openai.com", "V").is_ok());
        assert!(Upstream::parse("http://127.0.0.1:9999", "V").is_ok());
        assert!(Upstream::parse("http://localhost:9999/", "V").is_ok());
        assert!(Upstream::parse("http://[::1]:9999", "V").is_ok());
        assert!(matches!(
            Upstream::parse("http://example.com", "V"),
            Err(UpstreamError::Insecure { .. })
        ));
        assert!(Upstream::parse("http://127.0.0.1.evil.com", "V").is_err());
        assert!(Upstream::parse("ftp://127.0.0.1", "V").is_err());
        assert!(Upstream::parse("not a url", "V").is_err());
        let all = Upstreams::from_lookup(|v| {
            (v == "TILL_UPSTREAM_GROQ").then(|| "http://127.0.0.1:1".to_owned())
        });
        let all = all.unwrap_or_default();
        assert_eq!(
            all.get(Provider::Groq),
            Upstream::parse("http://127.0.0.1:1", "V")
                .unwrap_or(Upstream::default_for(Provider::OpenAi))
        );
        assert!(Upstreams::from_lookup(|_| Some("http://10.0.0.1".into())).is_err());
    }
}
