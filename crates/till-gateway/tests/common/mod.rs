//! Test fixtures: a fake provider on 127.0.0.1 speaking OpenAI's and Anthropic's response
//! and stream shapes (recording what it received and the usage it reported), a gateway in
//! front of it, and a few helpers to mint grants and send requests.

#![allow(dead_code, clippy::unwrap_used)]

use std::collections::BTreeSet;
use std::convert::Infallible;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use chrono::{DateTime, Utc};
use http::{Request, Response, StatusCode};
use http_body::{Body, Frame};
use http_body_util::BodyExt;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use secrecy::SecretString;
use serde_json::{json, Value};
use tokio::net::TcpListener;
use tokio::sync::mpsc;

use till_gateway::{
    Caps, Config, EndpointFamily, Gateway, Grant, GrantState, ManualClock, MemoryStore, Provider,
    RunningGateway, Token, TokenKey, Upstream, Upstreams, UsageTotals,
};

pub const KEY_BYTES: [u8; 32] = [9; 32];
pub const REAL_OPENAI: &str = "sk-proj-REALOPENAIKEY0123456789abcdefREAL";
pub const REAL_ANTHROPIC: &str = "sk-ant-api03-REALANTHROPICKEY0123456789REAL";

/// One request the fake provider received.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    pub path: String,
    pub authorization: Option<String>,
    pub x_api_key: Option<String>,
    pub anthropic_version: Option<String>,
    pub header_names: Vec<String>,
    pub body: Value,
}

#[derive(Debug, Default)]
pub struct FakeState {
    pub seen: Mutex<Vec<Seen>>,
    /// (input, output) tokens the fake reported, in order of completion.
    pub reported: Mutex<Vec<(u64, u64)>>,
}

impl FakeState {
    pub fn count(&self) -> usize {
        self.seen.lock().unwrap().len()
    }
    pub fn last(&self) -> Seen {
        self.seen.lock().unwrap().last().cloned().unwrap()
    }
    pub fn reported(&self) -> Vec<(u64, u64)> {
        self.reported.lock().unwrap().clone()
    }
}

/// A body fed from a channel, so the fake can pace a stream or cut it.
struct ChanBody(mpsc::Receiver<Result<Bytes, io::Error>>);

impl Body for ChanBody {
    type Data = Bytes;
    type Error = io::Error;
    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, io::Error>>> {
        self.0.poll_recv(cx).map(|o| o.map(|r| r.map(Frame::data)))
    }
}

fn header(req: &Request<Incoming>, name: &str) -> Option<String> {
    req.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

fn json_response(status: u16, v: Value) -> Response<ChanBody> {
    let (tx, rx) = mpsc::channel(1);
    let _ = tx.try_send(Ok(Bytes::from(v.to_string())));
    Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .header("set-cookie", "upstream=1")
        .body(ChanBody(rx))
        .unwrap()
}

fn sse_response(
    events: Vec<String>,
    delay: Duration,
    cut_after: Option<usize>,
) -> Response<ChanBody> {
    let (tx, rx) = mpsc::channel(4);
    tokio::spawn(async move {
        for (i, e) in events.into_iter().enumerate() {
            if cut_after == Some(i) {
                let _ = tx.send(Err(io::Error::other("cut"))).await;
                return;
            }
            if tx.send(Ok(Bytes::from(e))).await.is_err() {
                return;
            }
            if !delay.is_zero() {
                tokio::time::sleep(delay).await;
            }
        }
    });
    Response::builder()
        .header("content-type", "text/event-stream")
        .body(ChanBody(rx))
        .unwrap()
}

fn data(v: Value) -> String {
    format!("data: {v}\n\n")
}

fn event(name: &str, v: Value) -> String {
    format!("event: {name}\ndata: {v}\n\n")
}

async fn fake_service(
    state: Arc<FakeState>,
    req: Request<Incoming>,
) -> Result<Response<ChanBody>, Infallible> {
    let delay = header(&req, "x-test-delay-ms")
        .and_then(|v| v.parse().ok())
        .map(Duration::from_millis)
        .unwrap_or_default();
    let cut = header(&req, "x-test-cut").is_some();
    let redirect = header(&req, "x-test-redirect").is_some();
    let mut seen = Seen {
        method: req.method().to_string(),
        path: req.uri().path().to_owned(),
        authorization: header(&req, "authorization"),
        x_api_key: header(&req, "x-api-key"),
        anthropic_version: header(&req, "anthropic-version"),
        header_names: req
            .headers()
            .keys()
            .map(|k| k.as_str().to_owned())
            .collect(),
        body: Value::Null,
    };
    let bytes = req.into_body().collect().await.unwrap().to_bytes();
    let body: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    seen.body = body.clone();
    let path = seen.path.clone();
    state.seen.lock().unwrap().push(seen);
    if redirect {
        let (_tx, rx) = mpsc::channel(1);
        return Ok(Response::builder()
            .status(StatusCode::TEMPORARY_REDIRECT)
            .header("location", "http://127.0.0.1:1/elsewhere")
            .body(ChanBody(rx))
            .unwrap());
    }
    let stream = body["stream"].as_bool().unwrap_or(false);
    let n = |k: &str| body[k].as_u64();
    let report = |i: u64, o: u64| state.reported.lock().unwrap().push((i, o));
    if !delay.is_zero() && !stream {
        tokio::time::sleep(delay).await;
    }
    let resp = match path.as_str() {
        "/v1/chat/completions" => {
            let (input, output) = (
                20,
                n("max_completion_tokens").or(n("max_tokens")).unwrap_or(16),
            );
            let usage = json!({"prompt_tokens": input, "completion_tokens": output, "total_tokens": input + output});
            if stream {
                let include = body["stream_options"]["include_usage"]
                    .as_bool()
                    .unwrap_or(false);
                let mut events = vec![
                    data(
                        json!({"id":"c1","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"role":"assistant","content":"Hel"}}],"usage":null}),
                    ),
                    data(
                        json!({"id":"c1","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"lo"}}],"usage":null}),
                    ),
                    data(
                        json!({"id":"c1","object":"chat.completion.chunk","choices":[{"index":0,"delta":{},"finish_reason":"stop"}],"usage":null}),
                    ),
                ];
                if include {
                    events.push(data(json!({"id":"c1","object":"chat.completion.chunk","choices":[],"usage":usage})));
                    if !cut {
                        report(input, output);
                    }
                }
                events.push("data: [DONE]\n\n".to_owned());
                return Ok(sse_response(events, delay, cut.then_some(2)));
            }
            report(input, output);
            json_response(
                200,
                json!({"id":"c1","object":"chat.completion","model":body["model"],"choices":[{"index":0,"message":{"role":"assistant","content":"Hello"},"finish_reason":"stop"}],"usage":usage}),
            )
        }
        "/v1/responses" => {
            let (input, output) = (30, n("max_output_tokens").unwrap_or(12));
            let usage = json!({"input_tokens": input, "output_tokens": output, "total_tokens": input + output});
            report(input, output);
            if stream {
                let events = vec![
                    event(
                        "response.created",
                        json!({"type":"response.created","response":{"id":"r1"}}),
                    ),
                    event(
                        "response.output_text.delta",
                        json!({"type":"response.output_text.delta","delta":"Hi"}),
                    ),
                    event(
                        "response.completed",
                        json!({"type":"response.completed","response":{"id":"r1","usage":usage}}),
                    ),
                ];
                return Ok(sse_response(events, delay, None));
            }
            json_response(
                200,
                json!({"id":"r1","object":"response","output":[],"usage":usage}),
            )
        }
        "/v1/embeddings" => {
            report(8, 0);
            json_response(
                200,
                json!({"object":"list","data":[{"embedding":[0.1,0.2]}],"usage":{"prompt_tokens":8,"total_tokens":8}}),
            )
        }
        "/v1/models" => json_response(
            200,
            json!({"object":"list","data":[{"id":"gpt-4o-mini"},{"id":"claude-sonnet-4-5"}]}),
        ),
        "/v1/messages/count_tokens" => json_response(200, json!({"input_tokens": 25})),
        "/v1/messages" => {
            let (input, output) = (25, n("max_tokens").unwrap_or(16));
            if stream {
                let events = vec![
                    event(
                        "message_start",
                        json!({"type":"message_start","message":{"id":"m1","type":"message","role":"assistant","content":[],"model":body["model"],"usage":{"input_tokens":input,"output_tokens":1}}}),
                    ),
                    event(
                        "content_block_start",
                        json!({"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}),
                    ),
                    event(
                        "content_block_delta",
                        json!({"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hel"}}),
                    ),
                    event(
                        "message_delta",
                        json!({"type":"message_delta","delta":{"stop_reason":null},"usage":{"output_tokens":output / 2}}),
                    ),
                    event(
                        "content_block_delta",
                        json!({"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"lo"}}),
                    ),
                    event(
                        "content_block_stop",
                        json!({"type":"content_block_stop","index":0}),
                    ),
                    event(
                        "message_delta",
                        json!({"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":output}}),
                    ),
                    event("message_stop", json!({"type":"message_stop"})),
                ];
                if !cut {
                    report(input, output);
                }
                return Ok(sse_response(events, delay, cut.then_some(3)));
            }
            report(input, output);
            json_response(
                200,
                json!({"id":"m1","type":"message","role":"assistant","content":[{"type":"text","text":"Hello"}],"usage":{"input_tokens":input,"output_tokens":output}}),
            )
        }
        _ => json_response(404, json!({"error":{"message":"fake: no such path"}})),
    };
    Ok(resp)
}

/// A fake provider listening on 127.0.0.1.
pub struct Fake {
    pub addr: SocketAddr,
    pub state: Arc<FakeState>,
}

impl Fake {
    pub async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let state = Arc::new(FakeState::default());
        let st = Arc::clone(&state);
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                let _ = stream.set_nodelay(true);
                let st = Arc::clone(&st);
                tokio::spawn(async move {
                    let svc = service_fn(move |req| fake_service(Arc::clone(&st), req));
                    let _ = http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), svc)
                        .await;
                });
            }
        });
        Self { addr, state }
    }
}

/// A gateway in front of a fake provider (OpenAI, Anthropic, Groq); Mistral points at a
/// closed port.
pub struct Harness {
    pub gw: RunningGateway,
    pub fake: Fake,
    pub store: Arc<MemoryStore>,
    pub clock: Arc<ManualClock>,
    pub base: String,
    pub client: reqwest::Client,
}

pub fn t0() -> DateTime<Utc> {
    DateTime::from_timestamp(1_800_000_000, 0).unwrap()
}

pub async fn closed_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    l.local_addr().unwrap().port()
}

pub fn grant(id: &str, provider: Provider, endpoints: &[EndpointFamily]) -> Grant {
    Grant {
        id: id.into(),
        label: format!("label-{id}"),
        provider,
        models: None,
        endpoints: endpoints.iter().copied().collect::<BTreeSet<_>>(),
        caps: Caps::default(),
        expires_at: None,
        state: GrantState::Active,
        first_used_at: None,
        used: UsageTotals::default(),
    }
}

impl Harness {
    /// Waits until the ledger stops growing: a request is settled when its body ends,
    /// which can be just after the client has read the last byte it expected.
    pub async fn settle(&self) {
        let mut last = usize::MAX;
        let mut stable = 0;
        for _ in 0..100 {
            let now = self.store.usage().len();
            stable = if now == last { stable + 1 } else { 0 };
            if stable >= 3 {
                return;
            }
            last = now;
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    pub async fn start() -> Self {
        let fake = Fake::start().await;
        let url = format!("http://{}", fake.addr);
        let mut upstreams = Upstreams::default();
        for p in [Provider::OpenAi, Provider::Anthropic, Provider::Groq] {
            upstreams.set(p, Upstream::parse(&url, "test").unwrap());
        }
        let dead = format!("http://127.0.0.1:{}", closed_port().await);
        upstreams.set(Provider::Mistral, Upstream::parse(&dead, "test").unwrap());
        let clock = Arc::new(ManualClock::new(t0()));
        let mut config = Config::new(TokenKey::new(KEY_BYTES), upstreams);
        config.clock = clock.clone();
        let store = Arc::new(MemoryStore::new());
        let gw = Gateway::bind("127.0.0.1:0".parse().unwrap(), store.clone(), config)
            .await
            .unwrap();
        let base = format!("http://{}", gw.addr());
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        Self {
            gw,
            fake,
            store,
            clock,
            base,
            client,
        }
    }

    /// Stores a grant with its real key and returns its token.
    pub fn mint(&self, grant: Grant) -> String {
        let real = if grant.provider == Provider::Anthropic {
            REAL_ANTHROPIC
        } else {
            REAL_OPENAI
        };
        let token = Token::mint().unwrap();
        self.store.insert(
            TokenKey::new(KEY_BYTES).hash(&token),
            grant,
            SecretString::from(real.to_owned()),
        );
        token.expose().to_owned()
    }

    pub fn post(&self, path: &str, token: &str, body: &Value) -> reqwest::RequestBuilder {
        let rb = self
            .client
            .post(format!("{}{path}", self.base))
            .header("content-type", "application/json")
            .body(body.to_string());
        if path.starts_with("/anthropic/") {
            rb.header("x-api-key", token)
                .header("anthropic-version", "2023-06-01")
        } else {
            rb.bearer_auth(token)
        }
    }
}

/// A response's status and JSON body.
pub async fn read(resp: reqwest::Response) -> (u16, Value, String) {
    let status = resp.status().as_u16();
    let text = resp.text().await.unwrap();
    let v = serde_json::from_str(&text).unwrap_or(Value::Null);
    (status, v, text)
}
