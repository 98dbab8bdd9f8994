#!/usr/bin/env bats
# ownstack:rollback and image retention on the Dokku test host, with real containers:
# rollback without a build, the release task and --skip-release, failures that leave the
# current release serving, refusals that change nothing, and retained images that survive
# Dokku's cleanup prune and ps:retire. Tests run in order and share the apps' history.

load helpers/host
load helpers/ownstack
bats_require_minimum_version 1.5.0

setup_file() {
  ownstack_setup_file
  export APP="$(host_app_name rb-main)" SRC="$HOST_SANDBOX/src"
  host_sample_app "$SRC" v1 predeploy,release
  host_create_app "$APP"
  host_push "$APP" "$SRC" >/dev/null
  host_set_version "$SRC" v2 && host_push "$APP" "$SRC" >/dev/null
  host_set_version "$SRC" v3 && host_push "$APP" "$SRC" >/dev/null
}

teardown_file() {
  ownstack_teardown_file
}

store() { echo "$DOKKU_LIB_ROOT/data/ownstack/$1"; }
record() { jq -r "$3" "$(store "$1")/releases/$2.json"; }
newest_id() { jq -r '.next_id - 1' "$(store "$1")/state.json"; }
current_id() { jq -r '.current_id' "$(store "$1")/state.json"; }
release_log() { gzip -dc "$(store "$1")/logs/$2.log.gz"; }
running_image() { docker container inspect --format '{{.Image}}' "$(cat "$DOKKU_ROOT/$1/CONTAINER.web.1")"; }
latest_image() { docker image inspect --format '{{.Id}}' "dokku/$1:latest"; }

# Everything a refused rollback must leave alone: the store, what serves, what latest names.
state_of() {
  (cd "$(store "$1")" && find . -type f ! -name .lock -exec sha256sum {} + | sort)
  running_image "$1"
  latest_image "$1"
  ls "$DOKKU_LIB_ROOT/data/ps/$1" "$DOKKU_LIB_ROOT/data/app-json/$1"
}

# A refusal: non-zero, exactly one line on stderr, matching the pattern, nothing changed.
# (stderr is captured by hand: bats trims the leading space of Dokku's " !     " prefix.)
assert_refused() {
  local app="$1" pattern="$2" before err="$BATS_TEST_TMPDIR/refusal.err" code=0
  shift 2
  before="$(state_of "$app")"
  dokku ownstack:rollback "$@" >/dev/null 2>"$err" || code=$?
  [[ "$code" -ne 0 ]] || fail "ownstack:rollback $* succeeded"
  assert_equal "$(grep -c . "$err")" 1
  [[ "$(cat "$err")" =~ $pattern ]] || fail "stderr '$(cat "$err")' does not match '$pattern'"
  assert_equal "$(state_of "$app")" "$before"
}

# $stderr of `run --separate-stderr`, compared as Dokku printed it (bats trims one leading space).
assert_stderr() { assert_equal "$stderr" "${1# }"; }

@test "rollback deploys the release before the current one, without a build" {
  local mark
  mark="$(events_mark)"
  run --separate-stderr dokku ownstack:rollback "$APP"
  assert_success
  assert_output --partial "Rolling back $APP to v2"
  assert_output --partial "To undo: dokku ownstack:rollback $APP 3"
  assert_stderr " !     Rolling back past v3, whose release task ran: database migrations are not undone"

  run app_http "$APP" /
  assert_output "sample v2 greeting=none"
  assert_equal "$(record "$APP" 4 '[.kind, .status, .rollback_of, .description] | join(" ")')" "rollback succeeded 2 Rollback to v2"
  assert_equal "$(current_id "$APP")" 4
  assert_equal "$(record "$APP" 4 .git_sha)" "$(record "$APP" 2 .git_sha)"

  run events_triggers_since "$mark"
  assert_line release-and-deploy
  refute_line builder-build
  refute_line pre-build
  refute_line post-build
  # the release task ran again, with this release's Procfile
  run release_log "$APP" 4
  assert_output --partial "release-task-ran version=v2"
  assert_output --partial "predeploy-ran version=v2"
  refute [ -e "$DOKKU_LIB_ROOT/data/ps/$APP/Procfile.$DOKKU_PID" ]
}

@test "rollback to an explicit ID, and the printed undo command puts the previous release back" {
  run --separate-stderr dokku ownstack:rollback "$APP" 1
  assert_success
  assert_stderr " !     Rolling back past v2, v3, whose release task ran: database migrations are not undone"
  local undo
  undo="$(sed -n 's/^ *To undo: dokku //p' <<<"$output")"
  run app_http "$APP" /
  assert_output "sample v1 greeting=none"
  assert_equal "$(record "$APP" 5 .rollback_of)" 1

  # run the undo line exactly as printed: it names v4 (itself a rollback to v2)
  assert_equal "$undo" "ownstack:rollback $APP 4"
  read -r -a words <<<"$undo"
  run --separate-stderr dokku "${words[@]}"
  assert_success
  assert_stderr "" # nothing newer than v4 ran a release task of its own code
  run app_http "$APP" /
  assert_output "sample v2 greeting=none"
  assert_equal "$(record "$APP" 6 '[.rollback_of, .status] | join(" ")')" "4 succeeded"
}

@test "--skip-release skips predeploy and the release task" {
  run --separate-stderr dokku ownstack:rollback "$APP" 3 --skip-release
  assert_success
  assert_stderr "" # only rollbacks came after v3: no migration warning
  assert_output --partial "Skipping predeploy and the release task (--skip-release)"
  run app_http "$APP" /
  assert_output "sample v3 greeting=none"
  assert_equal "$(record "$APP" 7 '[.kind, .status, .rollback_of] | join(" ")')" "rollback succeeded 3"
  run release_log "$APP" 7
  refute_output --partial "release-task-ran"
  refute_output --partial "predeploy-ran"
  # the rollbacks without --skip-release ran it
  run release_log "$APP" 6
  assert_output --partial "release-task-ran version=v2"
}

@test "after a rollback, ps:restart and config:set stay on it and a git push deploys normally" {
  run dokku ps:restart "$APP"
  assert_success
  run app_http "$APP" /
  assert_output "sample v3 greeting=none"

  run dokku config:set "$APP" GREETING=hi
  assert_success
  run app_http "$APP" /
  assert_output "sample v3 greeting=hi"
  assert_equal "$(latest_image "$APP")" "$(running_image "$APP")"

  host_set_version "$SRC" v4
  run host_push "$APP" "$SRC"
  assert_success
  run app_http "$APP" /
  assert_output "sample v4 greeting=hi"
  local id
  id="$(newest_id "$APP")"
  assert_equal "$(record "$APP" "$id" '[.kind, .status] | join(" ")')" "push succeeded"
  assert_equal "$(current_id "$APP")" "$id"
}

@test "a rollback whose release task fails leaves the current release serving, and latest on it" {
  run dokku config:set --no-restart "$APP" FAIL_RELEASE=1
  assert_success
  local current serving
  current="$(current_id "$APP")"
  serving="$(running_image "$APP")"

  run --separate-stderr dokku ownstack:rollback "$APP"
  assert_failure
  [[ "$stderr" == *" !     Rollback of $APP to v"*" failed (recorded as v"*"): "*"release task"*"; v$current is still the current release" ]] || fail "stderr: $stderr"

  run app_http "$APP" /
  assert_output "sample v4 greeting=hi"
  assert_equal "$(running_image "$APP")" "$serving"
  assert_equal "$(latest_image "$APP")" "$serving" # trap 1: Dokku left latest on the failed image
  assert_equal "$(current_id "$APP")" "$current"
  local id
  id="$(newest_id "$APP")"
  assert_equal "$(record "$APP" "$id" '[.kind, .status] | join(" ")')" "rollback failed"
  run release_log "$APP" "$id"
  assert_output --partial "release-task-failing"
  # trap 2: no `.<pid>` copies left behind
  run ls "$DOKKU_LIB_ROOT/data/ps/$APP" "$DOKKU_LIB_ROOT/data/app-json/$APP"
  refute_line --regexp '\.[0-9]+(\.missing)?$'

  # and the next restart still deploys what served
  run dokku config:unset "$APP" FAIL_RELEASE
  assert_success
  run app_http "$APP" /
  assert_output "sample v4 greeting=hi"
}

@test "kill -9 mid-rollback: the lock is free, nothing stays running, and a release serves" {
  local before first id="" pid state
  before="$(running_image "$APP")"
  first=$(($(newest_id "$APP") + 1))
  dokku ownstack:rollback "$APP" 7 >"$BATS_TEST_TMPDIR/killed.out" 2>&1 & # v7 serves v3
  # kill it while Dokku releases: once predeploy has started
  for _ in $(seq 1 150); do
    if grep -q "predeploy task" "$BATS_TEST_TMPDIR/killed.out" 2>/dev/null; then
      id="$(newest_id "$APP")"
      break
    fi
    sleep 0.1
  done
  [[ -n "$id" ]] || fail "the rollback did not start: $(cat "$BATS_TEST_TMPDIR/killed.out")"
  assert [ "$id" -ge "$first" ]
  assert_equal "$(record "$APP" "$id" '[.kind, .status] | join(" ")')" "rollback running"
  pid="$(record "$APP" "$id" .pid)"
  assert_equal "$(cat "/proc/$pid/comm")" ownstack
  kill -9 "$pid"

  # the flock died with the process; Dokku's part dies on its next write to the closed pipe
  flock --timeout 30 "$DOKKU_LIB_ROOT/data/apps/$APP/.deploy.lock" true
  for _ in $(seq 1 100); do
    state="$(dokku ownstack:history "$APP" --format json | jq -r --argjson id "$id" '.[] | select(.id == $id) | .status')"
    [[ "$state" != running ]] && break
    sleep 0.3
  done
  run app_http "$APP" /
  if [[ "$state" == succeeded ]]; then
    assert_output "sample v3 greeting=hi"
  else
    assert_equal "$state" failed
    assert_equal "$(running_image "$APP")" "$before"
    assert_output "sample v4 greeting=hi"
  fi

  # the next rollback runs normally and clears what the killed one left behind
  run dokku ownstack:rollback "$APP" 7
  assert_success
  run app_http "$APP" /
  assert_output "sample v3 greeting=hi"
  run ls "$DOKKU_LIB_ROOT/data/ps/$APP" "$DOKKU_LIB_ROOT/data/app-json/$APP"
  refute_line --regexp '\.[0-9]+(\.missing)?$'
}

@test "refusals: one line on stderr, a non-zero exit, and no change" {
  local current failed empty
  current="$(current_id "$APP")"
  failed="$(newest_id "$APP")"
  while [[ "$(record "$APP" "$failed" .status)" != failed ]]; do failed=$((failed - 1)); done

  assert_refused "$APP" "^ !     Release v99 of $APP does not exist$" "$APP" 99
  assert_refused "$APP" "^ !     v$current is the current release of $APP" "$APP" "$current"
  assert_refused "$APP" "^ !     v$failed of $APP failed .*only a succeeded release can be rolled back to$" "$APP" "$failed"
  assert_refused "$APP" '^ !     Invalid release ID "\.\./1"' "$APP" ../1
  assert_refused "$APP" '^ !     Invalid release ID "1;id"' "$APP" '1;id'
  assert_refused "$APP" '^ !     Invalid release ID "\$\(id\)"' "$APP" '$(id)'
  assert_refused "$APP" '^ !     Invalid release ID "v0"' "$APP" v0
  assert_refused "$APP" '^ !     Invalid lock wait "soon"' "$APP" --lock-wait soon
  assert_refused "$APP" "^ !     unknown option '--force-it'" "$APP" --force-it

  empty="$(host_app_name rb-empty)"
  host_create_app "$empty"
  run --separate-stderr dokku ownstack:rollback "$empty"
  assert_failure
  assert_stderr " !     $empty has no releases; there is nothing to roll back to"
  run --separate-stderr dokku ownstack:rollback "rb-nope-$HOST_TOKEN"
  assert_failure
  assert_stderr " !     App rb-nope-$HOST_TOKEN does not exist"

  # a deploy holds Dokku's lock: --lock-wait 0 gives up at once. The test holds it on a descriptor
  # of its own and closes it after, so no process is left holding it (a `flock FILE sleep 60` whose
  # flock is killed leaves its sleep holding the lock, and the next test's rollback waited for it).
  local lockfile="$DOKKU_LIB_ROOT/data/apps/$APP/.deploy.lock" held
  mkdir -p "${lockfile%/*}"
  exec {held}>"$lockfile"
  flock --nonblock "$held" || fail "could not take the deploy lock of $APP"
  assert_refused "$APP" "^ !     App $APP is locked by another deploy; gave up after 0s" "$APP" --lock-wait 0
  exec {held}>&-
  flock --nonblock "$lockfile" true || fail "the deploy lock of $APP is still held after the test let it go"
}

@test "retention keeps the last N succeeded images; older releases expire and are refused with the git way back" {
  local ret src id image
  ret="$(host_app_name rb-ret)" src="$HOST_SANDBOX/src-ret"
  host_sample_app "$src" r1 none
  host_create_app "$ret"
  dokku ownstack:set "$ret" retention 2 >/dev/null
  host_push "$ret" "$src" >/dev/null
  for version in r2 r3 r4 r5; do
    host_set_version "$src" "$version"
    host_push "$ret" "$src" >/dev/null
  done

  for id in 1 2 3; do
    image="$(record "$ret" "$id" .image_id)"
    run docker image inspect "$image"
    assert_failure
    assert_equal "$(record "$ret" "$id" .retained_by)" null
  done
  for id in 4 5; do
    image="$(record "$ret" "$id" .image_id)"
    docker image inspect "$image" >/dev/null
    assert_equal "$(record "$ret" "$id" .retained_by)" "ownstack-retain.$ret.v$id"
  done
  run docker container ls -a --filter "label=com.ownstack.app=$ret" --format '{{.Names}} {{.State}}'
  assert_output "ownstack-retain.$ret.v5 created
ownstack-retain.$ret.v4 created"

  run dokku ownstack:history "$ret"
  assert_success
  assert_line --regexp "^v3 .* expired "
  assert_line --regexp "^v1 .* expired "
  assert_line --regexp "^v4 .* succeeded "

  local sha
  sha="$(record "$ret" 1 .git_sha)"
  assert_refused "$ret" "^ !     v1 of $ret has expired: .*git push -f dokku $sha:main or dokku git:sync --build $ret <repository> $sha$" "$ret" 1
}

@test "retained images survive Dokku's cleanup prune and ps:retire, found by their ID" {
  local ret image
  ret="$(sed -n '/^rb-ret-/p' "$HOST_SANDBOX/apps" | head -n1)"
  image="$(record "$ret" 4 .image_id)"
  run dokku cleanup "$ret"
  assert_success
  run dokku ps:retire "$ret"
  assert_success
  docker image inspect "$image" >/dev/null

  run dokku ownstack:rollback "$ret" 4
  assert_success
  run app_http "$ret" /
  assert_output "sample r4 greeting=none"
  assert_equal "$(record "$ret" 6 '[.kind, .status, .rollback_of] | join(" ")')" "rollback succeeded 4"
}

@test "a rollback answers the triggers of its own deploy in its process; a push starts the binary only where it must act" {
  local binary calls="$BATS_TEST_TMPDIR/binary-calls" id
  binary="$(readlink -f "$PLUGIN_ENABLED_PATH/ownstack")/build/ownstack"
  # every start of the plugin's binary is noted (its first two arguments), then it runs as ever
  mv "$binary" "$binary.real"
  printf '#!/usr/bin/env bash\necho "$1 $2" >>"%s"\nexec "%s" "$@"\n' "$calls" "$binary.real" >"$binary"
  chmod +x "$binary"

  run dokku ownstack:rollback "$APP"
  assert_success
  id="$(newest_id "$APP")"
  # one start, the command's own: Dokku's release-and-deploy fired our triggers...
  assert_equal "$(cat "$calls")" "ownstack:rollback $APP"
  # ...and they were answered: the Dokku build linked, the tasks, the success and the new current
  assert_equal "$(record "$APP" "$id" '[.kind, .status] | join(" ")')" "rollback succeeded"
  assert_equal "$(record "$APP" "$id" '.build_id != null')" true
  assert_equal "$(record "$APP" "$id" '.tasks | map(select(.name == "release")) | .[0].status')" succeeded
  assert_equal "$(current_id "$APP")" "$id"

  : >"$calls"
  host_set_version "$SRC" v5 && host_push "$APP" "$SRC" >/dev/null
  # a push starts the binary once, for post-deploy (the image to hold, the files deployed): its
  # other triggers only note their facts (note-functions), post-release-builder with the files it
  # reads, and the next start records them before anything reads the history
  assert_equal "$(cat "$calls")" "trigger post-deploy"
  id="$(newest_id "$APP")"
  assert_equal "$(record "$APP" "$id" '[.kind, .status, .phase] | join(" ")')" "push succeeded postdeploy"
  # what post-release-builder records: the image the release phase ran, its tasks
  assert_equal "$(record "$APP" "$id" .image_id)" "$(running_image "$APP")"
  assert_equal "$(record "$APP" "$id" '.tasks | map(select(.name == "release")) | .[0].status')" succeeded
  mv "$binary.real" "$binary"
}

@test "ownstack asks docker over its socket in a push and a rollback; under a docker context it runs the CLI, as Dokku does, to the same records" {
  local real bin="$BATS_TEST_TMPDIR/docker-bin" calls="$BATS_TEST_TMPDIR/docker-calls" id socket_host
  real="$(command -v docker)"
  socket_host="$(docker context inspect default --format '{{.Endpoints.docker.Host}}')"
  mkdir -p "$bin"
  # every docker run, with the name of the process that started it (ownstack's binary names itself)
  printf '#!/usr/bin/env bash\necho "$(cat /proc/$PPID/comm) $1 $2" >>"%s"\nexec "%s" "$@"\n' "$calls" "$real" >"$bin/docker"
  chmod +x "$bin/docker"
  # what a release's record must say whichever way docker was reached
  assert_recorded() { # APP ID KIND
    assert_equal "$(record "$1" "$2" '[.kind, .status] | join(" ")')" "$3 succeeded"
    assert_equal "$(current_id "$1")" "$2"
    assert_equal "$(record "$1" "$2" .image_id)" "$(running_image "$1")"
    assert_equal "$(record "$1" "$2" .retained_by)" "$(docker container ls -a --filter "label=com.ownstack.app=$1" --filter "label=com.ownstack.release=$2" --format '{{.Names}}')"
  }

  host_set_version "$SRC" v6
  PATH="$bin:$PATH" host_push "$APP" "$SRC" >/dev/null
  assert_recorded "$APP" "$(newest_id "$APP")" push
  PATH="$bin:$PATH" dokku ownstack:rollback "$APP" >/dev/null
  assert_recorded "$APP" "$(newest_id "$APP")" rollback
  grep -q . "$calls" || fail "the wrapper saw no docker run at all"
  run grep '^ownstack ' "$calls"
  assert_failure # the test host ran docker; ownstack never did

  # a docker context (as `docker context use` would select): ownstack cannot tell where the CLI
  # would go, so it runs the CLI
  export DOCKER_CONFIG="$BATS_TEST_TMPDIR/docker-config"
  docker context create ownstack-cli --docker "host=$socket_host" >/dev/null
  : >"$calls"
  host_set_version "$SRC" v7
  DOCKER_CONTEXT=ownstack-cli PATH="$bin:$PATH" host_push "$APP" "$SRC" >/dev/null
  assert_recorded "$APP" "$(newest_id "$APP")" push
  DOCKER_CONTEXT=ownstack-cli PATH="$bin:$PATH" dokku ownstack:rollback "$APP" >/dev/null
  assert_recorded "$APP" "$(newest_id "$APP")" rollback
  run grep -c '^ownstack container create' "$calls"
  assert_output 2 # the two new releases' holders, made by the CLI
  grep -q '^ownstack image tag' "$calls" || fail "the rollback did not tag through the CLI: $(cat "$calls")"
  unset DOCKER_CONFIG
}
