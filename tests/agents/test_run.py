"""`till run` with the official `openai` SDK as the child: the child gets a `till_sk_`
token and the gateway's URL in its environment and nothing else, reaches the provider
through the gateway, and its token is dead once it exits."""

import json
import subprocess
import sys
import urllib.error
import urllib.request

from conftest import PASSWORD, REAL_ANTHROPIC, REAL_OPENAI, TILL

CHILD = r"""
import json, os, sys
import openai
environ = open(f"/proc/{os.getpid()}/environ", "rb").read()
client = openai.OpenAI(max_retries=0)  # OPENAI_API_KEY and OPENAI_BASE_URL only
reply = client.chat.completions.create(
    model="gpt-4o-mini", messages=[{"role": "user", "content": "hi"}], max_tokens=16
)
json.dump({
    "token": os.environ["OPENAI_API_KEY"],
    "base_url": os.environ["OPENAI_BASE_URL"],
    "reply": reply.choices[0].message.content,
    "real_in_environ": any(k.encode() in environ for k in sys.argv[2:]),
}, open(sys.argv[1], "w"))
"""


def _run(home, tmp_path, extra_env=None):
    out = tmp_path / "child.json"
    script = tmp_path / "child.py"
    script.write_text(CHILD)
    result = subprocess.run(
        [str(TILL), "--password-stdin", "run", "--key", "OpenAI prod", "--max-calls", "5",
         "--", sys.executable, str(script), str(out), REAL_OPENAI, REAL_ANTHROPIC],
        input=(PASSWORD + "\n").encode(),
        capture_output=True,
        env={**home.env, **(extra_env or {})},
        timeout=120,
    )
    assert result.returncode == 0, result.stderr.decode()
    return json.loads(out.read_text()), result.stderr.decode()


def _status(url, token):
    request = urllib.request.Request(
        url + "/chat/completions",
        data=json.dumps({"model": "gpt-4o-mini", "messages": []}).encode(),
        headers={"authorization": f"Bearer {token}", "content-type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_the_sdk_inside_till_run_uses_the_running_gateway_and_its_token_dies_with_it(
    home, fake, gateway, tmp_path
):
    child, stderr = _run(home, tmp_path)
    assert child["reply"] == "Hello"
    assert child["token"].startswith("till_sk_")
    assert child["base_url"] == gateway.openai_base()
    assert child["real_in_environ"] is False
    assert fake.seen()["seen"][0]["authorization"] == f"Bearer {REAL_OPENAI}"
    assert "1 calls" in stderr and "revoked" in stderr, stderr
    assert _status(child["base_url"], child["token"]) == 401


def test_without_a_running_gateway_till_run_serves_one_for_the_child(home, fake, tmp_path):
    child, stderr = _run(
        home,
        tmp_path,
        {"TILL_UPSTREAM_OPENAI": fake.url, "TILL_UPSTREAM_ANTHROPIC": fake.url},
    )
    assert child["reply"] == "Hello"
    assert child["real_in_environ"] is False
    assert "1 calls" in stderr, stderr
    grants = [g for g in home.grants().values() if g["created_by"].startswith("till run")]
    assert [g["state"] for g in grants] == ["revoked"]
    assert grants[0]["used"]["calls"] == 1
