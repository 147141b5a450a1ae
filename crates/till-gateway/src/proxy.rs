//! One request, from the agent's token to the provider and back.
//!
//! Order matters: cheap refusals that need no secret first (Origin, Host, path), then the
//! grant (looked up on every request, so revocation is immediate; from here on a refusal
//! is counted in the grant's ledger), then the body (bounded),
//! then the budget reservation, and only then is the real key exposed, once, into a
//! sensitive header of the upstream request. The answer streams back through
//! [`MeteredBody`], which settles the reservation from the provider's usage when the body
//! ends, or with the reservation itself when it is cut short.

use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use http::header::{self, HeaderMap, HeaderName, HeaderValue};
use http::{Method, Request, Response, StatusCode};
use http_body::{Body, Frame, SizeHint};
use http_body_util::combinators::UnsyncBoxBody;
use http_body_util::{BodyExt, Empty, Full, Limited};
use hyper::body::Incoming;
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use secrecy::ExposeSecret;
use serde_json::Value;

use crate::budget::{Amount, Reservation};
use crate::error::{ErrorCode, GatewayError};
use crate::grant::{EndpointFamily, Grant, GrantState, Provider};
use crate::pricing::ModelPrice;
use crate::routes::{self, Route};
use crate::server::Shared;
use crate::store::{ActiveGrant, GrantEvent, RefusedCall, UsageRecord};
use crate::token::Token;
use crate::usage::{self, SseDialect, SseMeter, Usage};

/// What the gateway answers with.
pub type GatewayBody = UnsyncBoxBody<Bytes, hyper::Error>;

/// The pooled HTTP/1 client to providers: rustls (ring, Mozilla roots), no redirects (the
/// legacy client never follows them; a 3xx goes back to the agent as it is).
pub(crate) type UpstreamClient = Client<HttpsConnector<HttpConnector>, BoxedRequestBody>;
pub(crate) type BoxedRequestBody = UnsyncBoxBody<Bytes, std::convert::Infallible>;

/// Tokens added to the body-size input estimate for what the provider wraps around the
/// messages (role markers, the chat template).
const INPUT_OVERHEAD_TOKENS: u64 = 64;
/// The most of a non-streaming answer kept to read its usage (it is forwarded anyway).
const MAX_JSON_TEE: usize = 16 << 20;

pub(crate) fn upstream_client() -> std::io::Result<UpstreamClient> {
    let mut http = HttpConnector::new();
    http.enforce_http(false);
    http.set_nodelay(true);
    http.set_connect_timeout(Some(Duration::from_secs(10)));
    let https = hyper_rustls::HttpsConnectorBuilder::new()
        .with_provider_and_webpki_roots(Arc::new(rustls::crypto::ring::default_provider()))
        .map_err(std::io::Error::other)?
        .https_or_http()
        .enable_http1()
        .wrap_connector(http);
    Ok(Client::builder(TokioExecutor::new())
        .pool_idle_timeout(Duration::from_secs(60))
        .build(https))
}

/// Handles one request; never fails (refusals are responses).
pub(crate) async fn handle(shared: Arc<Shared>, req: Request<Incoming>) -> Response<GatewayBody> {
    let style = routes::provider_of(req.uri().path()).unwrap_or(Provider::OpenAi);
    match forward(&shared, req).await {
        Ok(resp) => resp,
        Err(e) => {
            tracing::info!(
                code = e.code.as_str(),
                status = e.status.as_u16(),
                "refused"
            );
            e.to_response(style)
                .map(|b| b.map_err(|never| match never {}).boxed_unsync())
        }
    }
}

fn header_str(headers: &HeaderMap, name: impl header::AsHeaderName) -> Option<&str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// Refuses what a web page could send: any `Origin` (CSRF) and a `Host` that is not this
/// computer (DNS rebinding).
fn check_local(headers: &HeaderMap) -> Result<(), GatewayError> {
    if headers.contains_key(header::ORIGIN) {
        return Err(GatewayError::forbidden(
            ErrorCode::ForbiddenOrigin,
            "requests from web pages are refused; call the Till gateway from a program, not a browser",
        ));
    }
    let host = header_str(headers, header::HOST).unwrap_or("");
    let name = match host.rsplit_once(':') {
        Some((name, port)) if !name.is_empty() && port.bytes().all(|b| b.is_ascii_digit()) => name,
        _ => host,
    };
    let name = name.trim_start_matches('[').trim_end_matches(']');
    let local = name.eq_ignore_ascii_case("localhost")
        || name
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    if !local {
        return Err(GatewayError::forbidden(
            ErrorCode::ForbiddenHost,
            "the Host header must be 127.0.0.1, localhost or [::1]",
        ));
    }
    Ok(())
}

/// The token from `Authorization: Bearer` or `x-api-key`.
fn token_from(headers: &HeaderMap) -> Result<Token, GatewayError> {
    let raw = header_str(headers, header::AUTHORIZATION)
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .or_else(|| header_str(headers, "x-api-key"))
        .map(str::trim);
    let Some(raw) = raw else {
        return Err(GatewayError::unauthorized(
            ErrorCode::InvalidApiKey,
            "no API key: send your Till agent key (till_sk_…) as the API key",
        ));
    };
    Token::parse(raw)
        .map_err(|e| GatewayError::unauthorized(ErrorCode::InvalidApiKey, e.to_string()))
}

fn unknown_key() -> GatewayError {
    GatewayError::unauthorized(
        ErrorCode::InvalidApiKey,
        "this Till agent key is not known to this gateway; check you copied the whole key, or mint a new one",
    )
}

/// Checks the grant's life and scope for this route.
fn check_grant(shared: &Shared, grant: &Grant, route: &Route) -> Result<(), GatewayError> {
    let now = shared.config.clock.now();
    match grant.state {
        GrantState::Revoked => {
            shared.budgets.forget(&grant.id);
            return Err(GatewayError::unauthorized(
                ErrorCode::GrantRevoked,
                "this Till agent key was revoked; ask its owner for a new one",
            ));
        }
        GrantState::Exhausted => {
            return Err(GatewayError::from_refusal(crate::budget::Refusal::Dollars).with_message(
                "this Till agent key has used up its limit; ask its owner for a new key or a higher cap in Till",
            ));
        }
        GrantState::Expired | GrantState::Active => {}
    }
    if grant.is_expired_at(now) {
        if grant.state == GrantState::Active {
            note(shared, &grant.id, GrantEvent::Expired { at: now });
        }
        shared.budgets.forget(&grant.id);
        return Err(GatewayError::unauthorized(
            ErrorCode::GrantExpired,
            "this Till agent key has expired; ask its owner for a new one",
        ));
    }
    if grant.provider != route.provider {
        return Err(GatewayError::forbidden(
            ErrorCode::WrongProvider,
            format!(
                "this Till agent key is for {}; use the /{}/ base URL",
                grant.provider,
                grant.provider.id()
            ),
        ));
    }
    if !grant.allows_endpoint(route.family) {
        return Err(GatewayError::forbidden(
            ErrorCode::EndpointNotAllowed,
            format!(
                "this Till agent key may not call `{}` endpoints",
                route.family.id()
            ),
        ));
    }
    Ok(())
}

fn note(shared: &Shared, grant_id: &str, event: GrantEvent) {
    if let Err(e) = shared.store.mark(grant_id, event) {
        tracing::warn!(grant = grant_id, error = %e, "could not record a grant event");
    }
}

/// Reads the body, refusing more than `limit` bytes without reading them all.
async fn read_body(
    body: Incoming,
    headers: &HeaderMap,
    limit: usize,
) -> Result<Bytes, GatewayError> {
    let too_large = || {
        GatewayError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            ErrorCode::BodyTooLarge,
            format!(
                "request bodies are limited to {} MiB by the Till gateway",
                limit >> 20
            ),
        )
    };
    let declared = header_str(headers, header::CONTENT_LENGTH).and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(too_large());
    }
    match Limited::new(body, limit).collect().await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(e) if e.is::<http_body_util::LengthLimitError>() => Err(too_large()),
        Err(_) => Err(GatewayError::bad_request(
            ErrorCode::InvalidJson,
            "the request body could not be read",
        )),
    }
}

/// What the request body says about cost and streaming.
struct BodyFacts {
    model: String,
    stream: bool,
    requested_output: Option<u64>,
}

fn body_facts(json: &Value, family: EndpointFamily) -> Result<BodyFacts, GatewayError> {
    let model = json
        .get("model")
        .and_then(Value::as_str)
        .filter(|m| !m.is_empty())
        .ok_or_else(|| {
            GatewayError::bad_request(ErrorCode::InvalidJson, "the request names no `model`")
        })?
        .to_owned();
    let num = |k: &str| json.get(k).and_then(Value::as_u64);
    let requested_output = match family {
        EndpointFamily::Chat => num("max_completion_tokens").or_else(|| num("max_tokens")),
        EndpointFamily::Responses => num("max_output_tokens"),
        EndpointFamily::Messages => num("max_tokens"),
        _ => Some(0),
    };
    Ok(BodyFacts {
        model,
        stream: json.get("stream").and_then(Value::as_bool).unwrap_or(false),
        requested_output,
    })
}

/// Whether the gateway asks this provider's chat streams for a usage chunk.
fn injects_include_usage(provider: Provider) -> bool {
    matches!(provider, Provider::OpenAi | Provider::Groq)
}

const DROP_REQUEST_HEADERS: &[&str] = &[
    "host",
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "proxy-connection",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "expect",
    "content-length",
    "authorization",
    "x-api-key",
    "api-key",
    "cookie",
    "origin",
    "referer",
    // Usage is read from the answer, so it must come uncompressed.
    "accept-encoding",
    "forwarded",
    "x-forwarded-for",
    "x-forwarded-host",
    "x-forwarded-proto",
    "x-real-ip",
];

const DROP_RESPONSE_HEADERS: &[&str] = &[
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-connection",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "set-cookie",
];

/// Headers listed in `Connection` are hop-by-hop too.
fn connection_listed(headers: &HeaderMap) -> Vec<HeaderName> {
    headers
        .get_all(header::CONNECTION)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|n| HeaderName::from_bytes(n.trim().as_bytes()).ok())
        .collect()
}

fn forwardable(headers: &HeaderMap, drop: &[&str]) -> HeaderMap {
    let listed = connection_listed(headers);
    let mut out = HeaderMap::with_capacity(headers.len());
    for (name, value) in headers {
        if drop.contains(&name.as_str()) || listed.contains(name) {
            continue;
        }
        out.append(name.clone(), value.clone());
    }
    out
}

async fn forward(
    shared: &Arc<Shared>,
    req: Request<Incoming>,
) -> Result<Response<GatewayBody>, GatewayError> {
    let (parts, body) = req.into_parts();
    let (route, grant, key) = match admit(shared, &parts) {
        Ok(admitted) => admitted,
        Err(refusal) => {
            drain(body, &parts.headers, shared.config.max_body_bytes).await;
            return Err(refusal);
        }
    };
    let grant_id = grant.id.clone();
    let answer = forward_granted(shared, parts, body, route, grant, key).await;
    if let Err(refusal) = &answer {
        record_refusal(shared, &grant_id, refusal);
    }
    answer
}

/// Who is asking and where to: a local caller, a known route, a known agent key.
fn admit(
    shared: &Shared,
    parts: &http::request::Parts,
) -> Result<(Route, Grant, secrecy::SecretString), GatewayError> {
    check_local(&parts.headers)?;
    let route = routes::resolve(&parts.method, parts.uri.path(), parts.uri.query())?;
    let token = token_from(&parts.headers)?;
    let hash = shared.config.token_key.hash(&token);
    drop(token);
    let ActiveGrant { grant, key } = shared
        .store
        .lookup(&hash)
        .map_err(|e| {
            tracing::error!(error = %e, "grant look-up failed");
            GatewayError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                ErrorCode::Internal,
                "Till could not read its grants; see the gateway log",
            )
        })?
        .ok_or_else(unknown_key)?;
    Ok((route, grant, key))
}

/// Reads and drops the body of a request refused before its body was needed, so the
/// client's keep-alive connection stays usable: a server that answers without reading
/// the body must close the connection, and a client that already pooled it fails its
/// next request with "server disconnected". A body over the limit is left unread (the
/// connection then closes, as it must).
async fn drain(body: Incoming, headers: &HeaderMap, limit: usize) {
    let declared = header_str(headers, header::CONTENT_LENGTH).and_then(|v| v.parse::<u64>().ok());
    if declared.is_none_or(|n| n <= limit as u64) {
        let _ = Limited::new(body, limit).collect().await;
    }
}

/// Records a refusal of a known grant in its ledger (the alerts count them). An
/// unreachable provider is not one: that call was admitted and is in the usage ledger.
fn record_refusal(shared: &Shared, grant_id: &str, refusal: &GatewayError) {
    if refusal.code == ErrorCode::UpstreamUnreachable {
        return;
    }
    let refused = RefusedCall {
        grant_id: grant_id.to_owned(),
        at: shared.config.clock.now(),
        code: refusal.code.as_str().to_owned(),
        status: refusal.status.as_u16(),
    };
    if let Err(e) = shared.store.record_refusal(&refused) {
        tracing::warn!(grant = grant_id, error = %e, "could not record a refusal");
    }
}

/// The rest of a request once its grant is known: its life and scope, the body, the
/// budget, then the provider.
async fn forward_granted(
    shared: &Arc<Shared>,
    parts: http::request::Parts,
    body: Incoming,
    route: Route,
    grant: Grant,
    key: secrecy::SecretString,
) -> Result<Response<GatewayBody>, GatewayError> {
    if let Err(refusal) = check_grant(shared, &grant, &route) {
        drain(body, &parts.headers, shared.config.max_body_bytes).await;
        return Err(refusal);
    }

    let body = if parts.method == Method::GET {
        Bytes::new()
    } else {
        read_body(body, &parts.headers, shared.config.max_body_bytes).await?
    };
    let mut facts = BodyFacts {
        model: String::new(),
        stream: false,
        requested_output: Some(0),
    };
    let mut strip_usage_chunk = false;
    let mut upstream_body = body.clone();
    if parts.method != Method::GET {
        let mut json: Value = serde_json::from_slice(&body).map_err(|_| {
            GatewayError::bad_request(ErrorCode::InvalidJson, "the request body is not valid JSON")
        })?;
        if !json.is_object() {
            return Err(GatewayError::bad_request(
                ErrorCode::InvalidJson,
                "the request body must be a JSON object",
            ));
        }
        facts = body_facts(&json, route.family)?;
        if !grant.allows_model(&facts.model) {
            return Err(GatewayError::forbidden(
                ErrorCode::ModelNotAllowed,
                format!("this Till agent key may not use model `{}`", facts.model),
            ));
        }
        if route.family == EndpointFamily::Chat
            && facts.stream
            && injects_include_usage(route.provider)
        {
            let asked = json
                .pointer("/stream_options/include_usage")
                .and_then(Value::as_bool)
                .unwrap_or(false);
            if !asked {
                if let Some(obj) = json.as_object_mut() {
                    let opts = obj
                        .entry("stream_options")
                        .or_insert_with(|| Value::Object(Default::default()));
                    if let Some(o) = opts.as_object_mut() {
                        o.insert("include_usage".into(), Value::Bool(true));
                        strip_usage_chunk = true;
                        upstream_body = Bytes::from(json.to_string());
                    }
                }
            }
        }
    }

    let price = (!facts.model.is_empty())
        .then(|| shared.config.pricing.price(route.provider, &facts.model))
        .flatten();
    if grant.caps.micro_usd.is_some() && route.family.is_billed() && price.is_none() {
        return Err(GatewayError::forbidden(
            ErrorCode::ModelNotPriced,
            format!(
                "this Till agent key has a dollar cap and Till has no price for model `{}`",
                facts.model
            ),
        ));
    }
    let estimate = if route.family.is_billed() {
        Usage::new(
            body.len() as u64 + INPUT_OVERHEAD_TOKENS,
            grant.output_reserve(facts.requested_output),
        )
    } else {
        Usage::default()
    };
    let want = Amount {
        tokens: estimate.total(),
        micro_usd: price.map_or(0, |p| p.cost(estimate)),
    };
    let now = shared.config.clock.now();
    let (reservation, first_use) = shared
        .budgets
        .with(&grant.id, grant.used, |b| {
            b.admit(&grant.caps, now, want)
                .map(|r| (r, b.note_first_use(grant.first_used_at.is_some())))
        })
        .map_err(GatewayError::from_refusal)?;
    if first_use {
        note(shared, &grant.id, GrantEvent::FirstUse { at: now });
    }

    let settlement = Settlement {
        shared: Arc::clone(shared),
        grant_id: grant.id.clone(),
        caps: grant.caps.clone(),
        used: grant.used,
        provider: route.provider,
        family: route.family,
        model: facts.model,
        price,
        estimate,
        reservation: Some(reservation),
        status: 0,
        started: Instant::now(),
    };

    // Build the upstream request; the real key is exposed here and nowhere else.
    let upstream = shared.config.upstreams.get(route.provider);
    let uri = upstream.url(&route.upstream_path).map_err(|_| {
        GatewayError::new(
            StatusCode::BAD_GATEWAY,
            ErrorCode::UpstreamUnreachable,
            "the provider's base URL is not valid",
        )
    })?;
    let mut headers = forwardable(&parts.headers, DROP_REQUEST_HEADERS);
    let (auth_name, auth_value) = if route.provider.is_anthropic_style() {
        (
            HeaderName::from_static("x-api-key"),
            HeaderValue::from_str(key.expose_secret()),
        )
    } else {
        (
            header::AUTHORIZATION,
            HeaderValue::from_str(&format!("Bearer {}", key.expose_secret())),
        )
    };
    drop(key);
    let mut auth_value = auth_value.map_err(|_| {
        GatewayError::new(StatusCode::INTERNAL_SERVER_ERROR, ErrorCode::Internal, "the stored provider key contains characters a header cannot carry; re-enter it in Till")
    })?;
    auth_value.set_sensitive(true);
    headers.insert(auth_name, auth_value);
    let request_body: BoxedRequestBody = if parts.method == Method::GET {
        Empty::new().boxed_unsync()
    } else {
        Full::new(upstream_body).boxed_unsync()
    };
    let mut upstream_req = Request::new(request_body);
    *upstream_req.method_mut() = parts.method.clone();
    *upstream_req.uri_mut() = uri;
    *upstream_req.headers_mut() = headers;

    let sent = tokio::time::timeout(
        shared.config.upstream_timeout,
        shared.client.request(upstream_req),
    )
    .await;
    let resp = match sent {
        Ok(Ok(resp)) => resp,
        Ok(Err(e)) => {
            // The error's Display names neither the URL nor headers.
            tracing::warn!(provider = %route.provider, error_kind = if e.is_connect() { "connect" } else { "request" }, "upstream unreachable");
            settlement.finish_unreachable();
            return Err(GatewayError::new(
                StatusCode::BAD_GATEWAY,
                ErrorCode::UpstreamUnreachable,
                format!(
                    "Till could not reach {}; check your connection and try again",
                    route.provider
                ),
            ));
        }
        Err(_) => {
            settlement.finish_unreachable();
            return Err(GatewayError::new(
                StatusCode::GATEWAY_TIMEOUT,
                ErrorCode::UpstreamUnreachable,
                format!("{} did not answer in time", route.provider),
            ));
        }
    };

    let (mut rparts, rbody) = resp.into_parts();
    let is_sse = header_str(&rparts.headers, header::CONTENT_TYPE)
        .is_some_and(|ct| ct.starts_with("text/event-stream"));
    let mut settlement = settlement;
    settlement.status = rparts.status.as_u16();
    let meter = if is_sse {
        let dialect = match route.family {
            EndpointFamily::Messages => SseDialect::Anthropic,
            EndpointFamily::Responses => SseDialect::OpenAiResponses,
            _ => SseDialect::OpenAiChat,
        };
        Meter::Sse(SseMeter::new(dialect, strip_usage_chunk))
    } else if route.family.is_billed() {
        Meter::Json {
            copy: BytesMut::new(),
            overflow: false,
        }
    } else {
        Meter::Plain
    };
    let mut out_headers = forwardable(&rparts.headers, DROP_RESPONSE_HEADERS);
    if is_sse {
        out_headers.remove(header::CONTENT_LENGTH);
    }
    rparts.headers = out_headers;
    let body = MeteredBody {
        inner: rbody,
        meter,
        settlement: Some(settlement),
        done: false,
    };
    Ok(Response::from_parts(rparts, body.boxed_unsync()))
}

/// What is read from the answer as it passes.
enum Meter {
    Sse(SseMeter),
    Json { copy: BytesMut, overflow: bool },
    Plain,
}

/// The provider's answer on its way to the agent, settling the budget at its end.
struct MeteredBody {
    inner: Incoming,
    meter: Meter,
    settlement: Option<Settlement>,
    done: bool,
}

impl MeteredBody {
    fn settle(&mut self, ended: bool) {
        let Some(s) = self.settlement.take() else {
            return;
        };
        let success = (200..300).contains(&s.status);
        let seen = match &self.meter {
            Meter::Sse(m) => m.final_usage(),
            Meter::Json { copy, overflow } if ended && !overflow => usage::from_json_body(copy),
            _ => None,
        };
        let billed = s.family.is_billed();
        match seen {
            Some(u) if billed => s.finish(u, false),
            // The provider did not bill a failed request or a free endpoint.
            _ if !success || !billed => s.finish(Usage::default(), false),
            // A successful answer whose usage was not seen: charge the reservation.
            _ => {
                let est = s.estimate;
                s.finish(est, true);
            }
        }
    }
}

impl Body for MeteredBody {
    type Data = Bytes;
    type Error = hyper::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, hyper::Error>>> {
        let this = &mut *self;
        loop {
            if this.done {
                return Poll::Ready(None);
            }
            match Pin::new(&mut this.inner).poll_frame(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(Some(Ok(frame))) => match frame.into_data() {
                    Ok(data) => {
                        let out = match &mut this.meter {
                            Meter::Sse(m) => m.feed(&data),
                            Meter::Json { copy, overflow } => {
                                if copy.len() + data.len() <= MAX_JSON_TEE {
                                    copy.extend_from_slice(&data);
                                } else {
                                    *overflow = true;
                                }
                                data
                            }
                            Meter::Plain => data,
                        };
                        if out.is_empty() {
                            continue;
                        }
                        return Poll::Ready(Some(Ok(Frame::data(out))));
                    }
                    Err(frame) => return Poll::Ready(Some(Ok(frame))),
                },
                Poll::Ready(Some(Err(e))) => {
                    this.done = true;
                    this.settle(false);
                    return Poll::Ready(Some(Err(e)));
                }
                Poll::Ready(None) => {
                    this.done = true;
                    let rest = match &mut this.meter {
                        Meter::Sse(m) => m.finish(),
                        _ => Bytes::new(),
                    };
                    this.settle(true);
                    if rest.is_empty() {
                        return Poll::Ready(None);
                    }
                    return Poll::Ready(Some(Ok(Frame::data(rest))));
                }
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.done
    }

    fn size_hint(&self) -> SizeHint {
        match self.meter {
            Meter::Sse(_) => SizeHint::default(),
            _ => self.inner.size_hint(),
        }
    }
}

impl Drop for MeteredBody {
    fn drop(&mut self) {
        // The agent went away (or the gateway is stopping) before the end.
        self.settle(false);
    }
}

/// Everything needed to settle one admitted request.
struct Settlement {
    shared: Arc<Shared>,
    grant_id: String,
    caps: crate::grant::Caps,
    used: usage::UsageTotals,
    provider: Provider,
    family: EndpointFamily,
    model: String,
    price: Option<ModelPrice>,
    estimate: Usage,
    reservation: Option<Reservation>,
    status: u16,
    started: Instant,
}

impl Settlement {
    /// The provider was never reached: the call still counts (a cap on calls is a cap on
    /// attempts) but costs nothing.
    fn finish_unreachable(mut self) {
        self.status = 502;
        self.finish(Usage::default(), false);
    }

    fn finish(mut self, usage: Usage, estimated: bool) {
        let Some(reservation) = self.reservation.take() else {
            return;
        };
        let micro_usd = if estimated {
            reservation.amount.micro_usd
        } else {
            self.price.map_or(0, |p| p.cost(usage))
        };
        let actual = Amount {
            tokens: usage.total(),
            micro_usd,
        };
        let exhausted = self.shared.budgets.with(&self.grant_id, self.used, |b| {
            b.settle(reservation, actual);
            b.note_exhausted(&self.caps)
        });
        let latency_ms = u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX);
        let record = UsageRecord {
            grant_id: self.grant_id.clone(),
            at: self.shared.config.clock.now(),
            provider: self.provider,
            endpoint: self.family,
            model: std::mem::take(&mut self.model),
            input_tokens: usage.input_tokens,
            output_tokens: usage.output_tokens,
            micro_usd,
            status: self.status,
            latency_ms,
            estimated,
        };
        tracing::info!(
            grant = %record.grant_id,
            provider = %record.provider,
            endpoint = record.endpoint.id(),
            status = record.status,
            latency_ms,
            input_tokens = record.input_tokens,
            output_tokens = record.output_tokens,
            micro_usd,
            estimated,
            "request settled"
        );
        if let Err(e) = self.shared.store.record_usage(&record) {
            tracing::warn!(grant = %record.grant_id, error = %e, "could not record usage");
        }
        if exhausted {
            note(
                &self.shared,
                &self.grant_id,
                GrantEvent::Exhausted {
                    at: record.at,
                    under: self.caps.clone(),
                },
            );
        }
    }
}

impl Drop for Settlement {
    fn drop(&mut self) {
        // A settlement dropped without finishing (a refusal after admission) gives the
        // reservation back.
        if let Some(r) = self.reservation.take() {
            self.shared
                .budgets
                .with(&self.grant_id, self.used, |b| b.release(r));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn local_checks() {
        assert!(check_local(&headers(&[("host", "127.0.0.1:8080")])).is_ok());
        assert!(check_local(&headers(&[("host", "localhost")])).is_ok());
        assert!(check_local(&headers(&[("host", "[::1]:80")])).is_ok());
        for bad in ["evil.com", "127.0.0.1.evil.com:80", "", "10.0.0.1:80"] {
            let mut h = HeaderMap::new();
            h.insert(
                "host",
                HeaderValue::from_str(bad).unwrap_or(HeaderValue::from_static("x")),
            );
            assert!(check_local(&h).is_err(), "{bad}");
        }
        let e = check_local(&headers(&[
            ("host", "127.0.0.1"),
            ("origin", "https://evil.com"),
        ]));
        assert_eq!(e.map_err(|e| e.code), Err(ErrorCode::ForbiddenOrigin));
    }

    #[test]
    fn hop_by_hop_and_auth_are_dropped() {
        let h = headers(&[
            ("connection", "keep-alive, x-secret-hop"),
            ("x-secret-hop", "1"),
            ("authorization", "Bearer till_sk_x"),
            ("x-api-key", "till_sk_x"),
            ("anthropic-version", "2023-06-01"),
            ("content-type", "application/json"),
        ]);
        let out = forwardable(&h, DROP_REQUEST_HEADERS);
        assert_eq!(out.len(), 2);
        assert!(out.contains_key("anthropic-version"));
        assert!(out.contains_key("content-type"));
    }
}
