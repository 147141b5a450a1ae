"""Gateway latency, side by side in one run on one fake provider with one load generator:
direct to the fake, through Till's gateway, and through LiteLLM's proxy (master key; its
virtual keys need Postgres and a Prisma engine download that fails offline).

Reports the latency each adds over direct (p50/p99, small requests, streaming and not,
one connection, keep-alive), requests per second with 16 connections, and the gateway's
resident memory idle and after load. Every load is bounded in count and time; every
server listens on 127.0.0.1 and is stopped at the end.

Usage: python3 run.py --till BIN --fake BIN --oha BIN [--litellm BIN] [--requests N]
"""

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

PASSWORD = "correct horse battery staple"
REAL_KEY = "sk-proj-BENCHREALKEY0123456789abcdefghijkl"
BODY = {"model": "gpt-4o-mini", "max_tokens": 16, "messages": [{"role": "user", "content": "Say hello"}]}


def line_from(stream, prefix, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = stream.readline()
        if not line:
            break
        text = line.decode() if isinstance(line, bytes) else line
        if text.startswith(prefix):
            return text[len(prefix):].strip()
    raise SystemExit(f"no '{prefix}' line within {timeout}s")


def rss_mib(pid):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def oha(bin_, url, headers, body, *, n=None, seconds=None, conns=1):
    args = [bin_, "--no-tui", "--output-format", "json", "-m", "POST", "-c", str(conns),
            "-d", json.dumps(body), "-H", "content-type: application/json"]
    for h in headers:
        args += ["-H", h]
    args += ["-n", str(n)] if n else ["-z", f"{seconds}s"]
    out = subprocess.run(args + [url], capture_output=True, timeout=300, check=True).stdout
    report = json.loads(out)
    ok = report.get("statusCodeDistribution", {})
    if set(ok) - {"200"}:
        raise SystemExit(f"{url}: non-200 answers {ok}")
    pct = report["latencyPercentiles"]
    return {"p50": pct["p50"] * 1000, "p99": pct["p99"] * 1000, "rps": report["summary"]["requestsPerSec"]}


def wait_http(url, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except Exception:
            time.sleep(0.5)
    raise SystemExit(f"{url} did not come up")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--till", required=True)
    ap.add_argument("--fake", required=True)
    ap.add_argument("--oha", required=True)
    ap.add_argument("--litellm")
    ap.add_argument("--requests", type=int, default=2000)
    ap.add_argument("--out")
    args = ap.parse_args()
    procs = []
    tmp = Path(tempfile.mkdtemp(prefix="till-bench-gateway-"))
    env = {**os.environ, "TILL_HOME": str(tmp / "home"), "TILL_KDF": "floor"}
    env.pop("TILL_NOW", None)

    def till(*a, stdin=""):
        return subprocess.run([args.till, "--password-stdin", *a], input=(PASSWORD + "\n" + stdin).encode(),
                              capture_output=True, env=env, check=True, timeout=60)

    try:
        fake = subprocess.Popen([args.fake, "--exit-after", "900"], stdout=subprocess.PIPE)
        procs.append(fake)
        fake_url = line_from(fake.stdout, "listening on ")

        till("init", "--no-keyring")
        till("add", "OpenAI bench", "--provider", "openai", "--value-stdin", stdin=REAL_KEY + "\n")
        gw = subprocess.Popen([args.till, "--password-stdin", "gateway", "--port", "0"], stdin=subprocess.PIPE,
                              stderr=subprocess.PIPE, env={**env, "TILL_UPSTREAM_OPENAI": fake_url})
        procs.append(gw)
        gw.stdin.write((PASSWORD + "\n").encode())
        gw.stdin.close()
        gw_url = line_from(gw.stderr, "listening on ")
        minted = json.loads(till("agent", "mint", "--key", "OpenAI bench", "--ttl", "1d", "--label", "bench",
                                 "--json").stdout)
        rss_idle = rss_mib(gw.pid)

        targets = {
            "direct": (fake_url + "/v1/chat/completions", [f"authorization: Bearer {REAL_KEY}"]),
            "till": (gw_url + "/openai/v1/chat/completions", [f"authorization: Bearer {minted['token']}"]),
        }
        if args.litellm:
            config = tmp / "litellm.yaml"
            config.write_text(
                "model_list:\n  - model_name: gpt-4o-mini\n    litellm_params:\n"
                f"      model: openai/gpt-4o-mini\n      api_base: {fake_url}/v1\n      api_key: {REAL_KEY}\n"
                "general_settings:\n  master_key: sk-litellm-bench-master\n"
                "litellm_settings:\n  telemetry: false\n"
            )
            port = 4010
            lite = subprocess.Popen([args.litellm, "--config", str(config), "--host", "127.0.0.1", "--port", str(port)],
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                    env={**os.environ, "LITELLM_LOG": "ERROR", "NO_PROXY": "*"})
            procs.append(lite)
            wait_http(f"http://127.0.0.1:{port}/health/liveliness", timeout=120)
            targets["litellm"] = (f"http://127.0.0.1:{port}/v1/chat/completions",
                                  ["authorization: Bearer sk-litellm-bench-master"])

        results = {}
        for stream in (False, True):
            body = {**BODY, "stream": stream}
            for name, (url, headers) in targets.items():
                oha(args.oha, url, headers, body, n=100)  # warm up connections and caches
                results[(name, stream)] = oha(args.oha, url, headers, body, n=args.requests)
        rps = {name: oha(args.oha, url, headers, BODY, seconds=10, conns=16)["rps"]
               for name, (url, headers) in targets.items()}
        rss_loaded = rss_mib(gw.pid)

        rows = []
        for stream in (False, True):
            base = results[("direct", stream)]
            for name in targets:
                r = results[(name, stream)]
                rows.append({
                    "target": name, "stream": stream, "p50_ms": round(r["p50"], 3), "p99_ms": round(r["p99"], 3),
                    "added_p50_ms": round(r["p50"] - base["p50"], 3), "added_p99_ms": round(r["p99"] - base["p99"], 3),
                })
        report = {"requests": args.requests, "rows": rows, "rps_16_connections": {k: round(v) for k, v in rps.items()},
                  "till_gateway_rss_mib": {"idle": round(rss_idle, 1), "after_load": round(rss_loaded, 1)}}
        print(f"{'target':<10} {'stream':<7} {'p50 ms':>8} {'p99 ms':>8} {'+p50 ms':>8} {'+p99 ms':>8}")
        for row in rows:
            print(f"{row['target']:<10} {str(row['stream']):<7} {row['p50_ms']:>8.3f} {row['p99_ms']:>8.3f} "
                  f"{row['added_p50_ms']:>8.3f} {row['added_p99_ms']:>8.3f}")
        print("requests/s, 16 connections:", report["rps_16_connections"])
        print("Till gateway RSS MiB:", report["till_gateway_rss_mib"])
        if "litellm" in targets:
            for stream in (False, True):
                till_added = next(r for r in rows if r["target"] == "till" and r["stream"] == stream)["added_p50_ms"]
                lite_added = next(r for r in rows if r["target"] == "litellm" and r["stream"] == stream)["added_p50_ms"]
                ratio = lite_added / till_added if till_added > 0 else float("inf")
                print(f"added p50, stream={stream}: LiteLLM / Till = {ratio:.1f}x")
        if args.out:
            Path(args.out).write_text(json.dumps(report, indent=2))
    finally:
        for p in reversed(procs):
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
                try:
                    p.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    p.kill()


if __name__ == "__main__":
    sys.exit(main())
