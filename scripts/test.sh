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
scripts/e2e.sh "$results" | tee "$results/e2e.out" || status=$?
e2e_passed="$(sed -n 's/^e2e: \([0-9]*\) passed, \([0-9]*\) failed.*/\1/p' "$results/e2e.out")"
e2e_failed="$(sed -n 's/^e2e: \([0-9]*\) passed, \([0-9]*\) failed.*/\2/p' "$results/e2e.out")"
[[ -n "$e2e_passed" && -n "$e2e_failed" ]] || { echo " !     the end-to-end runner printed no totals" >&2; status=1; e2e_passed=0 e2e_failed=0; }

echo "unit: $unit_passed passed, $unit_failed failed; end-to-end: $e2e_passed passed, $e2e_failed failed"
elapsed=$((SECONDS - started))
echo "total time: $((elapsed / 60)) min $((elapsed % 60)) s (type-check, build, unit and end-to-end tests)"
echo "$((unit_passed + e2e_passed)) passed, $((unit_failed + e2e_failed)) failed"
exit "$status"
