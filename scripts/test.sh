#!/usr/bin/env bash
# The whole suite: build the binary, then type-check, unit tests (vitest) and end-to-end tests
# (bats on the Dokku-compatible test host, real containers) side by side. A failed build stops it;
# otherwise every stage runs to its end, each stage's failures are printed, and it ends with one
# plain "N passed, N failed" line over both runners.
#
# Why side by side: the type-check and vitest need no container and left one of the two cores of
# CI idle for most of their ~45 s; beside the end-to-end files (which keep both cores busy on
# their own, waiting on Docker and the network in between) their CPU fills those waits instead.
# Their output is kept and printed after the end-to-end files', so no stage's lines interleave.
set -euo pipefail
cd "$(dirname "$0")/.."
started=$SECONDS
bash scripts/prereqs.sh
results="$(mktemp -d)"
side=()
# on an early exit (a failed build, an interrupt), the side stages stop too
stop_side() {
  local pid
  for pid in "${side[@]}"; do pkill -P "$pid" 2>/dev/null; kill "$pid" 2>/dev/null; done
  true
}
trap 'stop_side; rm -rf "$results"' EXIT

node scripts/build.mjs --skip-typecheck

printf -- '-----> %s\n' "type-check and unit tests, beside the end-to-end tests (their output follows)"
status=0
(
  code=0
  node_modules/.bin/tsc -p . --noEmit >"$results/typecheck.out" 2>&1 || code=$?
  echo "$code" >"$results/typecheck.code"
  exit "$code"
) &
side+=($!)
(
  code=0
  # --no-color: the output is read after the fact, in a log as often as on a terminal
  node_modules/.bin/vitest run --no-color --reporter=default --reporter=json --outputFile.json="$results/unit.json" >"$results/unit.out" 2>&1 || code=$?
  echo "$code" >"$results/unit.code"
  exit "$code"
) &
side+=($!)

printf -- '-----> %s\n' "end-to-end tests"
scripts/e2e.sh "$results" | tee "$results/e2e.out" || status=$?
e2e_passed="$(sed -n 's/^e2e: \([0-9]*\) passed, \([0-9]*\) failed.*/\1/p' "$results/e2e.out")"
e2e_failed="$(sed -n 's/^e2e: \([0-9]*\) passed, \([0-9]*\) failed.*/\2/p' "$results/e2e.out")"
[[ -n "$e2e_passed" && -n "$e2e_failed" ]] || { echo " !     the end-to-end runner printed no totals" >&2; status=1; e2e_passed=0 e2e_failed=0; }

# Both side stages have ended or end now; each prints its own output and decides its own status.
for pid in "${side[@]}"; do wait "$pid" || true; done
side=()
printf -- '-----> %s\n' "type-check"
cat "$results/typecheck.out"
if [[ "$(cat "$results/typecheck.code" 2>/dev/null)" != 0 ]]; then
  echo " !     the type-check failed" >&2
  status=1
fi
printf -- '-----> %s\n' "unit tests"
cat "$results/unit.out"
unit_passed="$(node -p "require('$results/unit.json').numPassedTests" 2>/dev/null)" || unit_passed=""
unit_failed="$(node -p "require('$results/unit.json').numFailedTests" 2>/dev/null)" || unit_failed=""
if [[ -z "$unit_passed" || -z "$unit_failed" ]]; then
  echo " !     vitest wrote no results" >&2
  status=1 unit_passed=0 unit_failed=0
elif [[ "$(cat "$results/unit.code")" != 0 || "$unit_failed" != 0 ]]; then
  status=1
fi

echo "unit: $unit_passed passed, $unit_failed failed; end-to-end: $e2e_passed passed, $e2e_failed failed"
elapsed=$((SECONDS - started))
echo "total time: $((elapsed / 60)) min $((elapsed % 60)) s (build, then type-check, unit and end-to-end tests side by side)"
echo "$((unit_passed + e2e_passed)) passed, $((unit_failed + e2e_failed)) failed"
exit "$status"
