# Helpers for test/e2e/faults.bats: stopping a promotion or a rollback at an exact point with the
# gate of faults-gate.bash, killing it there, and checking what is left.

# The plugin as a release tarball lays it out (binary copied: a concurrent build cannot swap it).
faults_install_ownstack() {
  local repo="$HOST_REPO_ROOT" plugin="$HOST_SANDBOX/ownstack" trigger
  if [[ ! -x "$repo/build/ownstack" ]]; then (cd "$repo" && npm run --silent build >/dev/null); fi
  mkdir -p "$plugin/build"
  cp -a "$repo"/{plugin.toml,commands,subcommands,triggers,relay-functions,note-functions} "$plugin/"
  cp "$repo/build/ownstack" "$plugin/build/ownstack"
  for trigger in "$plugin"/triggers/*; do ln -s "triggers/${trigger##*/}" "$plugin/${trigger##*/}"; done
  dokku plugin:install "$plugin" --name ownstack >/dev/null
}

# Under $GATE_BIN, one directory per tool (gate_bin_of) holding that tool's stand-in alone, which
# stops once where $FAULT_GATE_DIR/rule says. A rule stops at one tool, and only that tool's
# directory goes on PATH: the other tools' calls, a few hundred in a deploy, never start it.
faults_install_gate() {
  export GATE_BIN="$HOST_SANDBOX/gate-bin"
  local tool
  for tool in docker flock curl plugn; do
    mkdir -p "$(gate_bin_of "$tool")"
    ln -sf "$HOST_REPO_ROOT/test/e2e/helpers/faults-gate.bash" "$(gate_bin_of "$tool")/$tool"
  done
  chmod +x "$HOST_REPO_ROOT/test/e2e/helpers/faults-gate.bash"
}

# The directory holding TOOL's stand-in (faults_install_gate makes it).
gate_bin_of() { echo "$GATE_BIN/only-$1"; }

# Polls (0.1 s steps) until the command succeeds; gives up after $2 seconds (default 60).
poll_until() {
  local deadline=$((SECONDS + $1))
  shift
  until "$@"; do
    ((SECONDS < deadline)) || return 1
    sleep 0.1
  done
}

store_dir() { echo "$DOKKU_LIB_ROOT/data/ownstack/$1"; }
deploy_lock() { echo "$DOKKU_LIB_ROOT/data/apps/$1/.deploy.lock"; }
history_json() { dokku ownstack:history "$1" --format json --limit 1000 2>/dev/null; }
newest_id() { history_json "$1" | jq -r 'map(.id) | max // 0'; }
serving_image() { docker container inspect --format '{{.Image}}' "$(cat "$DOKKU_ROOT/$1/CONTAINER.web.1")"; }
# "sample v1 greeting=…" -> v1
served_version() { app_http "$1" | awk '{print $2}'; }

# The lock is free: flock --nonblock gets it, or the file is gone (Dokku deletes it on release).
lock_free() { [[ ! -e "$1" ]] || flock --nonblock "$1" true; }

# One read of APP's history (reconciled, as every read is), and one jq over it, for a test that
# checks several things of the same moment; sets
#   H_JSON     the history (newest first)
#   H_NEWEST   the highest release ID (0 with none)
#   H_CURRENT  the ID the history calls current (0 with none)
#   H_IMAGE    the current release's image ID
#   H_RUNNING  the records with no final status, "v<id> <kind> <phase>" joined by "; "
read_history() {
  H_JSON="$(history_json "$1")" || fail "ownstack:history $1 failed"
  IFS=$'\x1f' read -r H_NEWEST H_CURRENT H_IMAGE H_RUNNING < <(jq -r '[(map(.id) | max // 0),
    (map(select(.current))[0] | (.id // 0), (.image_id // "")),
    ([.[] | select(.status == "running") | "v\(.id) \(.kind) \(.phase)"] | join("; "))] | map(tostring) | join("\u001f")' <<<"$H_JSON")
  [[ "$H_NEWEST" =~ ^[0-9]+$ && "$H_CURRENT" =~ ^[0-9]+$ ]] || fail "ownstack:history $1 did not read as a history: $H_JSON"
}

# Every record of the last read_history has a final status; prints the offenders otherwise.
refute_running_in_history() { [[ -z "$H_RUNNING" ]] || fail "records of $1 left running: $H_RUNNING"; }

# What serves is what the last read_history calls current: HTTP answers with the expected
# version, and the web container runs the current release's image.
assert_serving_is_current() {
  assert_equal "$(served_version "$1")" "$2"
  assert_equal "$H_IMAGE" "$(serving_image "$1")"
}

# Every record has a final status; prints the offenders otherwise.
assert_no_running() {
  read_history "$1"
  refute_running_in_history "$1"
}

# What serves is what the history calls current: the web container runs the current release's
# image, and HTTP answers with the expected version.
assert_history_explains_serving() {
  read_history "$1"
  assert_serving_is_current "$1" "$2"
}

# Arms the gate: arm_gate WHEN BODY TOOL. GATE_WHEN, the body of gate_match (bash, sees GATE_TOOL
# "$@" GATE_FD3 GATE_PARENT), and GATE_RULE_BIN exported: TOOL's stand-in, to put first on PATH of
# the command under test (TOOL, the one tool the rule stops at).
arm_gate() {
  export FAULT_GATE_DIR="$BATS_TEST_TMPDIR/gate"
  rm -rf "$FAULT_GATE_DIR" && mkdir -p "$FAULT_GATE_DIR"
  printf 'GATE_WHEN=%s\ngate_match() {\n%s\n}\n' "$1" "$2" >"$FAULT_GATE_DIR/rule"
  export GATE_RULE_BIN
  GATE_RULE_BIN="$(gate_bin_of "${3:?arm_gate: the tool the rule stops at}")"
  [[ -x "$GATE_RULE_BIN/$3" ]] || fail "arm_gate: no stand-in for '$3' in $GATE_RULE_BIN"
}

# The rule for each kill point. $1 point, $2 app, $3 the command's name (pipeline:promote, ownstack:rollback).
gate_rule_for() {
  local point="$1" app="$2" cmd="$3" store lock
  store="$(store_dir "$app")/.lock" lock="$(deploy_lock "$app")"
  case "$point" in
    # right after flock(1) took the app's deploy lock for the command
    lock) arm_gate after "[[ \$GATE_TOOL == flock && \$GATE_FD3 == '$lock' && \$GATE_PARENT == *'build/ownstack $cmd'* ]]" flock ;;
    # holding the store's lock to create the record: nothing written yet
    create) arm_gate after "[[ \$GATE_TOOL == flock && \$GATE_FD3 == '$store' && \$GATE_PARENT == *'build/ownstack $cmd'* ]]" flock ;;
    # `dokku/<app>:latest` retagged (over Docker's socket, no process to stop at) and the release's
    # Procfile and app.json in place: the command is about to start Dokku's part, which has not run
    tag) arm_gate before "[[ \$GATE_TOOL == plugn && \"\$1 \$2 \$3\" =~ ^trigger\ (release-and-deploy|deploy)\ $app\$ && \$GATE_PARENT == *'build/ownstack $cmd'* ]]" plugn ;;
    # the Procfile release task's container is running; Dokku waits for it
    release) arm_gate before "[[ \$GATE_TOOL == docker && \"\$1 \$2\" == 'container wait' ]] && \"\$real\" container inspect --format '{{json .Config.Cmd}}' \"\$3\" 2>/dev/null | grep -q /app/bin/release" docker ;;
    # the new web container started, its app.json health check about to run
    check) arm_gate before "[[ \$GATE_TOOL == curl && \"\$*\" == *'/health'* ]]" curl ;;
    # traffic switched: scripts.dokku.postdeploy runs, post-deploy (ours) not yet
    switch) arm_gate before "[[ \$GATE_TOOL == docker && \"\$1 \$2\" == 'container wait' ]] && \"\$real\" container inspect --format '{{json .Config.Cmd}}' \"\$3\" 2>/dev/null | grep -q /app/bin/postdeploy" docker ;;
    # Dokku finished; the command holds the store lock to write the outcome into its record
    record) arm_gate after "[[ \$GATE_TOOL == flock && \$GATE_FD3 == '$store' && \$GATE_PARENT == *'build/ownstack $cmd'* ]] && grep -q 'builds-record-finalize argv=\[\"$app\"' '$DOKKU_EVENTS_LOGFILE' && [[ \$(grep -c 'builds-record-finalize argv=\[\"$app\"' '$DOKKU_EVENTS_LOGFILE') -gt \$(cat '$BATS_TEST_TMPDIR/finalize-count') ]]" flock ;;
    *) fail "unknown kill point $point" ;;
  esac
}

# Runs `dokku ARGS…` in its own session with the gate armed, waits until the gate is reached and
# kill -9s it: MODE=process kills the ownstack process only (Dokku's children live on, the gate
# lets them go), MODE=group kills the whole command tree. Waits until the session is empty.
run_and_kill() {
  local mode="$1" cmd="$2" out="$BATS_TEST_TMPDIR/killed.out"
  shift 2
  FAULT_GATE_DIR="$FAULT_GATE_DIR" PATH="$GATE_RULE_BIN:$PATH" setsid dokku "$cmd" "$@" >"$out" 2>&1 &
  local bg=$! sid pid
  if ! poll_until 120 test -e "$FAULT_GATE_DIR/reached"; then
    touch "$FAULT_GATE_DIR/go"
    wait "$bg" || true
    fail "the gate was never reached; output: $(cat "$out")"
  fi
  sid="$(ps -o sid= -p "$bg" | tr -d ' ')"
  [[ -n "$sid" ]] || sid="$bg"
  pid="$(pgrep -s "$sid" -f "build/ownstack $cmd" | head -n1)"
  [[ -n "$pid" ]] || fail "no ownstack $cmd process in session $sid: $(ps -s "$sid" -o pid,args)"
  echo "# killing $mode: ownstack pid $pid at $(cat "$FAULT_GATE_DIR/reached")" >&3
  if [[ "$mode" == group ]]; then
    kill -9 -- "-$sid" 2>/dev/null || true
    pkill -9 -s "$sid" 2>/dev/null || true # descendants that made their own process group
  else
    kill -9 "$pid"
  fi
  touch "$FAULT_GATE_DIR/go"
  wait "$bg" || true
  poll_until 180 bash -c "! pgrep -s $sid >/dev/null" || fail "the killed command's processes did not end: $(ps -s "$sid" -o pid,args)"
  rm -f "$FAULT_GATE_DIR/rule"
}
