#!/usr/bin/env bash
# The whole suite: type-check, build the binary, unit tests (vitest), end-to-end tests (bats on
# the Dokku-compatible test host, real containers). Stops at the first failing stage.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/prereqs.sh
printf -- '-----> %s\n' "type-check"
node_modules/.bin/tsc -p . --noEmit
node scripts/build.mjs --skip-typecheck
printf -- '-----> %s\n' "unit tests"
node_modules/.bin/vitest run
printf -- '-----> %s\n' "end-to-end tests"
node_modules/bats/bin/bats --print-output-on-failure --timing test/e2e
