"""The gateway over a real vault, driven through the CLI and real sockets: revocation and
expiry between requests, caps under concurrency, a gateway killed mid-stream, and bad
input refused in the provider's own error shape with nothing forwarded."""

import concurrent.futures
import json
import signal
import subprocess
import time

import http.client
import urllib.error
import urllib.parse
import urllib.request
import openai
import pytest

from conftest import REAL_ANTHROPIC, REAL_OPENAI, TILL, Gateway


def _chat(client, max_tokens=16, model="gpt-4o-mini", **extra):
    return client.chat.completions.create(
        model=model,
        messages=[{"role": "user", "content": "hi"}],
        max_tokens=max_tokens,
        **extra,
    )


def _client(minted):
    return openai.OpenAI(base_url=minted["base_url"], api_key=minted["token"], max_retries=0)


def test_a_grant_minted_and_revoked_by_the_cli_counts_from_the_next_request(home, fake, gateway):
    minted = home.mint("OpenAI prod")  # minted while the gateway already runs
    client = _client(minted)
    assert _chat(client).choices[0].message.content == "Hello"

    home.till("agent", "revoke", minted["id"])
    with pytest.raises(openai.AuthenticationError) as refused:
        _chat(client)
    assert refused.value.status_code == 401
    assert len(fake.seen()["seen"]) == 1, "the refused request was not forwarded"
    assert home.grants()[minted["id"]]["state"] == "revoked"
    log = json.loads(home.till("log", "--json").stdout)
    actions = [entry["action"] for entry in log]
    assert "agent_mint" in actions and "agent_revoke" in actions and "agent_first_use" in actions


def test_a_grant_that_expires_between_two_requests_is_refused(home, fake, gateway):
    minted = home.mint("OpenAI prod", "--ttl", "2s")
    client = _client(minted)
    _chat(client)
    time.sleep(2.3)
    with pytest.raises(openai.AuthenticationError):
        _chat(client)
    assert home.grants()[minted["id"]]["state"] == "expired"


def test_fifty_concurrent_requests_never_overspend_a_one_cent_cap(home, fake, gateway):
    # gpt-4o: 20 input tokens at $2.50/M and 100 output at $10/M = 1,050 micro-dollars.
    minted = home.mint("OpenAI prod", "--models", "gpt-4o", "--max-usd", "0.01")
    client = _client(minted)

    def one(_):
        try:
            _chat(client, max_tokens=100, model="gpt-4o")
            return 200
        except openai.RateLimitError as error:
            assert error.code == "insufficient_quota", error.body
            return 429

    with concurrent.futures.ThreadPoolExecutor(max_workers=50) as pool:
        statuses = list(pool.map(one, range(50)))
    grant = home.grants()[minted["id"]]
    spent = grant["used"]["micro_usd"]
    assert spent <= 10_000 + 1_050, f"spent {spent} micro-dollars on a 10,000 cap"
    assert statuses.count(200) == grant["used"]["calls"]
    assert statuses.count(200) >= 5 and statuses.count(429) >= 30
    assert len(fake.seen()["seen"]) == statuses.count(200), "refusals never reach the provider"


def test_the_calls_cap_is_exact_and_the_rate_is_enforced(home, fake, gateway):
    calls = home.mint("OpenAI prod", "--max-calls", "5")
    client = _client(calls)
    with concurrent.futures.ThreadPoolExecutor(max_workers=20) as pool:
        ok = list(pool.map(lambda _: _ok(client), range(20)))
    assert ok.count(True) == 5
    # The gateway notes the cap when the last admitted call settles, which can be just
    # after the client has read that call's last byte.
    assert _state_within(home, calls["id"], "exhausted", seconds=10)

    rate = home.mint("OpenAI prod", "--rpm", "3")
    client = _client(rate)
    results = [_ok(client) for _ in range(4)]
    assert results == [True, True, True, False]


def _state_within(home, grant_id, state, seconds):
    """Whether the grant reaches `state` within `seconds` (polled; bounded)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if home.grants()[grant_id]["state"] == state:
            return True
        time.sleep(0.1)
    return home.grants()[grant_id]["state"] == state


def _ok(client):
    try:
        _chat(client)
        return True
    except openai.RateLimitError:
        return False


def test_a_gateway_killed_mid_stream_leaves_a_consistent_ledger(home, fake, gateway):
    minted = home.mint("OpenAI prod")
    client = _client(minted)
    _chat(client)
    stream = _chat(client, stream=True, extra_headers={"x-test-delay-ms": "400"})
    first = next(iter(stream))
    assert first.choices[0].delta.content == "Hel"
    gateway.stop(signal.SIGKILL)
    with pytest.raises(Exception):
        list(stream)

    # The vault opens, its audit chain is intact, and totals equal the ledger.
    assert home.till("log", "verify").returncode == 0
    grant = home.grants()[minted["id"]]
    usage = home.usage(minted["id"])
    assert grant["used"]["calls"] == len(usage)
    assert grant["used"]["output_tokens"] == sum(u["output_tokens"] for u in usage)

    # A new gateway serves the same grant.
    again = Gateway(home, fake)
    try:
        client = openai.OpenAI(
            base_url=again.openai_base(), api_key=minted["token"], max_retries=0
        )
        assert _chat(client).choices[0].message.content == "Hello"
    finally:
        again.stop()


def test_bad_input_is_refused_in_the_providers_shape_and_nothing_is_forwarded(
    home, fake, gateway
):
    openai_grant = home.mint("OpenAI prod", "--models", "gpt-4o-mini", "--endpoints", "chat")
    anthropic_grant = home.mint("Anthropic prod")
    bearer = {"authorization": f"Bearer {openai_grant['token']}"}
    chat = gateway.openai_base() + "/chat/completions"
    body = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "secret prompt"}]}
    cases = [
        ("malformed JSON", "post", chat, bearer, b"{not json", 400),
        ("unknown model", "post", chat, bearer, json.dumps({**body, "model": "gpt-9"}), 403),
        ("disallowed endpoint", "post", gateway.openai_base() + "/embeddings", bearer,
         json.dumps({"model": "gpt-4o-mini", "input": "x"}), 403),
        ("wrong provider prefix", "post", gateway.url + "/groq/v1/chat/completions", bearer,
         json.dumps(body), 403),
        ("unknown prefix", "post", gateway.url + "/nope/v1/chat/completions", bearer,
         json.dumps(body), 404),
        ("foreign Origin", "post", chat, {**bearer, "origin": "https://evil.example"},
         json.dumps(body), 403),
        ("token for another provider", "post", chat,
         {"authorization": f"Bearer {anthropic_grant['token']}"}, json.dumps(body), 403),
        ("unknown token", "post", chat,
         {"authorization": "Bearer till_sk_" + "A" * 39}, json.dumps(body), 401),
    ]
    for name, method, url, headers, content, status in cases:
        code, text = _send(method, url, {"content-type": "application/json", **headers}, content)
        assert code == status, (name, code, text)
        error = json.loads(text)["error"]
        assert error["message"] and error["type"], (name, error)
        assert REAL_OPENAI not in text and REAL_ANTHROPIC not in text
    # A 20 MiB body is refused from its Content-Length, before it is sent.
    code, text = _announce_body(chat, bearer, 20 * 1024 * 1024)
    assert code == 413, text
    assert json.loads(text)["error"]["type"]
    assert fake.seen()["seen"] == [], "nothing was forwarded"
    gateway.stop()
    logged = gateway.stderr.decode()
    assert "secret prompt" not in logged and REAL_OPENAI not in logged
    assert openai_grant["token"] not in logged


def _send(method, url, headers, content):
    """One raw request; returns (status, body text), errors included."""
    data = content.encode() if isinstance(content, str) else content
    request = urllib.request.Request(url, data=data, headers=headers, method=method.upper())
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def _announce_body(url, headers, length):
    """Sends only the headers of a request whose body would be `length` bytes."""
    parsed = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=30)
    connection.putrequest("POST", parsed.path)
    for name, value in {**headers, "content-type": "application/json"}.items():
        connection.putheader(name, value)
    connection.putheader("content-length", str(length))
    connection.endheaders()
    response = connection.getresponse()
    try:
        return response.status, response.read().decode()
    finally:
        connection.close()


def test_the_gateway_refuses_to_start_twice_and_stops_cleanly_on_sigterm(home, fake, gateway):
    second = subprocess.run(
        [str(TILL), "--password-stdin", "gateway", "--port", "0"],
        input=b"correct horse battery staple\n",
        capture_output=True,
        env=home.env,
        timeout=30,
    )
    assert second.returncode != 0
    assert "already running" in second.stderr.decode()
    assert gateway.stop(signal.SIGTERM) == 0
    assert "stopping" in gateway.stderr.decode()
