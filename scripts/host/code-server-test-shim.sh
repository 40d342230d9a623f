#!/usr/bin/env bash
# A stand-in "VS Code executable" for @vscode/test-electron:
#
#   runTests({ vscodeExecutablePath: '<repo>/scripts/host/code-server-test-shim.sh', … })
#
# test-electron starts it with a VS Code command line (--extensionDevelopmentPath=…,
# --extensionTestsPath=…, the folder to open, and flags such as --no-sandbox or --user-data-dir=…).
# code-server-test-shim.ts reads the two paths and the folder, ignores the rest, runs the tests in
# the cached code-server (scripts/host/setup.sh) through headless Chromium, prints their output and
# exits with their exit code. Env: see code-server-test-shim.ts.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
# tsx is resolved from the repository; relative paths on the command line stay relative to the caller.
export QED_SHIM_CWD="$PWD"
cd "$ROOT"
exec node --import tsx "$HERE/code-server-test-shim.ts" "$@"
