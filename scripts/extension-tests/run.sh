#!/usr/bin/env bash
# Extension tests: mocha inside a real VS Code extension host, through @vscode/test-electron.
#
#   npm run test:extension        # = bash scripts/extension-tests/run.sh
#
# 1. builds the extension (dist/, as `npm run build`) and the tests (out/test/extension/)
# 2. offline route (default): bash scripts/host/setup.sh (cached code-server, Node 24, chromium;
#    seconds when warm), then runTests() with vscodeExecutablePath = scripts/host/code-server-test-shim.sh
#    QED_TEST_ELECTRON=download: test-electron downloads VS Code instead (needs internet); no setup
#    QED_VSCODE_EXECUTABLE=/path: runTests() starts that executable; no setup
# 3. the last line is the summary (N passing, N failing); the exit code is non-zero on failure.
# More: test/extension/README.md.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

log=$(mktemp)
trap 'rm -f "$log"' EXIT
if ! npm run --silent build >"$log" 2>&1; then
  cat "$log" >&2
  echo "extension tests: npm run build failed" >&2
  exit 1
fi
echo "extension tests: extension built (dist/)"
node scripts/extension-tests/build.mjs

if [ "${QED_TEST_ELECTRON:-}" != download ] && [ -z "${QED_VSCODE_EXECUTABLE:-}" ]; then
  bash scripts/host/setup.sh
fi
node out/test/extension/runTest.js
