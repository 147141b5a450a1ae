#!/usr/bin/env bash
# The gateway benchmark: direct, Till's gateway and LiteLLM's proxy, one fake provider,
# one load generator (oha), in one run. Installs oha into tools/oha and LiteLLM 1.106.12
# into tools/litellm (pinned; newer releases need packages the registry does not serve),
# builds Till and the fake provider in release mode, and writes artifacts/bench-gateway.json.
set -euo pipefail
source "$(dirname "$0")/../../../scripts/lib/common.sh"
cd "$TILL_ROOT"

OHA_VERSION=1.16.0
LITELLM_VERSION=1.106.12
ensure_rust
ensure_packages libssl-dev pkg-config
if [ ! -x tools/oha/bin/oha ]; then
  say "installing oha $OHA_VERSION into tools/oha (native TLS: it needs a TLS feature to build)"
  cargo install oha --version "$OHA_VERSION" --locked --no-default-features --features native-tls --root tools/oha --quiet
fi
litellm=()
if [ ! -x tools/litellm/bin/litellm ]; then
  say "installing litellm[proxy]==$LITELLM_VERSION into tools/litellm"
  python3 -m venv tools/litellm
  tools/litellm/bin/pip install --quiet --disable-pip-version-check "litellm[proxy]==$LITELLM_VERSION" ||
    say "LiteLLM did not install: the comparison runs without it"
fi
[ -x tools/litellm/bin/litellm ] && litellm=(--litellm tools/litellm/bin/litellm)

cargo build --release --locked -p till-cli -p till-gateway --example fake_upstream
cargo build --release --locked -p till-cli
mkdir -p artifacts
python3 tests/bench/gateway/run.py \
  --till target/release/till \
  --fake target/release/examples/fake_upstream \
  --oha tools/oha/bin/oha \
  "${litellm[@]}" \
  --requests "${TILL_BENCH_REQUESTS:-2000}" \
  --out artifacts/bench-gateway.json
