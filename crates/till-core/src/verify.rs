//! Checking that a key is live: the provider's cheapest authenticated call.
//!
//! The call is described in the provider catalog (`[verify]`), so adding a provider adds
//! its check. The key is only ever sent to that provider's own host over TLS: a base URL
//! overridden in `settings.toml` must be `https`, or plain `http` on this computer's
//! loopback (for tests and local proxies); redirects are not followed, so the key cannot
//! be bounced elsewhere; errors are reported without the URL (a query-string key would
//! be in it). Live, revoked and unreachable are different answers with different advice.

use std::collections::BTreeMap;
use std::time::Duration;

use reqwest::header::{HeaderName, HeaderValue, AUTHORIZATION};
use reqwest::Url;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::catalog::{Provider, VerifyAuth, VerifyMethod, VerifySpec};

/// How long a check may take in all, unless settings say otherwise.
const DEFAULT_TIMEOUT_SECS: u64 = 10;
/// How long connecting may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// What a check found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum Outcome {
    /// The provider accepted the key.
    Live,
    /// The provider refused it (401/403, or Slack's `ok: false`).
    Revoked,
    /// No answer: offline, DNS, TLS or timeout.
    Unreachable,
    /// An answer that says neither (5xx, 404, 400).
    Unexpected,
    /// Till cannot check this provider's keys, or was told not to.
    NotChecked,
}

/// A check's outcome with a sentence for the user (never containing the key).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct Check {
    pub outcome: Outcome,
    pub message: String,
}

impl Check {
    fn new(outcome: Outcome, message: impl Into<String>) -> Self {
        Self {
            outcome,
            message: message.into(),
        }
    }

    /// Whether the key is live.
    pub fn is_live(&self) -> bool {
        self.outcome == Outcome::Live
    }
}

/// The `[verify]` table of `settings.toml`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct VerifySettings {
    /// Base URLs per provider id, replacing the catalog's (e.g. a company proxy).
    pub base_urls: BTreeMap<String, String>,
    pub timeout_secs: u64,
}

impl Default for VerifySettings {
    fn default() -> Self {
        Self {
            base_urls: BTreeMap::new(),
            timeout_secs: DEFAULT_TIMEOUT_SECS,
        }
    }
}

/// Where a provider's check goes: the catalog's base URL or the settings' override,
/// refused unless it is `https`, or `http` to loopback.
pub fn target(
    provider: &Provider,
    spec: &VerifySpec,
    settings: &VerifySettings,
) -> Result<Url, String> {
    let base = settings
        .base_urls
        .get(&provider.id)
        .map_or(spec.base_url.as_str(), String::as_str);
    let base = base.trim_end_matches('/');
    let url = Url::parse(&format!("{base}{}", spec.path))
        .map_err(|e| format!("the check URL for {} is invalid ({e})", provider.name))?;
    let loopback = match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(name)) => name == "localhost",
        None => false,
    };
    match url.scheme() {
        "https" => Ok(url),
        "http" if loopback => Ok(url),
        _ => Err(format!(
            "not checked: Till sends keys only over https (plain http only to this computer); \
             fix the {} base URL in settings.toml",
            provider.name
        )),
    }
}

/// Checks `value` against the provider with this catalog id (an unknown id is generic,
/// which cannot be checked). Never fails: every problem is an [`Outcome`].
pub async fn check_key(
    provider_id: &str,
    value: &SecretString,
    settings: &VerifySettings,
) -> Check {
    check(
        crate::catalog::provider_or_generic(provider_id),
        value,
        settings,
    )
    .await
}

/// Checks `value` against its provider. Never fails: every problem is an [`Outcome`].
pub async fn check(provider: &Provider, value: &SecretString, settings: &VerifySettings) -> Check {
    let Some(spec) = &provider.verify else {
        let why = provider.verify_note.clone().unwrap_or_else(|| {
            format!("Till has no way to check {} keys by itself", provider.name)
        });
        return Check::new(Outcome::NotChecked, why);
    };
    let url = match target(provider, spec, settings) {
        Ok(url) => url,
        Err(why) => return Check::new(Outcome::NotChecked, why),
    };
    let host = url.host_str().unwrap_or("the provider").to_owned();
    let timeout = Duration::from_secs(settings.timeout_secs.max(1));
    let request = match build_request(spec, url, value, timeout) {
        Ok(request) => request,
        Err(why) => return Check::new(Outcome::NotChecked, why),
    };
    let response = match request.send().await {
        Ok(response) => response,
        Err(error) => return unreachable(&host, timeout, &error),
    };
    let status = response.status();
    let name = &provider.name;
    if status.is_success() {
        let Some(field) = &spec.ok_json_field else {
            return Check::new(Outcome::Live, format!("live: {name} accepted the key"));
        };
        let body: serde_json::Value = match read_json(response).await {
            Some(body) => body,
            None => {
                return Check::new(
                    Outcome::Unexpected,
                    format!(
                        "{name} answered HTTP {status} without the usual JSON; try again later"
                    ),
                )
            }
        };
        if body.get(field).and_then(serde_json::Value::as_bool) == Some(true) {
            return Check::new(Outcome::Live, format!("live: {name} accepted the key"));
        }
        let said = body
            .get("error")
            .and_then(serde_json::Value::as_str)
            .map(|e| format!(" ({e})"))
            .unwrap_or_default();
        return Check::new(
            Outcome::Revoked,
            format!("not live: {name} refused the key{said}; it is revoked, expired or wrong"),
        );
    }
    match status.as_u16() {
        401 | 403 => Check::new(
            Outcome::Revoked,
            format!(
                "not live: {name} refused the key (HTTP {}); it is revoked, expired or wrong",
                status.as_u16()
            ),
        ),
        429 => Check::new(
            Outcome::Live,
            format!("live: {name} knows the key but is rate limiting it (HTTP 429)"),
        ),
        code => Check::new(
            Outcome::Unexpected,
            format!(
                "{name} answered HTTP {code}, which says neither live nor revoked; \
                 try again later or check the provider's status page"
            ),
        ),
    }
}

fn build_request(
    spec: &VerifySpec,
    mut url: Url,
    value: &SecretString,
    timeout: Duration,
) -> Result<reqwest::RequestBuilder, String> {
    let loopback = url.scheme() == "http";
    let mut client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(timeout)
        .connect_timeout(CONNECT_TIMEOUT)
        .user_agent(concat!("Till/", env!("CARGO_PKG_VERSION")));
    if loopback {
        client = client.no_proxy();
    }
    let client = client
        .build()
        .map_err(|e| format!("could not prepare the check ({})", e.without_url()))?;
    let key = value.expose_secret().trim();
    let secret_header = |text: String| {
        let mut header = HeaderValue::from_str(&text)
            .map_err(|_| "the key contains characters no HTTP header can carry".to_owned())?;
        header.set_sensitive(true);
        Ok::<_, String>(header)
    };
    let named = || {
        spec.auth_name
            .clone()
            .ok_or_else(|| "the catalog's check has no auth_name".to_owned())
    };
    if spec.auth == VerifyAuth::Query {
        url.query_pairs_mut().append_pair(&named()?, key);
    }
    let mut request = match spec.method {
        VerifyMethod::Get => client.get(url),
        VerifyMethod::Post => client.post(url),
    };
    for (name, value) in &spec.headers {
        request = request.header(name, value);
    }
    request = match spec.auth {
        VerifyAuth::Bearer => {
            request.header(AUTHORIZATION, secret_header(format!("Bearer {key}"))?)
        }
        VerifyAuth::Header => {
            let name = HeaderName::try_from(named()?)
                .map_err(|_| "the catalog's auth_name is not a header name".to_owned())?;
            request.header(name, secret_header(key.to_owned())?)
        }
        VerifyAuth::Basic => request.basic_auth(key, Some("")),
        VerifyAuth::Query => request,
    };
    Ok(request)
}

fn unreachable(host: &str, timeout: Duration, error: &reqwest::Error) -> Check {
    let why = if error.is_timeout() {
        format!("no answer within {} s", timeout.as_secs())
    } else if error.is_connect() {
        "could not connect (offline, DNS or TLS problem)".to_owned()
    } else {
        "the request failed".to_owned()
    };
    Check::new(
        Outcome::Unreachable,
        format!("unreachable: {host}: {why}; the key may still be live, check again when online"),
    )
}

/// Reads a body as JSON (without reqwest's `json` feature).
async fn read_json(response: reqwest::Response) -> Option<serde_json::Value> {
    let bytes = response.bytes().await.ok()?;
    serde_json::from_slice(&bytes).ok()
}
