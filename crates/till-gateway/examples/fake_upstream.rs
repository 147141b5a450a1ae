//! A fake OpenAI/Anthropic provider on 127.0.0.1 for the SDK tests and the benchmark:
//! the same fixture the gateway's own tests use, as a process.
//!
//! `fake_upstream [--record FILE] [--exit-after SECS]` prints `listening on
//! http://127.0.0.1:PORT` on stdout, then serves until killed (or `--exit-after`, 600 s by
//! default, so a forgotten one stops by itself). With `--record`, what it received (path
//! and auth headers) and the usage it reported are rewritten to FILE as JSON every 50 ms.

#![allow(clippy::unwrap_used, clippy::print_stdout)]

#[path = "../tests/common/mod.rs"]
mod common;

use std::io::Write;
use std::time::{Duration, Instant};

use serde_json::json;

#[tokio::main(flavor = "multi_thread", worker_threads = 1)]
async fn main() {
    let mut args = std::env::args().skip(1);
    let mut record = None;
    let mut exit_after = Duration::from_secs(600);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--record" => record = args.next(),
            "--exit-after" => {
                exit_after =
                    Duration::from_secs(args.next().and_then(|s| s.parse().ok()).unwrap_or(600))
            }
            other => panic!("unknown argument {other}"),
        }
    }
    let fake = common::Fake::start().await;
    println!("listening on http://{}", fake.addr);
    std::io::stdout().flush().unwrap();
    let started = Instant::now();
    let mut written = (usize::MAX, usize::MAX);
    while started.elapsed() < exit_after {
        tokio::time::sleep(Duration::from_millis(50)).await;
        let Some(path) = &record else { continue };
        let seen = fake.state.seen.lock().unwrap().clone();
        let reported = fake.state.reported();
        if (seen.len(), reported.len()) == written {
            continue;
        }
        written = (seen.len(), reported.len());
        let seen: Vec<_> = seen
            .iter()
            .map(|s| {
                json!({
                    "method": s.method, "path": s.path, "authorization": s.authorization,
                    "x_api_key": s.x_api_key, "model": s.body.get("model"),
                    "stream": s.body.get("stream"), "stream_options": s.body.get("stream_options"),
                })
            })
            .collect();
        let body = json!({"seen": seen, "reported": reported}).to_string();
        let tmp = format!("{path}.tmp");
        std::fs::write(&tmp, body).unwrap();
        std::fs::rename(&tmp, path).unwrap();
    }
}
