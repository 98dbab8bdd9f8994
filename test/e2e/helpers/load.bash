# shellcheck shell=bash
# CPU load made by the test itself, so that a race shows up on an idle machine too:
#   load_start   one busy loop per core, each bounded by `timeout` (it stops by itself)
#   load_stop    ends them (teardown calls it too)

LOAD_PIDS=()

load_start() {
  local seconds="${1:-600}" core
  for core in $(seq 1 "$(nproc)"); do
    timeout "$seconds" sh -c 'while :; do :; done' &
    LOAD_PIDS+=($!)
  done
}

load_stop() {
  ((${#LOAD_PIDS[@]})) || return 0
  kill "${LOAD_PIDS[@]}" 2>/dev/null || true
  wait "${LOAD_PIDS[@]}" 2>/dev/null || true
  LOAD_PIDS=()
}
