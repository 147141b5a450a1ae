"""How long `till run` takes from being started to its command's first instruction, with
the vault opened by the OS keyring (no prompt): against a running gateway, with a gateway
served in-process, and for a non-LLM key (no gateway at all). The command is
`sh -c 'date +%s%N'`; the same command started directly is the baseline subtracted.

Run inside a desktop session with an unlocked keyring (tests/bench/run/run.sh does).
Prints medians and ranges in milliseconds over N runs.
"""

import argparse
import json
import os
import signal
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

PASSWORD = "correct horse battery staple"
CHILD = ["sh", "-c", "date +%s%N"]


def started_after(cmd, env):
    t0 = time.time_ns()
    out = subprocess.run(cmd, capture_output=True, env=env, timeout=60, stdin=subprocess.DEVNULL)
    if out.returncode != 0:
        raise SystemExit(f"{cmd} failed: {out.stderr.decode()}")
    return (int(out.stdout.decode().strip().splitlines()[-1]) - t0) / 1e6


def series(cmd, env, runs):
    started_after(cmd, env)  # warm the page cache
    return [started_after(cmd, env) for _ in range(runs)]


def summary(name, values, baseline):
    net = [v - baseline for v in values]
    return {"case": name, "median_ms": round(statistics.median(net), 2),
            "min_ms": round(min(net), 2), "max_ms": round(max(net), 2)}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--till", required=True)
    ap.add_argument("--fake", required=True)
    ap.add_argument("--runs", type=int, default=15)
    ap.add_argument("--out")
    args = ap.parse_args()
    home = Path(tempfile.mkdtemp(prefix="till-bench-run-"))
    env = {**os.environ, "TILL_HOME": str(home), "TILL_KDF": "floor"}
    env.pop("TILL_NOW", None)

    def till(*a, stdin=""):
        subprocess.run([args.till, "--password-stdin", *a], input=(PASSWORD + "\n" + stdin).encode(),
                       env=env, check=True, capture_output=True, timeout=60)

    till("init")  # with the OS keyring: runs need no password
    till("add", "OpenAI prod", "--provider", "openai", "--value-stdin",
         stdin="sk-proj-BENCHREALKEY0123456789abcdefghijkl\n")
    till("add", "GitHub CI", "--provider", "github", "--value-stdin",
         stdin="ghp_benchbenchbenchbenchbenchbench012345\n")

    fake = subprocess.Popen([args.fake, "--exit-after", "300"], stdout=subprocess.PIPE)
    fake_url = fake.stdout.readline().decode().split("listening on ")[1].strip()
    env["TILL_UPSTREAM_OPENAI"] = fake_url
    results = []
    try:
        baseline = statistics.median(series(CHILD, env, args.runs))
        run = [args.till, "run", "--key"]
        results.append(summary("non-LLM key (real key injected)", series(run + ["GitHub CI", "--"] + CHILD, env, args.runs), baseline))
        results.append(summary("LLM key, gateway served in-process", series(run + ["OpenAI prod", "--"] + CHILD, env, args.runs), baseline))
        gateway = subprocess.Popen([args.till, "gateway", "--port", "0"], stderr=subprocess.PIPE,
                                   stdin=subprocess.DEVNULL, env=env)
        gateway.stderr.readline()
        try:
            results.append(summary("LLM key, running gateway", series(run + ["OpenAI prod", "--"] + CHILD, env, args.runs), baseline))
        finally:
            gateway.send_signal(signal.SIGTERM)
            gateway.wait(timeout=15)
    finally:
        fake.kill()
    print(f"baseline (sh -c date started directly): {baseline:.2f} ms")
    for r in results:
        print(f"{r['case']:<40} median {r['median_ms']:>7.2f} ms  (range {r['min_ms']:.2f}–{r['max_ms']:.2f})")
    if args.out:
        Path(args.out).write_text(json.dumps({"baseline_ms": baseline, "results": results}, indent=2))


if __name__ == "__main__":
    main()
