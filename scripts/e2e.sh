#!/usr/bin/env bash
# The end-to-end files side by side, each file in its own bats run (GNU parallel), so that each
# file's wall time, setup_file and teardown_file included, is known and printed at the end: a slow
# file shows. The tests of one file stay in order. Every file has its own sandbox and token-named
# apps, so the files share the Docker engine safely.
#
#   scripts/e2e.sh RESULTS_DIR [FILE…]     (default: every test/e2e/*.bats)
#
# Each file's output is printed whole when that file ends. Then a table of the files' times, slowest
# first, and one line "e2e: N passed, N failed, N planned". Exit 0 only when every file ran every
# test it planned and none failed.
set -euo pipefail
cd "$(dirname "$0")/.."
results="${1:?usage: scripts/e2e.sh RESULTS_DIR [FILE…]}"
shift
# Three files at once on CI's two cores: four were slower in both tries (2026-12-05: 15 min 19 s
# against 14 min 18 s, and 16 min 41 s against 16 min 4 s), the files then contending for the
# cores and Docker's daemon.
jobs="${OWNSTACK_TEST_JOBS:-3}"
# The Go programs the tests start (the docker CLI, ~10,000 times a run; the second engines of
# stacks and faults, whose re-executions of themselves inherit it; the registry) collect less at
# start-up: see .ci/run, which starts the main engine so too.
export GOGC="${GOGC:-400}"
mkdir -p "$results/e2e"

if (($#)); then
  files=("$@")
else
  # Longest first (by the table of a whole run, slowest first), so that no long file starts late
  # and runs alone at the end while the other jobs idle; files not listed (new ones) start after.
  first=(test/e2e/faults.bats test/e2e/dashboard-app.bats test/e2e/rollback.bats test/e2e/stacks.bats
    test/e2e/upgrade-path.bats test/e2e/pipelines.bats test/e2e/conformance.bats test/e2e/history.bats
    test/e2e/review-apps.bats test/e2e/dashboard.bats test/e2e/hostile-inputs.bats test/e2e/image-deploy.bats
    test/e2e/host-deploys.bats test/e2e/plugin.bats test/e2e/guards.bats test/e2e/config-push.bats
    test/e2e/polish.bats test/e2e/ci-recipe.bats test/e2e/load.bats test/e2e/system-user.bats
    test/e2e/notify.bats test/e2e/upgrade.bats test/e2e/ssh.bats)
  files=()
  for file in "${first[@]}"; do [[ ! -f "$file" ]] || files+=("$file"); done
  mapfile -t rest < <(ls test/e2e/*.bats | grep -vxF "${first[@]/#/-e}")
  files+=("${rest[@]}")
fi

# One file: its TAP into RESULTS/e2e/NAME.tap, its wall time (ms) and exit code into NAME.time.
run_file() {
  local file="$1" results="$2" name started code=0
  name="$(basename "$file" .bats)"
  started="$(date +%s%3N)"
  node_modules/bats/bin/bats --print-output-on-failure --timing "$file" >"$results/e2e/$name.tap" 2>&1 || code=$?
  echo "$(($(date +%s%3N) - started)) $code" >"$results/e2e/$name.time"
  echo "# ---- $file"
  cat "$results/e2e/$name.tap"
}
export -f run_file

status=0
parallel --jobs "$jobs" --group --halt never run_file {} "$results" ::: "${files[@]}" || status=1

passed=0 failed=0 planned=0
table=()
for file in "${files[@]}"; do
  name="$(basename "$file" .bats)"
  tap="$results/e2e/$name.tap"
  if [[ ! -f "$results/e2e/$name.time" ]]; then
    echo " !     $file did not run" >&2
    status=1
    continue
  fi
  read -r ms code <"$results/e2e/$name.time"
  p="$(grep -c '^ok ' "$tap" || true)"
  f="$(grep -c '^not ok ' "$tap" || true)"
  n="$(sed -n 's/^1\.\.\([0-9]*\)$/\1/p' "$tap" | head -1)"
  passed=$((passed + p)) failed=$((failed + f)) planned=$((planned + ${n:-0}))
  # A file that died early, or planned nothing, is a failure too.
  if [[ -z "$n" || "$n" -eq 0 || $((p + f)) -ne "$n" || "$code" -ne 0 ]]; then
    echo " !     $file: planned ${n:-no} tests, $p passed, $f failed, exit $code" >&2
    status=1
  fi
  table+=("$(awk -v ms="$ms" -v n="${n:-0}" -v file="$file" 'BEGIN { printf "%8.1f s  %3d tests  %s", ms / 1000, n, file }')")
done

echo "-----> end-to-end files, wall time each ($jobs side by side), slowest first"
printf '%s\n' "${table[@]}" | sort -rn
echo "e2e: $passed passed, $failed failed, $planned planned"
exit "$status"
