#!/usr/bin/env bash
# Installs Till's .deb on this machine, checks what it put where, starts the installed app
# at "login" (through the autostart entry the installed `till` writes) to its tray in the
# headless desktop, then removes the package and checks nothing is left behind.
#
#   scripts/lib/package-test.sh PATH/TO/till_VERSION_ARCH.deb
#
# Needs root (or sudo) for apt-get and dpkg. Refuses to run over an installed Till, which
# it would otherwise remove.
set -euo pipefail
source "$(dirname "$0")/common.sh"
deb=$(realpath "${1:?usage: package-test.sh PATH/TO/PACKAGE.deb}")
name=$(dpkg-deb -f "$deb" Package)
version=$(dpkg-deb -f "$deb" Version)

if dpkg-query -W -f='${db:Status-Status}' "$name" 2>/dev/null | grep -q installed; then
  die "$name is already installed here: remove it first (dpkg -r $name); this test would"
fi

say "installing $(basename "$deb") with apt-get (its dependencies come from the archive)"
as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
  "$deb" >/dev/null
installed=$(dpkg -L "$name")
removed=0
remove() {
  [ "$removed" = 1 ] && return 0
  removed=1
  as_root dpkg -r "$name" >/dev/null
}
trap remove EXIT

check() { "$@" || die "package check failed: $*"; }
has() { printf '%s\n' "$installed" | grep -qx "$1" || die "the package lacks $1"; }

say "checking the installed files"
[ "$(/usr/bin/till --version)" = "till $version" ] ||
  die "/usr/bin/till --version said '$(/usr/bin/till --version)', expected 'till $version'"
has /usr/bin/till-desktop
has /usr/bin/till
has /usr/share/man/man1/till.1.gz
has /usr/share/bash-completion/completions/till
has /usr/share/zsh/vendor-completions/_till
has /usr/share/fish/vendor_completions.d/till.fish
for size in 16 24 32 48 64 128 256 512; do
  has "/usr/share/icons/hicolor/${size}x${size}/apps/till-desktop.png"
done
has /usr/share/icons/hicolor/scalable/apps/till-desktop.svg
entry=$(printf '%s\n' "$installed" | grep '^/usr/share/applications/.*\.desktop$')
check grep -qx 'Categories=Utility;Security;' "$entry"
check grep -qx 'StartupWMClass=till-desktop' "$entry"
check grep -qx 'Exec=till-desktop --open' "$entry"
if command -v desktop-file-validate >/dev/null 2>&1; then
  check desktop-file-validate "$entry"
fi
check sh -c "zcat /usr/share/man/man1/till.1.gz | grep -q '^.TH till 1'"
check sh -c "bash -c 'source /usr/share/bash-completion/completions/till && complete -p till' >/dev/null"
dpkg-deb -f "$deb" Depends | grep -q -- '-dev\b' && die "a -dev package is among the dependencies"

say "starting the installed Till at login (its autostart entry) to the tray"
"$(dirname "$0")/desktop-session.sh" bash -euo pipefail -c '
  export TILL_HOME="$TMPDIR/till-home"
  mkdir -p "$TILL_HOME"
  /usr/bin/till autostart enable
  entry="$XDG_CONFIG_HOME/autostart/till.desktop"
  grep -qx "Exec=env TILL_HOME=$TILL_HOME /usr/bin/till-desktop --hidden" "$entry" ||
    { echo "unexpected autostart entry:"; cat "$entry"; exit 1; } >&2
  gio launch "$entry"
  for _ in $(seq 300); do
    item=$(python3 -c "import json,sys
for line in open(sys.argv[1]):
    e = json.loads(line)
    if e[\"event\"] == \"registered\": print(e[\"item\"])" "$TILL_SNI_RECORD" | tail -n1)
    [ -n "$item" ] && break
    sleep 0.1
  done
  [ -n "$item" ] || { echo "the installed Till did not reach the tray" >&2; exit 1; }
  pid=$(/usr/bin/python3 "$TILL_ROOT/tests/support/sni.py" props "$item" |
    python3 -c "import json,sys; print(json.load(sys.stdin)[\"Pid\"])")
  exe=$(readlink "/proc/$pid/exe")
  [ "$exe" = /usr/bin/till-desktop ] || { echo "the tray item is $exe, not the package" >&2; exit 1; }
  echo "package-test: /usr/bin/till-desktop (pid $pid) is in the tray"
  kill "$pid"
  for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
'

say "removing $name with dpkg -r"
remove
status=$(dpkg-query -W -f='${db:Status-Status}' "$name" 2>/dev/null || true)
[ -z "$status" ] || [ "$status" = not-installed ] ||
  die "dpkg still knows $name as '$status' after dpkg -r"
left=$(printf '%s\n' "$installed" | while IFS= read -r path; do
  [ -f "$path" ] || [ -L "$path" ] && printf '%s\n' "$path"
done || true)
[ -z "$left" ] || die "left behind after dpkg -r: $left"
say "the package installed, ran to the tray and left nothing behind"
