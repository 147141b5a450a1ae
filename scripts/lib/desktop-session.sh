#!/usr/bin/env bash
# Runs a command inside a private, headless desktop session, as Till's tests need it:
# Xvfb, a private D-Bus session bus, an unlocked gnome-keyring, the dunst notification
# daemon and a StatusNotifierWatcher (tests/support/sni.py) that stands in for a panel.
# Everything it starts lives in a throwaway directory and is stopped on exit.
#
#   scripts/lib/desktop-session.sh COMMAND [ARGS...]
#
# Inside, COMMAND sees DISPLAY, DBUS_SESSION_BUS_ADDRESS, XDG_*_HOME, TMPDIR,
# TILL_SNI_RECORD (the watcher's record of registered tray items, one JSON per line) and
# TILL_DUNST_PICK (the file that tells dunst's context menu which action to pick; see 3.).
set -euo pipefail

if [ "${TILL_IN_DESKTOP_SESSION:-}" != 1 ]; then
  export TILL_IN_DESKTOP_SESSION=1
  # A fresh session keyring and a fresh session bus; both end with the command.
  exec keyctl session - dbus-run-session -- "$0" "$@"
fi

here=$(cd "$(dirname "$0")" && pwd)
root=$(mktemp -d "${TMPDIR:-/tmp}/till-session.XXXXXX")
# No accessibility bus: it would only add noise and D-Bus activations to every test.
export NO_AT_BRIDGE=1
export XDG_DATA_HOME="$root/data" XDG_CONFIG_HOME="$root/config" XDG_CACHE_HOME="$root/cache"
export XDG_STATE_HOME="$root/state" XDG_RUNTIME_DIR="$root/runtime" TMPDIR="$root/tmp"
mkdir -p "$XDG_DATA_HOME" "$XDG_CONFIG_HOME" "$XDG_CACHE_HOME" "$XDG_STATE_HOME" \
  "$XDG_RUNTIME_DIR" "$TMPDIR"
chmod 700 "$XDG_RUNTIME_DIR"

pids=()
cleanup() {
  local pid
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$root"
}
trap cleanup EXIT

wait_for_bus_name() {
  gdbus wait --session --timeout 10 "$1" ||
    { echo "desktop-session: $1 did not appear on the session bus within 10 s" >&2; exit 1; }
}

# 1. X server on a free display number (fixed numbers collide now and then).
Xvfb -displayfd 3 -screen 0 1280x800x24 -nolisten tcp 3>"$root/display" 2>"$root/xvfb.log" &
pids+=($!)
for _ in $(seq 100); do [ -s "$root/display" ] && break; sleep 0.1; done
[ -s "$root/display" ] || { echo "desktop-session: Xvfb did not start" >&2; cat "$root/xvfb.log" >&2; exit 1; }
export DISPLAY=":$(head -n1 "$root/display")"

# 2. Secret Service, unlocked (without --unlock there is no default collection).
printf 'till-session' | gnome-keyring-daemon --unlock --components=secrets >"$root/keyring.env"
wait_for_bus_name org.freedesktop.secrets
keyring_pid=$(gdbus call --session --dest org.freedesktop.DBus --object-path /org/freedesktop/DBus \
  --method org.freedesktop.DBus.GetConnectionUnixProcessID org.freedesktop.secrets |
  tr -dc '0-9 ' | awk '{print $NF}')
[ -n "$keyring_pid" ] && pids+=("$keyring_pid")

# 3. Notification daemon. Its context menu (`dunstctl context`: the actions of every
# displayed notification, one line `#Label (summary) [id,action]` each) goes to a picker in
# place of dmenu. The picker takes the file $TILL_DUNST_PICK (once: it moves it away) and
# answers with the first line for the action on its first line and, if there is a second
# line, for that summary; else, or with no such file, with an empty line. Having taken the
# file, it leaves what it was offered in $TILL_DUNST_PICK.menu and its answer in
# $TILL_DUNST_PICK.chosen, so a test knows when dunst has the answer.
export TILL_DUNST_PICK="$root/dunst-pick"
cat >"$root/dunst-picker" <<'PICKER'
#!/bin/sh
menu=$(cat)
# Always answer a line, even an empty one: on no answer at all dunst forgets the closes that
# the app asked for while the menu was open.
mv "$TILL_DUNST_PICK" "$TILL_DUNST_PICK.taken" 2>/dev/null || { echo; exit 0; }
action=$(sed -n 1p "$TILL_DUNST_PICK.taken")
summary=$(sed -n 2p "$TILL_DUNST_PICK.taken")
chosen=$(printf '%s\n' "$menu" | while IFS= read -r line; do
  [ -n "$action" ] || break
  case $line in *",$action]") ;; *) continue ;; esac
  case $line in *" ($summary) ["*) ;; *) [ -z "$summary" ] || continue ;; esac
  printf '%s\n' "$line"
  break
done)
printf '%s\n' "$chosen"
printf '%s\n' "$menu" >"$TILL_DUNST_PICK.menu"
printf '%s' "$chosen" >"$TILL_DUNST_PICK.chosen.tmp"
mv "$TILL_DUNST_PICK.chosen.tmp" "$TILL_DUNST_PICK.chosen"
PICKER
chmod +x "$root/dunst-picker"
cat >"$root/dunstrc" <<DUNST
[global]
    monitor = 0
    dmenu = $root/dunst-picker
    follow = none
    history_length = 100
    idle_threshold = 0
[urgency_low]
    timeout = 0
[urgency_normal]
    timeout = 0
[urgency_critical]
    timeout = 0
DUNST
dunst -conf "$root/dunstrc" >"$root/dunst.log" 2>&1 &
pids+=($!)
wait_for_bus_name org.freedesktop.Notifications

# 4. A tray host, so the app's StatusNotifierItem has somewhere to register.
export TILL_SNI_RECORD="$root/sni.jsonl"
: >"$TILL_SNI_RECORD"
/usr/bin/python3 "$here/../../tests/support/sni.py" watch "$TILL_SNI_RECORD" &
pids+=($!)
wait_for_bus_name org.kde.StatusNotifierWatcher

echo "desktop-session: DISPLAY=$DISPLAY, D-Bus, gnome-keyring, dunst and a tray watcher are up" >&2
"$@"
