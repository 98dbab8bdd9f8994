#!/usr/bin/env bats
# What an integrator and an operator meet after the first afternoon: the exact key sets of every
# `--format json` output (docs/json.md), WHO for an ssh key, a root command and a command run
# through sudo, and ownstack:purge (Dokku's confirmation, the deploy lock, what it removes).
# Tests run in order and share the apps.

load helpers/host
load helpers/ownstack
bats_require_minimum_version 1.5.0

WHO_USER=ownstack-who
SUDOERS=/etc/sudoers.d/ownstack-test-who

setup_file() {
  id "$WHO_USER" >/dev/null 2>&1 || useradd --user-group --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$WHO_USER"
  # The user may run anything as root, keeping the environment (the sandbox lives in it), as an
  # admin's sudoers entry allows on a real host.
  echo "$WHO_USER ALL=(ALL:ALL) NOPASSWD:SETENV: ALL" >"$SUDOERS" && chmod 0440 "$SUDOERS"
  ownstack_setup_file
  export APP="$(host_app_name po-app)" STG="$(host_app_name po-stg)" GONE="$(host_app_name po-gone)" SRC="$HOST_SANDBOX/src"
  host_sample_app "$SRC" v1 release
  host_create_app "$APP"
  host_create_app "$STG"
  dokku pipeline:create "$APP" --name "po-$HOST_TOKEN" >/dev/null
  dokku pipeline:add-staging "$APP" "$STG" >/dev/null
}

teardown_file() {
  rm -f "$SUDOERS"
  ownstack_teardown_file
}

store() { echo "$DOKKU_LIB_ROOT/data/ownstack/$1"; }
newest() { dokku ownstack:history "$1" --format json --limit 1 | jq -r ".[0] | $2"; }
holders() { docker container ls -a --filter "label=com.ownstack.app=$1" --format '{{.Names}}' | sort; }
image_exists() { docker image inspect "$1" >/dev/null 2>&1; }
fingerprint() { (cd "$1" && find . -printf '%p %M %s %T@\n' | sort && find . -type f -exec sha256sum {} + | sort); }

# A command as a root caller with no sudo and no login session behind it, whatever runs the tests.
as_root() { env -u SUDO_USER -u SSH_USER -u SSH_NAME -u NAME bash -c 'echo 0 >/proc/self/loginuid && exec "$@"' as_root "$@"; }
# A command as WHO_USER typing `sudo`, with the sandbox's environment.
as_sudo() {
  (cd / && env -u SUDO_USER -u SSH_USER -u SSH_NAME -u NAME setpriv --reuid="$WHO_USER" --regid="$WHO_USER" --init-groups \
    sudo -E env PATH="$PATH" "$@")
}

@test "WHO: a push over ssh with a named key records the key's name" {
  # sshcommand's forced command sets NAME (ssh-keys:add NAME); Dokku makes it SSH_NAME
  run env -u SUDO_USER NAME=ci-laptop SSH_USER=dokku bash -c 'source "$1"; host_push "$2" "$3"' _ "$BATS_TEST_DIRNAME/helpers/host.bash" "$STG" "$SRC"
  assert_success
  assert_equal "$(newest "$STG" '.who + " " + .status')" "ci-laptop succeeded"
}

@test "WHO: a root command records root (local), not Dokku's 'default'" {
  as_root dokku pipeline:promote "$STG" >/dev/null
  assert_equal "$(newest "$APP" '.who + " " + .kind')" "root (local) promote"
  host_set_version "$SRC" v2
  run env NAME=ci-laptop bash -c 'source "$1"; host_push "$2" "$3"' _ "$BATS_TEST_DIRNAME/helpers/host.bash" "$STG" "$SRC"
  assert_success
  as_root dokku pipeline:promote "$STG" >/dev/null
  as_root dokku ownstack:rollback "$APP" >/dev/null 2>&1
  assert_equal "$(newest "$APP" '.who + " " + .kind')" "root (local) rollback"
}

@test "WHO: a command run through sudo records the user who typed sudo" {
  as_sudo dokku ownstack:rollback "$APP" 2 >/dev/null 2>&1
  assert_equal "$(newest "$APP" '.who + " " + .kind + " " + (.rollback_of | tostring)')" "$WHO_USER (sudo) rollback 2"

  # Real Dokku re-runs a root caller as its system user through `sudo -u dokku -E`, which sets
  # SUDO_USER to root: then the session's login user (kept by sudo) names the person.
  bash -c 'echo "$1" >/proc/self/loginuid && shift && exec "$@"' _ "$(id -u "$WHO_USER")" \
    bash -c "$(declare -f as_sudo); WHO_USER=$WHO_USER; as_sudo sudo -E -u root env PATH=\"\$PATH\" dokku ownstack:rollback $APP 3" >/dev/null 2>&1
  assert_equal "$(newest "$APP" '.who + " " + (.rollback_of | tostring)')" "$WHO_USER (login) 3"

  run dokku ownstack:history "$APP"
  assert_line --regexp "^v3 +rollback .* root \(local\) +Rollback to v1$"
  assert_line --regexp "^v4 +rollback .* $WHO_USER \(sudo\) +Rollback to v2$"
}

@test "JSON: every output has exactly its documented keys" {
  local release='["app","approval","build_id","builder","config_keys","current","description","display_status","expired","finished_at","forced","git_sha","id","image_digest","image_id","kind","phase","promoted_from","reason","rollback_of","source","source_metadata","started_at","status","tasks","who"]'
  run dokku ownstack:history "$APP" --format json
  assert_success
  assert_equal "$(jq -c 'map(keys) | unique' <<<"$output")" "[$release]"
  assert_equal "$(jq -c '[.[].tasks[] | keys] | unique' <<<"$output")" '[["command","exit_code","name","status"]]'
  assert_equal "$(jq -c '[.[].promoted_from | select(. != null) | keys] | unique' <<<"$output")" '[["app","host","id"]]'
  # a rollback's history never shows process bookkeeping or paths inside the store
  refute_output --partial '"pid"'
  refute_output --partial '"log"'
  refute_output --partial '"retained_by"'
  refute_output --partial 'schema_version'

  run dokku ownstack:info "$APP" --format json
  assert_success
  assert_equal "$(jq -c 'keys' <<<"$output")" '["app","current","last_notification","pipeline","rollback_targets","stage"]'
  assert_equal "$(jq -c '.current | keys' <<<"$output")" "$release"
  assert_equal "$(jq -c '[.current.current, .current.expired, .current.display_status]' <<<"$output")" '[true,false,"succeeded"]'

  local pipeline='["created_at","name","settings","stages"]' stages='["development","production","review","staging"]'
  run dokku pipeline:info "$APP" --format json
  assert_success
  assert_equal "$(jq -c 'keys' <<<"$output")" '["apps","created_at","name","settings","stages"]'
  assert_equal "$(jq -c '.apps | map(keys) | unique' <<<"$output")" '[["app","current","error","reachable","stack","stage"]]'
  assert_equal "$(jq -c '.stages | keys' <<<"$output")" "$stages"
  run dokku pipeline:list --format json
  assert_success
  assert_equal "$(jq -c 'map(keys) | unique' <<<"$output")" "[$pipeline]"
  assert_equal "$(jq -c 'map(.stages | keys) | unique' <<<"$output")" "[$stages]"

  local app_report='["computed-github-branch","computed-github-webhook-secret","computed-lock-wait","computed-notify-format","computed-notify-secret","computed-notify-timeout","computed-notify-url","computed-retention","github-branch","github-webhook-secret","global-dashboard-ssh-host","global-dashboard-url","global-lock-wait","global-notify-format","global-notify-secret","global-notify-timeout","global-notify-url","global-retention","lock-wait","notify-format","notify-secret","notify-timeout","notify-url","retention"]'
  run dokku ownstack:report "$APP" --format json
  assert_success
  assert_equal "$(jq -c 'keys' <<<"$output")" "$app_report"
  run dokku ownstack:report --global --format json
  assert_equal "$(jq -c 'keys' <<<"$output")" '["global-dashboard-ssh-host","global-dashboard-url","global-lock-wait","global-notify-format","global-notify-secret","global-notify-timeout","global-notify-url","global-retention"]'
  run dokku ownstack:report --format json
  assert_equal "$(jq -c '[.[] | keys] | unique' <<<"$output")" "[$app_report]"
  assert_equal "$(jq -c --arg app "$APP" 'has($app)' <<<"$output")" true
}

# ---- ownstack:purge --------------------------------------------------------------------------

@test "purge asks as apps:destroy does, and a wrong answer changes nothing" {
  local before err="$BATS_TEST_TMPDIR/err" code=0
  before="$(fingerprint "$(store "$APP")"; holders "$APP")"
  echo "not-the-app" | dokku ownstack:purge "$APP" >/dev/null 2>"$err" || code=$?
  [[ "$code" -ne 0 ]] || fail "purge without confirmation succeeded"
  assert_equal "$(cat "$err")" " !     WARNING: Potentially Destructive Action
 !     This command will remove the release history of $APP and the images kept for its rollbacks.
 !     To proceed, type \"$APP\"
 !     Confirmation did not match $APP. Aborted."
  dokku ownstack:purge "$APP" </dev/null >/dev/null 2>&1 && fail "purge with no answer succeeded"
  assert_equal "$(fingerprint "$(store "$APP")"; holders "$APP")" "$before"
}

@test "purge is refused while a deploy holds the app's lock" {
  local lock="$DOKKU_LIB_ROOT/data/apps/$APP/.deploy.lock" fifo="$BATS_TEST_TMPDIR/held" holder before
  mkfifo "$fifo"
  # a deploy's lock, as Dokku takes it: flock(1) on .deploy.lock, held until the holder exits
  flock "$lock" sh -c 'echo $$ >"$0"; exec sleep 600' "$fifo" &
  read -r holder <"$fifo"
  before="$(fingerprint "$(store "$APP")"; holders "$APP")"
  run --separate-stderr dokku ownstack:purge "$APP" --force
  kill "$holder"
  wait
  assert_failure
  assert_equal "$stderr" "!     App $APP is being deployed (a deploy holds its lock); run ownstack:purge again when it has finished"
  assert_equal "$(fingerprint "$(store "$APP")"; holders "$APP")" "$before"
}

@test "purge removes the store and the holders, and the retained images nothing else uses" {
  local serving image kept=() held=() in_use=0
  # the containers the deploys replaced, stopped and waiting for retirement, are gone as Dokku's
  # retire removes them once wait-to-retire is over (an image they use is in use until then)
  docker container ls -aq --filter "label=com.dokku.app-name=$APP" --filter status=exited | xargs -r docker container rm >/dev/null
  serving="$(docker container inspect --format '{{.Image}}' "$(cat "$DOKKU_ROOT/$APP/CONTAINER.web.1")")"
  # what must stay: the image that serves, and the images it was built from
  kept=("$serving") image="$serving"
  while image="$(docker image inspect --format '{{.Parent}}' "$image")" && [[ -n "$image" ]]; do kept+=("$image"); done
  mapfile -t held < <(docker container ls -a --filter "label=com.ownstack.app=$APP" --format '{{.Label "com.ownstack.image"}}' | sort -u)
  [[ "${#held[@]}" -ge 3 ]] || fail "expected at least three held images, found ${#held[@]}"
  for image in "${held[@]}"; do printf '%s\n' "${kept[@]}" | grep -qxF "$image" && in_use=$((in_use + 1)); done
  run bash -c "echo '$APP' | dokku ownstack:purge '$APP'"
  assert_success
  assert_line "-----> Removed 1 release history, ${#held[@]} image holders and $((${#held[@]} - in_use)) retained images ($in_use still in use, left alone)"
  assert [ ! -e "$(store "$APP")" ]
  assert_equal "$(holders "$APP")" ""
  image_exists "$serving" || fail "the serving image $serving was removed"
  for image in "${held[@]}"; do
    if printf '%s\n' "${kept[@]}" | grep -qxF "$image"; then continue; fi
    ! image_exists "$image" || fail "retained image $image is still there"
  done
  # the app still serves, and keeps its pipeline; a second purge finds nothing
  run app_http "$APP" /
  assert_output --partial "sample v"
  run dokku pipeline:info "$APP" --format json
  assert_success
  run dokku ownstack:purge "$APP" --force
  assert_success
  assert_output "-----> ownstack keeps nothing for $APP"
}

@test "purge of an app destroyed while the plugin was away, and purge --all" {
  # a store and a holder left by an app that no longer exists (destroyed without our post-delete)
  cp -a "$(store "$STG")" "$(store "$GONE")"
  docker container create --name "ownstack-retain.$GONE.v9" --label "com.ownstack.app=$GONE" --label com.ownstack.release=9 \
    --label "com.ownstack.image=$(docker image inspect --format '{{.Id}}' dokku-test/busybox:latest)" dokku-test/busybox:latest >/dev/null
  dokku ownstack:set "$STG" retention 3 >/dev/null
  run dokku ownstack:purge "$GONE" --force
  assert_success
  assert_output --partial "Removed 1 release history, 1 image holder and 0 retained images (1 still in use, left alone)"
  assert_equal "$(holders "$GONE")" ""
  assert [ ! -e "$(store "$GONE")" ]

  run --separate-stderr dokku ownstack:purge "$STG" --all --force
  assert_failure
  local count
  count="$(holders "$STG" | grep -c .)"
  run dokku --force ownstack:purge --all
  assert_success
  assert_output --partial "Removed 1 release history, $count image holders"
  assert_equal "$(holders "$STG")" ""
  assert_equal "$(ls -A "$DOKKU_LIB_ROOT/data/ownstack")" ""
  assert_equal "$(ls -A "$DOKKU_LIB_ROOT/config/ownstack")" ""
  run dokku pipeline:list --format json
  assert_output "[]"
  # the plugin goes on working: the next deploy starts a new history
  host_set_version "$SRC" v3
  run host_push "$STG" "$SRC"
  assert_success
  assert_equal "$(newest "$STG" '.id | tostring')" 1
}
