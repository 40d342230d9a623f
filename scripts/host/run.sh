#!/usr/bin/env bash
# Host (real VS Code) UI tests: installs/refreshes the cached prerequisites, then runs the tests.
#
#   bash scripts/host/run.sh                                  # every test/host/*.ui.ts
#   bash scripts/host/run.sh test/host/run-benchmark.ui.ts    # chosen files
#   npm run test:host
#
# The node:test summary (`ℹ pass N` / `ℹ fail N`) closes the output; the exit code is non-zero
# when a test fails. Screenshots (and failure artefacts) go to test-results/.
# Env: see scripts/host/setup.sh (QED_HOST_CACHE, …) and test/host/README.md (QED_HOST_KEEP, …).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

bash scripts/host/setup.sh

if [ "$#" -gt 0 ]; then
  files=("$@")
else
  shopt -s nullglob
  files=(test/host/*.ui.ts)
  [ "${#files[@]}" -gt 0 ] || { echo "run: no test/host/*.ui.ts files" >&2; exit 1; }
fi
# One file at a time: each starts its own code-server and Chromium (2 cores are enough for one).
exec node --import tsx --test --test-reporter=spec --test-concurrency=1 "${files[@]}"
