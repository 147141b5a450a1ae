# Shared helpers for scripts/run and scripts/test: messages, stage timing, and installing
# what a fresh Debian/Ubuntu machine is missing. Sourced, not run.

TILL_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
export TILL_ROOT

# System packages, by purpose (names as on Debian 12 / Ubuntu 22.04+).
BUILD_PACKAGES="libwebkit2gtk-4.1-dev libayatana-appindicator3-dev librsvg2-dev libxdo-dev
  libssl-dev build-essential file pkg-config"
HEADLESS_PACKAGES="xvfb xauth dbus dbus-x11 x11-utils imagemagick"
SESSION_PACKAGES="gnome-keyring libsecret-tools keyutils dunst libnotify-bin xclip
  libglib2.0-bin python3-gi xdotool copyq"
E2E_PACKAGES="webkit2gtk-driver"

# Minimum Node.js for Vite 8.
NODE_MIN_MAJOR=20
NODE_MIN_MINOR=19

TAURI_DRIVER_VERSION=2.1.0

say() { printf '\033[1;36mtill:\033[0m %s\n' "$*" >&2; }
die() {
  printf '\033[1;31mtill:\033[0m %s\n' "$*" >&2
  exit 1
}

# Runs a command as root: directly when we are root, through sudo otherwise.
as_root() {
  if [ "$(id -u)" -eq 0 ]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo "$@"
  else
    die "need root to run '$*' but sudo is missing: run this script as root, or install sudo"
  fi
}

# Installs whichever of the given Debian packages are not installed yet.
ensure_packages() {
  local missing=() pkg
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" ||
      missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  command -v apt-get >/dev/null 2>&1 ||
    die "missing packages (${missing[*]}) and no apt-get: install them with your package manager"
  say "installing system packages: ${missing[*]}"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q >/dev/null
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
    "${missing[@]}" >/dev/null
}

node_is_recent() {
  command -v node >/dev/null 2>&1 || return 1
  local version major minor
  version=$(node --version | sed 's/^v//')
  major=${version%%.*}
  minor=$(echo "$version" | cut -d. -f2)
  [ "$major" -gt "$NODE_MIN_MAJOR" ] ||
    { [ "$major" -eq "$NODE_MIN_MAJOR" ] && [ "$minor" -ge "$NODE_MIN_MINOR" ]; }
}

ensure_node() {
  if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    ensure_packages nodejs npm
  fi
  node_is_recent || die "Node.js ${NODE_MIN_MAJOR}.${NODE_MIN_MINOR}+ is needed (found \
$(node --version 2>/dev/null || echo none)); install a current Node.js (e.g. from NodeSource) and rerun"
}

ensure_rust() {
  command -v cargo >/dev/null 2>&1 ||
    die "Rust is not installed: install it with rustup (see https://rustup.rs), then rerun"
}

# npm ci into DIR when its node_modules is missing or older than its lockfile.
ensure_npm_deps() {
  local dir=$1
  if [ ! -f "$dir/node_modules/.package-lock.json" ] ||
    [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
    say "installing npm packages in ${dir#"$TILL_ROOT"/}"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
  fi
}

ensure_tauri_driver() {
  local bin="$TILL_ROOT/tools/bin/tauri-driver"
  if [ ! -x "$bin" ]; then
    say "installing tauri-driver $TAURI_DRIVER_VERSION into tools/"
    cargo install tauri-driver --version "$TAURI_DRIVER_VERSION" --locked \
      --root "$TILL_ROOT/tools" --quiet
  fi
}

# The official provider SDKs (and pytest) the agent-gateway suite drives, pinned, in a venv
# of their own under tools/ (reinstalled only when the pins change).
SDK_PINS="openai==3.57.0 anthropic==2.14.0 pytest==9.2.0"
ensure_sdk_venv() {
  local venv="$TILL_ROOT/tools/sdk"
  if [ "$(cat "$venv/.pins" 2>/dev/null)" != "$SDK_PINS" ]; then
    say "installing $SDK_PINS into tools/sdk"
    rm -rf "$venv"
    python3 -c 'import venv, ensurepip' 2>/dev/null || ensure_packages python3-venv
    python3 -m venv "$venv"
    # shellcheck disable=SC2086 # the pins are separate words
    "$venv/bin/pip" install --quiet --disable-pip-version-check $SDK_PINS
    echo "$SDK_PINS" >"$venv/.pins"
  fi
}

build_ui() {
  (cd "$TILL_ROOT/ui" && npm run --silent build -- --logLevel warn)
}

# What a cold run of the test command needs free, measured on a clean clone: target/ is
# 4.3 GiB without cargo's incremental caches (CI's setting) and 6.4 GiB with them, plus
# tools/ and node_modules/ (0.5 GiB). Running out half-way ends in rustc's "No space left
# on device" minutes later, so a cold run says so up front, with what to do. Only a
# warning: the figures are this project's today, not a limit.
warn_if_disk_is_short() {
  local need_gib=7 free_kib free_gib mount
  [ "${CARGO_INCREMENTAL:-}" = "0" ] && need_gib=5
  [ -d "$TILL_ROOT/target/debug" ] && return 0 # not cold: most of it is written already
  free_kib=$(df -Pk "$TILL_ROOT" 2>/dev/null | awk 'NR == 2 { print $4 }') || return 0
  [[ $free_kib =~ ^[0-9]+$ ]] || return 0
  free_gib=$((free_kib / 1024 / 1024))
  [ "$free_gib" -ge "$need_gib" ] && return 0
  mount=$(df -P "$TILL_ROOT" 2>/dev/null | awk 'NR == 2 { print $NF }') || mount="$TILL_ROOT"
  say "warning: only ${free_gib} GiB free on ${mount}; a cold build and test run needs about" \
    "${need_gib} GiB. If it fails with 'No space left on device', free some space (old" \
    "clones, other target/ folders) and run it again."
}

# Stage timing: `stage NAME` starts one, `stage_summary` prints them all.
STAGE_NAMES=()
STAGE_SECONDS=()
STAGE_STARTED=""
stage() {
  stage_end
  STAGE_NAMES+=("$1")
  STAGE_STARTED=$(date +%s)
  printf '\n\033[1;35m==> %s\033[0m\n' "$1" >&2
}
stage_end() {
  if [ -n "$STAGE_STARTED" ]; then
    local took=$(($(date +%s) - STAGE_STARTED))
    STAGE_SECONDS+=("$took")
    printf '\033[2m    (%s took %ss)\033[0m\n' "${STAGE_NAMES[-1]}" "$took" >&2
    STAGE_STARTED=""
  fi
}
stage_summary() {
  stage_end
  local i total=0
  printf '\nstage times:\n' >&2
  for i in "${!STAGE_NAMES[@]}"; do
    printf '  %5ss  %s\n' "${STAGE_SECONDS[$i]}" "${STAGE_NAMES[$i]}" >&2
    total=$((total + STAGE_SECONDS[i]))
  done
  printf '  %5ss  total\n' "$total" >&2
}
