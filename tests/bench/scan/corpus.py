#!/usr/bin/env python3
"""Writes a deterministic corpus of source-like text for the scan benchmark.

    corpus.py DIR SIZE_MB

About SIZE_MB of Python, JavaScript, Rust, YAML, JSON and prose files (20-60 KB each) in
nested directories, full of the things that make scanners slow or noisy: key-like names,
UUIDs, hex hashes, base64 blobs, URLs, placeholders. Planted in random files at random
lines: four vault keys in five forms each (raw in source, .env, base64 in a Kubernetes
Secret, URL-encoded in a query string, JSON-escaped) and six unknown keys (OpenAI, GitHub,
Stripe, AWS, Slack, a Till agent token). DIR/../planted.json lists every planted value,
its form, file and line, for scoring each tool's findings.
"""
import base64
import json
import os
import random
import string
import sys
import urllib.parse

rng = random.Random(14)
ALNUM = string.ascii_letters + string.digits


def rand(n, alphabet=ALNUM):
    return "".join(rng.choice(alphabet) for _ in range(n))


VAULT = {
    "Stripe prod": ("stripe", "sk_live_" + rand(40)),
    "OpenAI team": ("openai", "sk-proj-" + rand(20) + "-" + rand(12) + "_" + rand(16)),
    "GitHub deploy": ("github", "ghp_" + rand(36)),
    "Legacy partner": ("generic", rand(16) + "/" + rand(12) + "+" + rand(10) + "="),
}
UNKNOWN = {
    "openai": "sk-proj-" + rand(24) + "_" + rand(24),
    "github": "ghp_" + rand(36),
    "stripe": "sk_live_" + rand(32),
    "aws": "AKIA" + rand(16, string.ascii_uppercase + string.digits),
    "slack": "xoxb-" + rand(12, string.digits) + "-" + rand(13, string.digits) + "-" + rand(24),
    "till": "till_sk_" + rand(43),
}

WORDS = ("user account order invoice payment session client server request response "
         "config value result handler cache queue worker retry timeout buffer stream "
         "record table index query filter mapper service router token key secret "
         "password auth credential monkey keyboard hotkey tokenizer").split()


def ident():
    return "_".join(rng.choice(WORDS) for _ in range(rng.randint(1, 3)))


def line_pool():
    hexs = lambda n: rand(n, "0123456789abcdef")
    makers = [
        lambda: f"def {ident()}({ident()}, {ident()}=None):",
        lambda: f"    {ident()} = {ident()}.{ident()}({ident()!r})",
        lambda: f"    return {ident()}[{rng.randint(0, 99)}]",
        lambda: f"    if {ident()} is None:",
        lambda: f"        raise ValueError(\"{ident()} must be set\")",
        lambda: f"const {ident()} = await fetch(`/api/v1/{ident()}/${{id}}`);",
        lambda: f"  {ident()}: process.env.{ident().upper()},",
        lambda: f"let {ident()} = {ident()}.iter().map(|x| x.{ident()}()).collect::<Vec<_>>();",
        lambda: f"    pub fn {ident()}(&self) -> Result<{ident().title()}, Error> {{",
        lambda: f"  {ident()}: \"{ident()}\"",
        lambda: f"request_id = \"{hexs(8)}-{hexs(4)}-4{hexs(3)}-a{hexs(3)}-{hexs(12)}\"",
        lambda: f"commit = \"{hexs(40)}\"",
        lambda: f"  \"integrity\": \"sha512-{base64.b64encode(rng.randbytes(64)).decode()}\",",
        lambda: f"# {' '.join(rng.choice(WORDS) for _ in range(rng.randint(4, 14)))}",
        lambda: f"api_key = os.environ[\"{ident().upper()}_API_KEY\"]",
        lambda: f"OPENAI_API_KEY=sk-proj-{'X' * 48}",
        lambda: f"token = \"your-api-key\"",
        lambda: f"url = \"https://example.com/{ident()}?page={rng.randint(1, 9)}&sort={ident()}\"",
        lambda: f"    logger.info(\"{ident()} took %s ms\", {ident()})",
        lambda: "",
        lambda: "    }",
    ]
    return [rng.choice(makers)() for _ in range(60000)]


def main():
    out, size_mb = sys.argv[1], int(sys.argv[2])
    pool = line_pool()
    target = size_mb * 1_000_000
    files, written = [], 0
    exts = [".py", ".js", ".rs", ".yaml", ".json", ".md", ".ts", ".go"]
    while written < target:
        d = os.path.join(out, f"pkg{len(files) // 200:03d}", f"mod{len(files) % 17:02d}")
        name = os.path.join(d, f"{ident()[:24]}_{len(files)}{rng.choice(exts)}")
        lines = rng.choices(pool, k=rng.randint(500, 1500))
        files.append([name, lines])
        written += sum(len(l) + 1 for l in lines)

    planted = []

    def plant(text, kind, key, provider, form, value):
        entry = rng.choice(files)
        at = rng.randint(0, len(entry[1]))
        entry[1].insert(at, text)
        planted.append({"file": os.path.relpath(entry[0], out), "text": text, "kind": kind,
                        "key": key, "provider": provider, "form": form, "value": value})

    for name, (provider, value) in VAULT.items():
        # Named as people name keys; a value with no known prefix is found next to a
        # key-like name (or by its prefix in every form), as the issue describes.
        var = name.upper().replace(" ", "_") + "_API_KEY"
        plant(f"{var.lower()} = \"{value}\"", "vault_key", name, provider, "raw", value)
        plant(f"{var}={value}", "vault_key", name, provider, "env", value)
        plant(f"  {var}: {base64.b64encode(value.encode()).decode()}", "vault_key", name, provider, "base64", value)
        plant(f"curl \"https://api.example.com/v1/x?api_key={urllib.parse.quote(value, safe='')}&n=1\"",
              "vault_key", name, provider, "url", value)
        escaped = json.dumps(value).replace("/", "\\/").replace("-", "\\u002d")
        plant(f"  \"{var.lower()}\": {escaped},", "vault_key", name, provider, "json", value)
    for provider, value in UNKNOWN.items():
        kind = "till_token" if provider == "till" else "unknown_key"
        plant(f"{provider}_credential = \"{value}\"", kind, None, provider, "raw", value)

    # Later plants shift earlier ones in the same file: find each planted line again.
    by_file = {os.path.relpath(n, out): l for n, l in files}
    for p in planted:
        p["line"] = by_file[p["file"]].index(p.pop("text")) + 1
    for name, lines in files:
        os.makedirs(os.path.dirname(name), exist_ok=True)
        with open(name, "w") as f:
            f.write("\n".join(lines) + "\n")
    with open(os.path.join(os.path.dirname(os.path.abspath(out)), "planted.json"), "w") as f:
        json.dump({"vault": {k: {"provider": p, "value": v} for k, (p, v) in VAULT.items()},
                   "planted": planted}, f, indent=1)
    print(f"{len(files)} files, {written / 1e6:.0f} MB, {len(planted)} planted")


main()
