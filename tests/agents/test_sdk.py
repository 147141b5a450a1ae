"""The official `openai` and `anthropic` SDKs as clients of Till's gateway.

The SDKs get only the base URL and a `till_sk_` token; the fake provider behind the
gateway must see the real key, and the usage Till records must equal what the provider
reported, streaming or not.
"""

import anthropic
import openai

from conftest import REAL_ANTHROPIC, REAL_OPENAI


def _no_real_key(*texts):
    for text in texts:
        assert REAL_OPENAI not in text and REAL_ANTHROPIC not in text


def test_openai_sdk_streaming_and_not_reaches_the_provider_with_the_real_key(home, fake, gateway):
    minted = home.mint("OpenAI prod", "--models", "gpt-4o-mini", "--max-calls", "10")
    assert minted["token"].startswith("till_sk_")
    assert minted["base_url"] == gateway.openai_base()
    client = openai.OpenAI(base_url=minted["base_url"], api_key=minted["token"], max_retries=0)

    reply = client.chat.completions.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": "hi"}], max_tokens=16
    )
    assert reply.choices[0].message.content == "Hello"
    assert (reply.usage.prompt_tokens, reply.usage.completion_tokens) == (20, 16)

    chunks = list(
        client.chat.completions.create(
            model="gpt-4o-mini",
            messages=[{"role": "user", "content": "hi"}],
            max_tokens=24,
            stream=True,
        )
    )
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == "Hello"
    assert all(c.usage is None for c in chunks), "the usage chunk Till asked for is hidden"

    asked = list(
        client.chat.completions.create(
            model="gpt-4o-mini",
            messages=[{"role": "user", "content": "hi"}],
            max_tokens=8,
            stream=True,
            stream_options={"include_usage": True},
        )
    )
    assert asked[-1].usage.completion_tokens == 8, "a client that asks keeps its usage chunk"

    record = fake.seen()
    assert len(record["seen"]) == 3
    for seen in record["seen"]:
        assert seen["authorization"] == f"Bearer {REAL_OPENAI}"
    assert record["seen"][1]["stream_options"] == {"include_usage": True}

    usage = home.usage(minted["id"])
    assert sorted((u["input_tokens"], u["output_tokens"]) for u in usage) == sorted(
        tuple(r) for r in record["reported"]
    )
    assert not any(u["estimated"] for u in usage)
    grant = home.grants()[minted["id"]]
    assert grant["used"]["calls"] == 3
    assert grant["used"]["output_tokens"] == 16 + 24 + 8
    _no_real_key(reply.model_dump_json(), *(c.model_dump_json() for c in chunks))


def test_anthropic_sdk_streaming_and_not_reaches_the_provider_with_the_real_key(
    home, fake, gateway
):
    minted = home.mint("Anthropic prod", "--models", "claude-haiku-4-5", "--max-usd", "1")
    assert minted["base_url"] == gateway.anthropic_base()
    client = anthropic.Anthropic(
        base_url=minted["base_url"], api_key=minted["token"], max_retries=0
    )

    message = client.messages.create(
        model="claude-haiku-4-5",
        max_tokens=32,
        messages=[{"role": "user", "content": "hi"}],
    )
    assert message.content[0].text == "Hello"

    with client.messages.stream(
        model="claude-haiku-4-5",
        max_tokens=40,
        messages=[{"role": "user", "content": "hi"}],
    ) as stream:
        text = "".join(stream.text_stream)
        final = stream.get_final_message()
    assert text == "Hello"
    assert final.usage.output_tokens == 40

    record = fake.seen()
    assert len(record["seen"]) == 2
    for seen in record["seen"]:
        assert seen["x_api_key"] == REAL_ANTHROPIC
        assert seen["authorization"] is None
    usage = home.usage(minted["id"])
    assert sorted((u["input_tokens"], u["output_tokens"]) for u in usage) == sorted(
        tuple(r) for r in record["reported"]
    )
    grant = home.grants()[minted["id"]]
    assert grant["used"]["micro_usd"] > 0, "priced from the catalog"
    _no_real_key(message.model_dump_json(), final.model_dump_json())
