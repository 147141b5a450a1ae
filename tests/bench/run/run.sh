#!/usr/bin/env bash
# `till run` start-up: time to the command's first instruction, keyring unlock, with a
# running gateway, an in-process one, and a plain key. Release builds, in a private
# desktop session (its own D-Bus and an unlocked gnome-keyring).
set -euo pipefail
source "$(dirname "$0")/../../../scripts/lib/common.sh"
cd "$TILL_ROOT"
ensure_rust
ensure_packages $HEADLESS_PACKAGES $SESSION_PACKAGES
cargo build --release --locked -p till-cli -p till-gateway --example fake_upstream
cargo build --release --locked -p till-cli
mkdir -p artifacts
scripts/lib/desktop-session.sh python3 tests/bench/run/startup.py \
  --till "$TILL_ROOT/target/release/till" \
  --fake "$TILL_ROOT/target/release/examples/fake_upstream" \
  --runs "${TILL_BENCH_RUNS:-15}" \
  --out "$TILL_ROOT/artifacts/bench-run.json"
