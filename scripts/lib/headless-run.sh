#!/usr/bin/env bash
# Starts Till on a private Xvfb display (inside dbus-run-session, see scripts/run), opens
# its window, saves a screenshot to artifacts/, and keeps running until Ctrl-C.
set -euo pipefail
source "$(dirname "$0")/common.sh"
app=$1
shift

work=$(mktemp -d "${TMPDIR:-/tmp}/till-headless.XXXXXX")
Xvfb -displayfd 3 -screen 0 1280x800x24 -nolisten tcp 3>"$work/display" 2>"$work/xvfb.log" &
xvfb=$!
trap 'kill "$xvfb" 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 100); do [ -s "$work/display" ] && break; sleep 0.1; done
[ -s "$work/display" ] || die "Xvfb did not start: $(cat "$work/xvfb.log")"
export DISPLAY=":$(head -n1 "$work/display")"
say "Xvfb is up on $DISPLAY; there is no panel here, so Till's tray icon has nowhere to show"

"$app" --open "$@" &
till=$!
trap 'kill "$till" 2>/dev/null || true; kill "$xvfb" 2>/dev/null || true; rm -rf "$work"' EXIT

mkdir -p "$TILL_ROOT/artifacts"
shot="$TILL_ROOT/artifacts/run-screenshot.png"
for _ in $(seq 60); do
  if xwininfo -root -tree 2>/dev/null | grep -q '"Till"'; then break; fi
  kill -0 "$till" 2>/dev/null || die "Till exited early; see the messages above"
  sleep 0.5
done
sleep 2 # let the page render after the window maps
import -window root "$shot"
say "Till is running headless (pid $till). Screenshot of its window: $shot"
say "press Ctrl-C to stop it"
wait "$till"
