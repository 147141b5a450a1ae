//! The gateway over real sockets, against a fake provider on 127.0.0.1: key swap, usage
//! accounting for both providers (JSON and streams), budgets under concurrency, grant life
//! (revoke, expiry), refusals in the provider's shape with nothing forwarded, and that the
//! real key shows up nowhere but upstream.

#![allow(clippy::unwrap_used)]

mod common;

use std::io::Write;
use std::sync::{Arc, Mutex};

use chrono::Duration;
use serde_json::{json, Value};
use till_gateway::{Caps, EndpointFamily as F, GrantEvent, PricingCatalog, Provider, Token, Usage};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use common::*;

fn chat(model: &str, max_tokens: u64, stream: bool) -> Value {
    json!({"model": model, "max_tokens": max_tokens, "stream": stream,
           "messages": [{"role": "user", "content": "Say hello"}]})
}

fn messages(model: &str, max_tokens: u64, stream: bool) -> Value {
    json!({"model": model, "max_tokens": max_tokens, "stream": stream,
           "messages": [{"role": "user", "content": "Say hello"}]})
}

fn price(p: Provider, model: &str, i: u64, o: u64) -> u64 {
    PricingCatalog::builtin()
        .price(p, model)
        .unwrap()
        .cost(Usage::new(i, o))
}

#[tokio::test]
async fn openai_json_swaps_key_and_records_reported_usage() {
    let h = Harness::start().await;
    let token = h.mint(grant("g1", Provider::OpenAi, &[F::Chat]));
    let resp = h
        .post(
            "/openai/v1/chat/completions",
            &token,
            &chat("gpt-4o-mini", 40, false),
        )
        .send()
        .await
        .unwrap();
    let headers = format!("{:?}", resp.headers());
    let (status, body, text) = read(resp).await;
    assert_eq!(status, 200, "{text}");
    assert_eq!(body["choices"][0]["message"]["content"], "Hello");
    let seen = h.fake.state.last();
    assert_eq!(
        seen.authorization.as_deref(),
        Some(format!("Bearer {REAL_OPENAI}").as_str())
    );
    assert_eq!(seen.x_api_key, None);
    assert!(!seen.header_names.iter().any(|n| n == "accept-encoding"));
    assert!(!text.contains(REAL_OPENAI) && !headers.contains(REAL_OPENAI));
    assert!(!headers.contains("set-cookie"));
    h.settle().await;
    let usage = h.store.usage();
    assert_eq!(usage.len(), 1);
    let (i, o) = h.fake.state.reported()[0];
    assert_eq!((usage[0].input_tokens, usage[0].output_tokens), (i, o));
    assert_eq!(
        usage[0].micro_usd,
        price(Provider::OpenAi, "gpt-4o-mini", i, o)
    );
    assert_eq!(usage[0].status, 200);
    assert!(!usage[0].estimated);
    assert_eq!(usage[0].model, "gpt-4o-mini");
    assert!(matches!(h.store.events()[0].1, GrantEvent::FirstUse { .. }));
    h.gw.shutdown().await;
}

#[tokio::test]
async fn openai_stream_gets_usage_and_hides_the_extra_chunk() {
    let h = Harness::start().await;
    let token = h.mint(grant("g1", Provider::OpenAi, &[F::Chat]));
    // The client did not ask for usage: the gateway asks and strips the chunk.
    let mut resp = h
        .post(
            "/openai/v1/chat/completions",
            &token,
            &chat("gpt-4o-mini", 33, true),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let mut chunks = 0;
    let mut text = String::new();
    while let Some(c) = resp.chunk().await.unwrap() {
        chunks += 1;
        text.push_str(std::str::from_utf8(&c).unwrap());
    }
    assert!(chunks >= 2, "streamed in one piece");
    assert_eq!(
        h.fake.state.last().body["stream_options"]["include_usage"],
        true
    );
    assert!(!text.contains("prompt_tokens"), "{text}");
    assert!(text.contains("\"lo\"") && text.ends_with("data: [DONE]\n\n"));
    h.settle().await;
    let usage = h.store.usage();
    assert_eq!(
        (usage[0].input_tokens, usage[0].output_tokens),
        h.fake.state.reported()[0]
    );
    assert!(!usage[0].estimated);

    // The client asked: it sees the usage chunk.
    let mut body = chat("gpt-4o-mini", 21, true);
    body["stream_options"] = json!({"include_usage": true});
    let resp = h
        .post("/openai/v1/chat/completions", &token, &body)
        .send()
        .await
        .unwrap();
    let text = resp.text().await.unwrap();
    assert!(text.contains("\"completion_tokens\":21"), "{text}");
    h.settle().await;
    let usage = h.store.usage();
    assert_eq!((usage[1].input_tokens, usage[1].output_tokens), (20, 21));
    h.gw.shutdown().await;
}

#[tokio::test]
async fn anthropic_json_and_stream_use_x_api_key_and_cumulative_usage() {
    let h = Harness::start().await;
    let token = h.mint(grant(
        "a1",
        Provider::Anthropic,
        &[F::Messages, F::CountTokens, F::Models],
    ));
    let resp = h
        .post(
            "/anthropic/v1/messages",
            &token,
            &messages("claude-sonnet-4-5", 50, false),
        )
        .send()
        .await
        .unwrap();
    let (status, body, text) = read(resp).await;
    assert_eq!(status, 200, "{text}");
    assert_eq!(body["content"][0]["text"], "Hello");
    let seen = h.fake.state.last();
    assert_eq!(seen.x_api_key.as_deref(), Some(REAL_ANTHROPIC));
    assert_eq!(seen.authorization, None);
    assert_eq!(seen.anthropic_version.as_deref(), Some("2023-06-01"));

    let resp = h
        .post(
            "/anthropic/v1/messages",
            &token,
            &messages("claude-sonnet-4-5", 60, true),
        )
        .send()
        .await
        .unwrap();
    let text = resp.text().await.unwrap();
    assert!(text.contains("event: message_stop"));
    assert!(
        text.contains("\"output_tokens\":60"),
        "the client sees Anthropic's own events"
    );

    let resp = h
        .post(
            "/anthropic/v1/messages/count_tokens",
            &token,
            &json!({"model": "claude-sonnet-4-5", "messages": []}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let resp = h
        .client
        .get(format!("{}/anthropic/v1/models", h.base))
        .header("x-api-key", &token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);

    h.settle().await;
    let usage = h.store.usage();
    let reported = h.fake.state.reported();
    assert_eq!(reported, vec![(25, 50), (25, 60)]);
    assert_eq!((usage[0].input_tokens, usage[0].output_tokens), reported[0]);
    assert_eq!((usage[1].input_tokens, usage[1].output_tokens), reported[1]);
    assert_eq!(
        usage[1].micro_usd,
        price(Provider::Anthropic, "claude-sonnet-4-5", 25, 60)
    );
    // Free endpoints are ledgered at zero.
    assert_eq!(usage.len(), 4);
    assert!(usage[2..]
        .iter()
        .all(|u| u.micro_usd == 0 && u.input_tokens == 0));
    assert!(usage.iter().all(|u| !u.estimated));
    h.gw.shutdown().await;
}

#[tokio::test]
async fn responses_embeddings_and_models() {
    let h = Harness::start().await;
    let token = h.mint(grant(
        "g1",
        Provider::OpenAi,
        &[F::Responses, F::Embeddings, F::Models],
    ));
    let r = h
        .post(
            "/openai/v1/responses",
            &token,
            &json!({"model":"gpt-4o-mini","input":"hi","max_output_tokens":9}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    r.text().await.unwrap();
    let r = h
        .post(
            "/openai/v1/responses",
            &token,
            &json!({"model":"gpt-4o-mini","input":"hi","stream":true}),
        )
        .send()
        .await
        .unwrap();
    assert!(r.text().await.unwrap().contains("response.completed"));
    let r = h
        .post(
            "/openai/v1/embeddings",
            &token,
            &json!({"model":"text-embedding-3-small","input":"hi"}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    r.text().await.unwrap();
    let r = h
        .client
        .get(format!("{}/openai/v1/models", h.base))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert!(r.text().await.unwrap().contains("gpt-4o-mini"));
    assert_eq!(h.fake.state.last().method, "GET");
    h.settle().await;
    let usage = h.store.usage();
    let got: Vec<_> = usage
        .iter()
        .map(|u| (u.input_tokens, u.output_tokens))
        .collect();
    assert_eq!(got, vec![(30, 9), (30, 12), (8, 0), (0, 0)]);
    h.gw.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_concurrent_requests_stay_within_a_one_cent_cap() {
    let h = Arc::new(Harness::start().await);
    let mut g = grant("cent", Provider::OpenAi, &[F::Chat]);
    g.models = Some(vec!["gpt-4o".into()]);
    g.caps = Caps {
        micro_usd: Some(10_000),
        ..Caps::default()
    };
    let token = Arc::new(h.mint(g));
    let tasks: Vec<_> = (0..50)
        .map(|_| {
            let h = Arc::clone(&h);
            let token = Arc::clone(&token);
            tokio::spawn(async move {
                let r = h
                    .post(
                        "/openai/v1/chat/completions",
                        &token,
                        &chat("gpt-4o", 200, false),
                    )
                    .header("x-test-delay-ms", "30")
                    .send()
                    .await
                    .unwrap();
                read(r).await
            })
        })
        .collect();
    let mut ok = 0;
    let mut refused = 0;
    for t in tasks {
        let (status, body, _) = t.await.unwrap();
        match status {
            200 => ok += 1,
            429 => {
                assert_eq!(body["error"]["code"], "insufficient_quota");
                refused += 1;
            }
            s => panic!("unexpected status {s}"),
        }
    }
    h.settle().await;
    let usage = h.store.usage();
    let spent: u64 = usage.iter().map(|u| u.micro_usd).sum();
    let max_one = usage.iter().map(|u| u.micro_usd).max().unwrap();
    assert!(ok > 0 && refused > 0, "ok {ok} refused {refused}");
    assert_eq!(usage.len(), ok);
    assert_eq!(
        h.fake.state.count(),
        ok,
        "a refused request reached upstream"
    );
    assert!(spent <= 10_000 + max_one, "spent {spent} µ$");
    assert!(
        spent <= 10_000,
        "reservations covered every request, so no overshoot at all: {spent}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calls_cap_is_exact_under_concurrency() {
    let h = Arc::new(Harness::start().await);
    let mut g = grant("calls", Provider::OpenAi, &[F::Chat]);
    g.caps = Caps {
        calls: Some(4),
        ..Caps::default()
    };
    let token = Arc::new(h.mint(g));
    let tasks: Vec<_> = (0..12)
        .map(|_| {
            let h = Arc::clone(&h);
            let token = Arc::clone(&token);
            tokio::spawn(async move {
                h.post(
                    "/openai/v1/chat/completions",
                    &token,
                    &chat("gpt-4o-mini", 5, false),
                )
                .header("x-test-delay-ms", "20")
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
            })
        })
        .collect();
    let mut statuses = Vec::new();
    for t in tasks {
        statuses.push(t.await.unwrap());
    }
    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        4,
        "{statuses:?}"
    );
    assert_eq!(statuses.iter().filter(|s| **s == 429).count(), 8);
    assert_eq!(h.fake.state.count(), 4);
    // Spent: the grant is now exhausted, and says so. The event is noted when the last
    // settlement finishes, which may be just after its response reached the client.
    let exhausted = || {
        h.store
            .events()
            .iter()
            .any(|(_, e)| matches!(e, GrantEvent::Exhausted { .. }))
    };
    for _ in 0..100 {
        if exhausted() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert!(exhausted(), "no Exhausted event within 2 s");
    let r = h
        .post(
            "/openai/v1/chat/completions",
            &token,
            &chat("gpt-4o-mini", 5, false),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 429);
    assert_eq!(r.headers()["x-should-retry"], "false");
}

/// Waits (bounded: 10 s, for a busy machine) until the store has noted `n` Exhausted
/// events; the last settlement may finish just after its response reached the client.
async fn wait_exhausted(h: &Harness, n: usize) {
    let count = || {
        h.store
            .events()
            .iter()
            .filter(|(_, e)| matches!(e, GrantEvent::Exhausted { .. }))
            .count()
    };
    for _ in 0..500 {
        if count() >= n {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(count(), n, "Exhausted events");
}

#[tokio::test]
async fn raised_caps_apply_to_the_next_call_and_are_enforced_in_turn() {
    let h = Harness::start().await;
    let mut g = grant("raise", Provider::OpenAi, &[F::Chat]);
    g.caps = Caps {
        calls: Some(1),
        ..Caps::default()
    };
    let token = h.mint(g);
    let call = || {
        h.post(
            "/openai/v1/chat/completions",
            &token,
            &chat("gpt-4o-mini", 5, false),
        )
        .send()
    };
    assert_eq!(call().await.unwrap().status(), 200);
    wait_exhausted(&h, 1).await;
    assert_eq!(call().await.unwrap().status(), 429, "spent");
    // The person raises the cap (in the vault, by another process): the very next call
    // is forwarded, and the raised cap is held and noted when used up.
    h.store.set_caps(
        "raise",
        Caps {
            calls: Some(2),
            ..Caps::default()
        },
    );
    assert_eq!(call().await.unwrap().status(), 200);
    wait_exhausted(&h, 2).await;
    assert_eq!(call().await.unwrap().status(), 429);
    assert_eq!(h.fake.state.count(), 2);
}

#[tokio::test]
async fn rpm_is_enforced_over_a_sliding_minute() {
    let h = Harness::start().await;
    let mut g = grant("rpm", Provider::OpenAi, &[F::Chat]);
    g.caps = Caps {
        rpm: Some(2),
        ..Caps::default()
    };
    let token = h.mint(g);
    let send = || {
        h.post(
            "/openai/v1/chat/completions",
            &token,
            &chat("gpt-4o-mini", 5, false),
        )
        .send()
    };
    assert_eq!(send().await.unwrap().status(), 200);
    h.clock.advance(Duration::seconds(20));
    assert_eq!(send().await.unwrap().status(), 200);
    let r = send().await.unwrap();
    assert_eq!(r.status(), 429);
    assert_eq!(r.headers()["retry-after"], "41");
    let (_, body, _) = read(r).await;
    assert_eq!(body["error"]["code"], "rate_limit_exceeded");
    h.clock.advance(Duration::seconds(41));
    assert_eq!(send().await.unwrap().status(), 200);
    assert_eq!(h.fake.state.count(), 3);
    h.gw.shutdown().await;
}

#[tokio::test]
async fn the_gateways_own_refusals_of_a_known_key_are_recorded_with_their_code() {
    let h = Harness::start().await;
    let mut g = grant("refusals", Provider::OpenAi, &[F::Chat]);
    g.models = Some(vec!["gpt-4o-mini".into()]);
    g.caps = Caps {
        rpm: Some(1),
        ..Caps::default()
    };
    let token = h.mint(g);
    let send = |model: &str| {
        h.post(
            "/openai/v1/chat/completions",
            &token,
            &chat(model, 5, false),
        )
        .send()
    };
    assert_eq!(send("gpt-4o-mini").await.unwrap().status(), 200);
    assert_eq!(send("gpt-4o").await.unwrap().status(), 403);
    assert_eq!(send("gpt-4o-mini").await.unwrap().status(), 429);
    let r = h
        .post(
            "/openai/v1/embeddings",
            &token,
            &json!({"model": "gpt-4o-mini", "input": "x"}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    h.store.revoke("refusals");
    assert_eq!(send("gpt-4o-mini").await.unwrap().status(), 401);
    // A token the gateway does not know has no grant to count against.
    let unknown = h
        .post(
            "/openai/v1/chat/completions",
            Token::mint().unwrap().expose(),
            &chat("gpt-4o-mini", 5, false),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 401);

    let seen: Vec<(String, String, u16)> = h
        .store
        .refusals()
        .into_iter()
        .map(|r| (r.grant_id, r.code, r.status))
        .collect();
    let expect = |code: &str, status| ("refusals".to_owned(), code.to_owned(), status);
    assert_eq!(
        seen,
        vec![
            expect("model_not_allowed", 403),
            expect("rate_limit_exceeded", 429),
            expect("endpoint_not_allowed", 403),
            expect("grant_revoked", 401),
        ]
    );
    assert_eq!(
        h.fake.state.count(),
        1,
        "only the admitted call went upstream"
    );
    h.settle().await;
    assert_eq!(h.store.usage().len(), 1, "refusals are not usage");
}

#[tokio::test]
async fn revoke_during_a_stream_refuses_the_next_request() {
    let h = Harness::start().await;
    let token = h.mint(grant("rev", Provider::Anthropic, &[F::Messages]));
    let mut resp = h
        .post(
            "/anthropic/v1/messages",
            &token,
            &messages("claude-haiku-4-5", 10, true),
        )
        .header("x-test-delay-ms", "30")
        .send()
        .await
        .unwrap();
    let first = resp.chunk().await.unwrap().unwrap();
    assert!(std::str::from_utf8(&first)
        .unwrap()
        .contains("message_start"));
    h.store.revoke("rev");
    // The stream already admitted finishes and is settled.
    while resp.chunk().await.unwrap().is_some() {}
    let r = h
        .post(
            "/anthropic/v1/messages",
            &token,
            &messages("claude-haiku-4-5", 10, false),
        )
        .send()
        .await
        .unwrap();
    let (status, body, _) = read(r).await;
    assert_eq!(status, 401);
    assert_eq!(body["type"], "error");
    assert_eq!(body["error"]["type"], "authentication_error");
    assert!(body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("revoked"));
    assert_eq!(h.fake.state.count(), 1);
    h.settle().await;
    assert_eq!(h.store.usage().len(), 1);
    h.gw.shutdown().await;
}

/// Clients pool keep-alive connections: a refusal must leave the connection usable (or
/// say it closes it), or the client's next request on it fails with "server
/// disconnected" (the official SDKs with retries off surface that as a connection error).
#[tokio::test]
async fn a_refused_request_leaves_its_keep_alive_connection_usable() {
    let h = Harness::start().await;
    let revoked = h.mint(grant("gone", Provider::OpenAi, &[F::Chat]));
    let live = h.mint(grant("live", Provider::OpenAi, &[F::Chat]));
    h.store.revoke("gone");
    let body = chat("gpt-4o-mini", 10, false).to_string();
    // The head first and the body a moment later, as a client on a busy machine sends
    // them: the refusal is decided before the body has arrived.
    let request = |token: &str| {
        format!(
            "POST /openai/v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
            body.len()
        )
    };
    let mut s = tokio::net::TcpStream::connect(h.gw.addr()).await.unwrap();
    for (token, status) in [
        (revoked.as_str(), "401"),
        ("till_sk_unknown", "401"),
        (live.as_str(), "200"),
    ] {
        s.write_all(request(token).as_bytes()).await.unwrap();
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        s.write_all(body.as_bytes()).await.unwrap();
        let head = read_head(&mut s).await;
        assert!(head.starts_with(&format!("HTTP/1.1 {status}")), "{head}");
        assert!(
            !head.to_ascii_lowercase().contains("connection: close"),
            "{head}"
        );
        read_body_of(&mut s, &head).await;
    }
    assert_eq!(h.fake.state.count(), 1);
    h.gw.shutdown().await;
}

/// Reads a response's body after `head`: Content-Length bytes, or chunks to the last.
async fn read_body_of(s: &mut tokio::net::TcpStream, head: &str) {
    let lower = head.to_ascii_lowercase();
    let length = lower
        .lines()
        .find_map(|l| l.strip_prefix("content-length: "))
        .map(|v| v.trim().parse::<usize>().unwrap());
    if let Some(length) = length {
        let mut rest = vec![0u8; length];
        s.read_exact(&mut rest).await.unwrap();
        return;
    }
    assert!(lower.contains("transfer-encoding: chunked"), "{head}");
    let mut seen = Vec::new();
    let mut byte = [0u8; 1];
    while !seen.ends_with(b"\r\n0\r\n\r\n") && seen != b"0\r\n\r\n" {
        assert_eq!(s.read(&mut byte).await.unwrap(), 1, "closed mid-body");
        seen.push(byte[0]);
    }
}

/// Reads a response's head (through the blank line) byte by byte, so the body stays.
async fn read_head(s: &mut tokio::net::TcpStream) -> String {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        let n = tokio::time::timeout(std::time::Duration::from_secs(10), s.read(&mut byte))
            .await
            .expect("an answer within 10 s")
            .unwrap();
        assert!(
            n == 1,
            "the gateway closed the connection: {}",
            String::from_utf8_lossy(&head)
        );
        head.push(byte[0]);
    }
    String::from_utf8_lossy(&head).into_owned()
}

#[tokio::test]
async fn expiry_between_two_requests() {
    let h = Harness::start().await;
    let mut g = grant("exp", Provider::OpenAi, &[F::Chat]);
    g.expires_at = Some(t0() + Duration::minutes(30));
    let token = h.mint(g);
    let send = || {
        h.post(
            "/openai/v1/chat/completions",
            &token,
            &chat("gpt-4o-mini", 5, false),
        )
        .send()
    };
    assert_eq!(send().await.unwrap().status(), 200);
    h.clock.advance(Duration::minutes(31));
    let (status, body, _) = read(send().await.unwrap()).await;
    assert_eq!(status, 401);
    assert_eq!(body["error"]["code"], "grant_expired");
    assert_eq!(h.fake.state.count(), 1);
    assert!(h
        .store
        .events()
        .iter()
        .any(|(_, e)| matches!(e, GrantEvent::Expired { .. })));
    h.gw.shutdown().await;
}

#[tokio::test]
async fn a_stream_cut_short_is_settled_with_the_reservation() {
    let h = Harness::start().await;
    let mut g = grant("cut", Provider::OpenAi, &[F::Chat]);
    g.caps = Caps {
        micro_usd: Some(1_000_000),
        ..Caps::default()
    };
    g.models = Some(vec!["gpt-4o-mini".into()]);
    let token = h.mint(g);
    let body = chat("gpt-4o-mini", 500, true);
    let resp = h
        .post("/openai/v1/chat/completions", &token, &body)
        .header("x-test-cut", "1")
        .header("x-test-delay-ms", "20")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert!(
        resp.text().await.is_err(),
        "the client sees the stream break"
    );
    // Settlement happens as the body is dropped; give the server task a moment.
    for _ in 0..50 {
        if !h.store.usage().is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    h.settle().await;
    let usage = h.store.usage();
    assert_eq!(usage.len(), 1);
    assert!(usage[0].estimated);
    assert_eq!(usage[0].output_tokens, 500);
    assert!(usage[0].input_tokens >= body.to_string().len() as u64);
    assert_eq!(
        usage[0].micro_usd,
        price(Provider::OpenAi, "gpt-4o-mini", usage[0].input_tokens, 500)
    );

    // Anthropic, cut after message_start: the partial usage is not trusted.
    let atoken = h.mint(grant("acut", Provider::Anthropic, &[F::Messages]));
    let resp = h
        .post(
            "/anthropic/v1/messages",
            &atoken,
            &messages("claude-haiku-4-5", 300, true),
        )
        .header("x-test-cut", "1")
        .header("x-test-delay-ms", "20")
        .send()
        .await
        .unwrap();
    assert!(resp.text().await.is_err());
    for _ in 0..50 {
        if h.store.usage().len() == 2 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    h.settle().await;
    let usage = h.store.usage();
    assert!(usage[1].estimated);
    assert_eq!(usage[1].output_tokens, 300);
    h.gw.shutdown().await;
}

/// Sends a request and checks it was refused with `status` in the right shape, and that
/// the fake provider saw nothing.
async fn refused(h: &Harness, req: reqwest::RequestBuilder, status: u16, anthropic: bool) -> Value {
    let before = h.fake.state.count();
    let (got, body, text) = read(req.send().await.unwrap()).await;
    assert_eq!(got, status, "{text}");
    if anthropic {
        assert_eq!(body["type"], "error", "{text}");
        assert!(body["error"]["type"].is_string() && body["error"]["message"].is_string());
    } else {
        assert!(
            body["error"]["message"].is_string() && body["error"]["type"].is_string(),
            "{text}"
        );
        assert!(body["error"]["code"].is_string());
    }
    assert_eq!(h.fake.state.count(), before, "forwarded to upstream");
    body
}

#[tokio::test]
async fn bad_input_is_refused_in_the_providers_shape_and_not_forwarded() {
    let h = Harness::start().await;
    let mut og = grant("o", Provider::OpenAi, &[F::Chat]);
    og.models = Some(vec!["gpt-4o-mini".into()]);
    let openai = h.mint(og);
    let mut capped = grant("c", Provider::OpenAi, &[F::Chat]);
    capped.caps.micro_usd = Some(1000);
    let capped = h.mint(capped);
    let anthropic = h.mint(grant("a", Provider::Anthropic, &[F::Messages]));
    let chat_path = "/openai/v1/chat/completions";
    let url = |p: &str| format!("{}{p}", h.base);

    // Malformed JSON, both shapes.
    let b = refused(
        &h,
        h.client
            .post(url(chat_path))
            .bearer_auth(&openai)
            .body("{not json"),
        400,
        false,
    )
    .await;
    assert_eq!(b["error"]["code"], "invalid_json");
    refused(
        &h,
        h.client
            .post(url("/anthropic/v1/messages"))
            .header("x-api-key", &anthropic)
            .body("[1,"),
        400,
        true,
    )
    .await;
    // Model not allowed; model with no price under a dollar cap.
    let b = refused(
        &h,
        h.post(chat_path, &openai, &chat("gpt-4o", 5, false)),
        403,
        false,
    )
    .await;
    assert_eq!(b["error"]["code"], "model_not_allowed");
    let b = refused(
        &h,
        h.post(chat_path, &capped, &chat("my-finetune", 5, false)),
        403,
        false,
    )
    .await;
    assert_eq!(b["error"]["code"], "model_not_priced");
    // Endpoint not granted.
    let b = refused(
        &h,
        h.post(
            "/openai/v1/embeddings",
            &openai,
            &json!({"model":"gpt-4o-mini","input":"x"}),
        ),
        403,
        false,
    )
    .await;
    assert_eq!(b["error"]["code"], "endpoint_not_allowed");
    // Unknown provider prefix.
    let b = refused(
        &h,
        h.post(
            "/azure/v1/chat/completions",
            &openai,
            &chat("gpt-4o-mini", 5, false),
        ),
        404,
        false,
    )
    .await;
    assert_eq!(b["error"]["code"], "not_found");
    // A token for another provider, both ways.
    let b = refused(
        &h,
        h.post(chat_path, &anthropic, &chat("gpt-4o-mini", 5, false)),
        403,
        false,
    )
    .await;
    assert_eq!(b["error"]["code"], "wrong_provider");
    let b = refused(
        &h,
        h.post(
            "/anthropic/v1/messages",
            &openai,
            &messages("claude-haiku-4-5", 5, false),
        ),
        403,
        true,
    )
    .await;
    assert_eq!(b["error"]["type"], "permission_error");
    // A browser page, and DNS rebinding.
    let b = refused(
        &h,
        h.post(chat_path, &openai, &chat("gpt-4o-mini", 5, false))
            .header("origin", "https://evil.example"),
        403,
        false,
    )
    .await;
    assert_eq!(b["error"]["code"], "forbidden_origin");
    let b = refused(
        &h,
        h.post(chat_path, &openai, &chat("gpt-4o-mini", 5, false))
            .header("host", "evil.example"),
        403,
        false,
    )
    .await;
    assert_eq!(b["error"]["code"], "forbidden_host");
    // Unknown, malformed and missing tokens; a real provider key sent by mistake.
    let unknown = Token::mint().unwrap();
    let b = refused(
        &h,
        h.post(chat_path, unknown.expose(), &chat("gpt-4o-mini", 5, false)),
        401,
        false,
    )
    .await;
    assert_eq!(b["error"]["code"], "invalid_api_key");
    refused(
        &h,
        h.post(chat_path, REAL_OPENAI, &chat("gpt-4o-mini", 5, false)),
        401,
        false,
    )
    .await;
    let mut typo = openai.clone();
    typo.pop();
    typo.push('!');
    refused(
        &h,
        h.post(chat_path, &typo, &chat("gpt-4o-mini", 5, false)),
        401,
        false,
    )
    .await;
    refused(
        &h,
        h.client.post(url("/anthropic/v1/messages")).body("{}"),
        401,
        true,
    )
    .await;
    // Wrong method.
    refused(
        &h,
        h.client.get(url(chat_path)).bearer_auth(&openai),
        405,
        false,
    )
    .await;
    assert!(h.store.usage().is_empty());
    h.gw.shutdown().await;
}

#[tokio::test]
async fn a_20_mib_body_is_refused_without_reading_it() {
    let h = Harness::start().await;
    let token = h.mint(grant("big", Provider::OpenAi, &[F::Chat]));
    let mut s = tokio::net::TcpStream::connect(h.gw.addr()).await.unwrap();
    let head = format!(
        "POST /openai/v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        20 << 20
    );
    s.write_all(head.as_bytes()).await.unwrap();
    s.write_all(&[b' '; 64 * 1024]).await.unwrap();
    let mut buf = vec![0u8; 4096];
    let n = tokio::time::timeout(std::time::Duration::from_secs(5), s.read(&mut buf))
        .await
        .expect("answered before the body was sent")
        .unwrap();
    let text = String::from_utf8_lossy(&buf[..n]);
    assert!(text.starts_with("HTTP/1.1 413"), "{text}");
    assert!(text.contains("request_too_large"));

    // Without a Content-Length (chunked), the limit cuts the read short.
    let mut s = tokio::net::TcpStream::connect(h.gw.addr()).await.unwrap();
    let head = format!(
        "POST /openai/v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\nTransfer-Encoding: chunked\r\n\r\n"
    );
    s.write_all(head.as_bytes()).await.unwrap();
    let (mut rd, mut wr) = s.into_split();
    let writer = tokio::spawn(async move {
        let chunk = vec![b' '; 1 << 20];
        for _ in 0..20 {
            let size = format!("{:x}\r\n", chunk.len());
            if wr.write_all(size.as_bytes()).await.is_err()
                || wr.write_all(&chunk).await.is_err()
                || wr.write_all(b"\r\n").await.is_err()
            {
                return;
            }
        }
    });
    let mut got = Vec::new();
    let mut buf = vec![0u8; 4096];
    while !got.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = tokio::time::timeout(std::time::Duration::from_secs(10), rd.read(&mut buf))
            .await
            .unwrap()
            .unwrap();
        assert!(n > 0, "closed without an answer");
        got.extend_from_slice(&buf[..n]);
    }
    let text = String::from_utf8_lossy(&got);
    assert!(text.starts_with("HTTP/1.1 413"), "{text}");
    writer.abort();
    assert_eq!(h.fake.state.count(), 0);
    h.gw.shutdown().await;
}

#[tokio::test]
async fn unreachable_upstream_is_a_502_and_redirects_are_not_followed() {
    let h = Harness::start().await;
    let token = h.mint(grant("m", Provider::Mistral, &[F::Chat]));
    let (status, body, _) = read(
        h.post(
            "/mistral/v1/chat/completions",
            &token,
            &chat("mistral-small", 5, false),
        )
        .send()
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(status, 502);
    assert_eq!(body["error"]["code"], "upstream_unreachable");
    assert!(!body.to_string().contains("127.0.0.1"), "no URL in errors");
    h.settle().await;
    assert_eq!(h.store.usage()[0].status, 502);

    let groq = h.mint(grant("gq", Provider::Groq, &[F::Models]));
    let r = h
        .client
        .get(format!("{}/groq/v1/models", h.base))
        .bearer_auth(&groq)
        .header("x-test-redirect", "1")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 307, "the redirect is handed back, not followed");
    assert_eq!(h.fake.state.count(), 1);
    h.gw.shutdown().await;
}

/// A writer into a shared buffer, for capturing the gateway's log.
#[derive(Clone, Default)]
struct LogBuf(Arc<Mutex<Vec<u8>>>);

impl Write for LogBuf {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn the_real_key_and_the_token_appear_in_no_log_or_response() {
    // A current-thread runtime: every task runs on this thread, under this subscriber.
    let logs = LogBuf::default();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let h = Harness::start().await;
    let openai = h.mint(grant("leak-o", Provider::OpenAi, &[F::Chat]));
    let anthropic = h.mint(grant("leak-a", Provider::Anthropic, &[F::Messages]));
    let mistral = h.mint(grant("leak-m", Provider::Mistral, &[F::Chat]));
    let mut responses = String::new();
    let reqs = vec![
        h.post(
            "/openai/v1/chat/completions",
            &openai,
            &chat("gpt-4o-mini", 5, false),
        ),
        h.post(
            "/openai/v1/chat/completions",
            &openai,
            &chat("gpt-4o-mini", 5, true),
        ),
        h.post(
            "/anthropic/v1/messages",
            &anthropic,
            &messages("claude-haiku-4-5", 5, true),
        ),
        h.post(
            "/anthropic/v1/messages",
            &anthropic,
            &messages("claude-haiku-4-5", 5, false),
        ),
        h.post(
            "/mistral/v1/chat/completions",
            &mistral,
            &chat("mistral-small", 5, false),
        ),
        h.post(
            "/openai/v1/chat/completions",
            &anthropic,
            &chat("gpt-4o-mini", 5, false),
        ),
        h.post(
            "/openai/v1/embeddings",
            &openai,
            &json!({"model":"x","input":"y"}),
        ),
    ];
    for r in reqs {
        let resp = r.send().await.unwrap();
        responses.push_str(&format!("{:?}", resp.headers()));
        responses.push_str(&resp.text().await.unwrap());
    }
    h.gw.shutdown().await;
    let log = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
    assert!(
        log.contains("request settled"),
        "the log was captured: {log}"
    );
    for secret in [
        REAL_OPENAI,
        REAL_ANTHROPIC,
        "REALOPENAIKEY",
        "REALANTHROPICKEY",
    ] {
        assert!(!log.contains(secret), "key in log");
        assert!(!responses.contains(secret), "key in a response");
    }
    for token in [&openai, &anthropic, &mistral] {
        assert!(!log.contains(&token[8..]), "token in log");
    }
    assert!(
        !log.contains("Say hello") && !responses.is_empty(),
        "a body was logged"
    );
    assert!(!log.contains("label-"), "a label was logged");
}

#[tokio::test]
async fn binds_to_loopback_only_and_shuts_down_cleanly() {
    use till_gateway::{Config, Gateway, MemoryStore, TokenKey, Upstreams};
    let store = Arc::new(MemoryStore::new());
    let config = || Config::new(TokenKey::new(KEY_BYTES), Upstreams::default());
    let err = Gateway::bind("0.0.0.0:0".parse().unwrap(), store.clone(), config())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
    let gw = Gateway::bind("127.0.0.1:0".parse().unwrap(), store, config())
        .await
        .unwrap();
    let addr = gw.addr();
    assert!(addr.ip().is_loopback());
    gw.shutdown().await;
    assert!(
        tokio::net::TcpStream::connect(addr).await.is_err(),
        "still listening"
    );
}
