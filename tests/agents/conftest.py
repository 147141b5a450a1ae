"""Fixtures for the agent-gateway suite: a real vault, the real `till` binary, a fake
provider process and `till gateway` in front of it, all on 127.0.0.1.

The suite needs `target/debug/till` and `target/debug/examples/fake_upstream`
(scripts/test builds both) and the pinned SDKs in tools/sdk (scripts/test installs them).
"""

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TILL = Path(os.environ.get("TILL_BIN", ROOT / "target/debug/till"))
FAKE = Path(os.environ.get("TILL_FAKE_UPSTREAM", ROOT / "target/debug/examples/fake_upstream"))
PASSWORD = "correct horse battery staple"
REAL_OPENAI = "sk-proj-REALOPENAIKEY0123456789abcdefREAL"
REAL_ANTHROPIC = "sk-ant-api03-REALANTHROPICKEY0123456789REAL"


def _wait_for_line(stream, prefix, timeout=20.0):
    """Reads lines until one starts with `prefix`; returns the rest of it."""
    deadline = time.monotonic() + timeout
    seen = []
    while time.monotonic() < deadline:
        line = stream.readline()
        if not line:
            break
        text = line.decode() if isinstance(line, bytes) else line
        seen.append(text)
        if text.startswith(prefix):
            return text[len(prefix):].strip()
    raise AssertionError(f"no line starting with {prefix!r}; got {seen!r}")


class Home:
    """A Till home with a password vault and two LLM keys."""

    def __init__(self, path: Path):
        self.path = path
        self.env = {
            **os.environ,
            "TILL_HOME": str(path),
            "TILL_KDF": "floor",
        }
        self.env.pop("TILL_NOW", None)

    def till(self, *args, check=True, env=None):
        """Runs `till --password-stdin ARGS`; returns the completed process."""
        result = subprocess.run(
            [str(TILL), "--password-stdin", *args],
            input=(PASSWORD + "\n").encode(),
            capture_output=True,
            env={**self.env, **(env or {})},
            timeout=60,
        )
        if check and result.returncode != 0:
            raise AssertionError(
                f"till {' '.join(args)} exited {result.returncode}: {result.stderr.decode()}"
            )
        return result

    def add(self, name, provider, value):
        subprocess.run(
            [str(TILL), "--password-stdin", "add", name, "--provider", provider, "--value-stdin"],
            input=f"{PASSWORD}\n{value}\n".encode(),
            env=self.env,
            check=True,
            capture_output=True,
            timeout=60,
        )

    def mint(self, key, *flags):
        out = self.till("agent", "mint", "--key", key, "--json", *flags).stdout
        return json.loads(out)

    def grants(self):
        return {g["id"]: g for g in json.loads(self.till("agent", "list", "--json").stdout)}

    def usage(self, grant_id):
        return json.loads(self.till("agent", "usage", grant_id, "--json").stdout)


class Fake:
    """The fake provider process and what it recorded."""

    def __init__(self, tmp: Path):
        self.record = tmp / "fake.json"
        self.proc = subprocess.Popen(
            [str(FAKE), "--record", str(self.record), "--exit-after", "300"],
            stdout=subprocess.PIPE,
        )
        self.url = _wait_for_line(self.proc.stdout, "listening on ")

    def seen(self, settle=0.3):
        time.sleep(settle)
        if not self.record.exists():
            return {"seen": [], "reported": []}
        return json.loads(self.record.read_text())

    def stop(self):
        self.proc.kill()
        self.proc.wait(timeout=10)


class Gateway:
    """`till gateway --port 0` in front of the fake provider."""

    def __init__(self, home: Home, fake: Fake):
        self.home = home
        env = {
            **home.env,
            "TILL_UPSTREAM_OPENAI": fake.url,
            "TILL_UPSTREAM_ANTHROPIC": fake.url,
        }
        self.proc = subprocess.Popen(
            [str(TILL), "--password-stdin", "gateway", "--port", "0"],
            stdin=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
        )
        self.proc.stdin.write((PASSWORD + "\n").encode())
        self.proc.stdin.close()
        self.url = _wait_for_line(self.proc.stderr, "listening on ")
        self.stderr = b""

    def openai_base(self):
        return self.url + "/openai/v1"

    def anthropic_base(self):
        return self.url + "/anthropic"

    def stop(self, sig=signal.SIGTERM):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=5)
        self.stderr = self.proc.stderr.read()
        return self.proc.returncode


@pytest.fixture
def home(tmp_path):
    h = Home(tmp_path / "home")
    h.till("init", "--no-keyring")
    h.add("OpenAI prod", "openai", REAL_OPENAI)
    h.add("Anthropic prod", "anthropic", REAL_ANTHROPIC)
    return h


@pytest.fixture
def fake(tmp_path):
    f = Fake(tmp_path)
    yield f
    f.stop()


@pytest.fixture
def gateway(home, fake):
    g = Gateway(home, fake)
    yield g
    g.stop()
