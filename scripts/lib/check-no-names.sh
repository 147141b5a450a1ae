#!/usr/bin/env bash
# Fails when a key name the e2e suite uses appears in any of PATH... (files, or
# directories searched recursively): Till's logs and files must carry ids, counts and
# outcomes, never names. The e2e suite runs the same check on its homes as its last test
# (tests/e2e/zz-no-names-in-logs.test.mjs); scripts/test runs this on artifacts/*.log.
#
#   scripts/lib/check-no-names.sh PATH...
set -euo pipefail
here="$(cd "$(dirname "$0")/../.." && pwd)"
[ "$#" -gt 0 ] || { echo "usage: $0 PATH..." >&2; exit 2; }
exec node "$here/tests/e2e/support/no-names.mjs" --names-from "$here/tests/e2e" "$@"
