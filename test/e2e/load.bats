#!/usr/bin/env bats
# Issue 9: a push refused by the deploy lock once left its record `running` forever on a busy
# machine. builds-record-start lists the new ID in the store's state before it writes the record;
# a reconcile in another process (any trigger or read command of the app) that looked in between
# found no record and dropped the ID from the running list, so nothing ever finished it.
# Here: pushes refused by a held deploy lock while history readers reconcile the same app, both
# cores kept busy by the test, five rounds in a row. Every record must end `failed`.

bats_require_minimum_version 1.5.0
load helpers/host
load helpers/ownstack
load helpers/load

setup_file() {
  ownstack_setup_file
  export APP="$(host_app_name load-push)"
  host_create_app "$APP"
  host_sample_app "$HOST_SANDBOX/src" v1 none
  host_push "$APP" "$HOST_SANDBOX/src" >"$HOST_SANDBOX/push.log" || { cat "$HOST_SANDBOX/push.log" >&3; return 1; }
}

teardown() { load_stop; }
teardown_file() { ownstack_teardown_file; }

history_json() { dokku ownstack:history "$1" --format json --limit 1000 2>/dev/null; }

# One round: PUSHES pushes refused by the lock, READERS readers reconciling meanwhile.
refused_pushes_round() {
  local round="$1" dir="$BATS_TEST_TMPDIR/round-$1" lock="$DOKKU_LIB_ROOT/data/apps/$APP/.deploy.lock" i
  mkdir -p "$dir"
  local before
  before="$(history_json "$APP" | jq 'map(.id) | max')"
  # the test holds the app's deploy lock, as a long deploy would; an fd of its own, released below
  exec {held}>"$lock"
  flock --nonblock "$held" || fail "round $round: could not take the deploy lock"
  local -a pids=()
  for i in 1 2 3 4; do
    host_git "$HOST_SANDBOX/src" commit -q --allow-empty -m "round $round push $i"
    host_push "$APP" "$HOST_SANDBOX/src" "HEAD" >"$dir/push-$i.out" 2>&1 &
    pids+=($!)
  done
  for i in 1 2 3 4 5 6; do
    (for _ in 1 2 3 4 5; do dokku ownstack:history "$APP" >/dev/null 2>&1; done) &
    pids+=($!)
  done
  local pid code refused=0
  for pid in "${pids[@]}"; do wait "$pid" || true; done
  flock --unlock "$held"
  exec {held}>&-
  for i in 1 2 3 4; do
    grep -q "has a deploy lock in place" "$dir/push-$i.out" && refused=$((refused + 1))
  done
  [[ "$refused" == 4 ]] || fail "round $round: $refused of 4 pushes were refused by the lock: $(tail -n 3 "$dir"/push-*.out)"
  # no process of those pushes is alive now: every record they made must read as final
  local running
  running="$(history_json "$APP" | jq -r --argjson b "$before" '.[] | select(.id > $b and .status == "running") | "v\(.id) \(.kind) \(.phase)"')"
  [[ -z "$running" ]] || fail "round $round: records left running: $running"
  assert_equal "$(history_json "$APP" | jq --argjson b "$before" '[.[] | select(.id > $b)] | map(.status) | unique | join(",")')" '"failed"'
  assert_equal "$(history_json "$APP" | jq --argjson b "$before" '[.[] | select(.id > $b)] | length')" 4
}

@test "pushes refused by the deploy lock never stay running, both cores busy, five rounds in a row" {
  load_start 600
  local round
  for round in 1 2 3 4 5; do refused_pushes_round "$round"; done
  load_stop
  # and the app still serves its one good release
  run app_http "$APP"
  assert_output "sample v1 greeting=none"
}
