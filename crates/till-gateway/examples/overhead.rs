//! A quick look at the latency the gateway adds: sequential keep-alive requests to the
//! fake provider, direct and through the gateway, small non-streaming and streaming chat.
//! Not the benchmark (that is `scripts/bench` with oha and LiteLLM side by side);
//! a figure to keep an eye on while developing. Bounded: 2 × 2 × N requests.
//!
//! `cargo run -p till-gateway --example overhead [--release] -- [N]`

#![allow(clippy::unwrap_used, clippy::print_stdout)]

#[path = "../tests/common/mod.rs"]
mod common;

use std::time::{Duration, Instant};

use common::{grant, Fake, Harness};
use serde_json::json;
use till_gateway::{EndpointFamily, Provider};

fn pct(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

async fn run(
    client: &reqwest::Client,
    url: &str,
    token: &str,
    stream: bool,
    n: usize,
) -> Vec<Duration> {
    let body = json!({"model":"gpt-4o-mini","max_tokens":16,"stream":stream,
                      "messages":[{"role":"user","content":"Say hello"}]})
    .to_string();
    let mut times = Vec::with_capacity(n);
    let deadline = Instant::now() + Duration::from_secs(60);
    for _ in 0..n {
        if Instant::now() > deadline {
            break;
        }
        let t = Instant::now();
        let r = client
            .post(url)
            .bearer_auth(token)
            .header("content-type", "application/json")
            .body(body.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        r.bytes().await.unwrap();
        times.push(t.elapsed());
    }
    times.sort();
    times
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1000);
    let h = Harness::start().await;
    let token = h.mint(grant("bench", Provider::OpenAi, &[EndpointFamily::Chat]));
    let direct = format!("http://{}/v1/chat/completions", h.fake.addr);
    let via = format!("{}/openai/v1/chat/completions", h.base);
    let _: &Fake = &h.fake;
    for stream in [false, true] {
        // Warm both paths (connection pools, first-use bookkeeping).
        run(&h.client, &direct, "sk-direct", stream, 50).await;
        run(&h.client, &via, &token, stream, 50).await;
        let d = run(&h.client, &direct, "sk-direct", stream, n).await;
        let g = run(&h.client, &via, &token, stream, n).await;
        println!(
            "{:<13} n={:<5} direct p50 {:.3} ms p99 {:.3} ms | gateway p50 {:.3} ms p99 {:.3} ms | added p50 {:.3} ms p99 {:.3} ms",
            if stream { "stream" } else { "non-stream" },
            g.len(),
            pct(&d, 0.5),
            pct(&d, 0.99),
            pct(&g, 0.5),
            pct(&g, 0.99),
            pct(&g, 0.5) - pct(&d, 0.5),
            pct(&g, 0.99) - pct(&d, 0.99),
        );
    }
    h.gw.shutdown().await;
}
