#!/usr/bin/env bash
# The whole suite: type-check, build the binary, unit tests (vitest), end-to-end tests (bats on
# the Dokku-compatible test host, real containers). Stops at the first failing stage and ends
# with one plain "N passed, N failed" line over both runners.
set -euo pipefail
cd "$(dirname "$0")/.."
started=$SECONDS
bash scripts/prereqs.sh
results="$(mktemp -d)"
trap 'rm -rf "$results"' EXIT

printf -- '-----> %s\n' "type-check"
node_modules/.bin/tsc -p . --noEmit
node scripts/build.mjs --skip-typecheck

printf -- '-----> %s\n' "unit tests"
node_modules/.bin/vitest run --reporter=default --reporter=json --outputFile.json="$results/unit.json"
unit_passed="$(node -p "require('$results/unit.json').numPassedTests")"
unit_failed="$(node -p "require('$results/unit.json').numFailedTests")"

printf -- '-----> %s\n' "end-to-end tests"
status=0
# Files run side by side (GNU parallel under bats --jobs); the tests of one file stay in order.
# Every file has its own sandbox and token-named apps, so they share the Docker engine safely.
# The slowest files start first so that none is left running alone at the end.
jobs="${OWNSTACK_TEST_JOBS:-3}"
mapfile -t e2e_files < <(ls test/e2e/faults.bats test/e2e/pipelines.bats test/e2e/rollback.bats; ls test/e2e/*.bats | grep -vxF -e test/e2e/faults.bats -e test/e2e/pipelines.bats -e test/e2e/rollback.bats)
node_modules/bats/bin/bats --jobs "$jobs" --no-parallelize-within-files --print-output-on-failure --timing "${e2e_files[@]}" | tee "$results/e2e.tap" || status=$?
e2e_passed="$(grep -c '^ok ' "$results/e2e.tap" || true)"
e2e_failed="$(grep -c '^not ok ' "$results/e2e.tap" || true)"
# bats must have run every test it planned; a file that died early is a failure too.
planned="$(sed -n 's/^1\.\.\([0-9]*\)$/\1/p' "$results/e2e.tap" | head -1)"
((e2e_passed + e2e_failed == ${planned:-0})) || { echo " !     bats planned ${planned:-no} tests but reported $((e2e_passed + e2e_failed))" >&2; status=1; }

echo "unit: $unit_passed passed, $unit_failed failed; end-to-end: $e2e_passed passed, $e2e_failed failed"
elapsed=$((SECONDS - started))
echo "total time: $((elapsed / 60)) min $((elapsed % 60)) s (type-check, build, unit and end-to-end tests)"
echo "$((unit_passed + e2e_passed)) passed, $((unit_failed + e2e_failed)) failed"
exit "$status"
