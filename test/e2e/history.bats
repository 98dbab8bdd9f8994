#!/usr/bin/env bats
# Issue 3, the release history, end to end on the Dokku test host with real containers:
# every deploy attempt is recorded through the triggers that fire, failures are found without a
# failure trigger (finalize exit codes, dead processes), logs outlive Dokku's 20 builds, and the
# history follows the app through apps:rename and apps:destroy.

bats_require_minimum_version 1.5.0
load helpers/host
load helpers/ownstack

setup_file() {
  ownstack_setup_file
  export APP="$(host_app_name hist-main)" SRC="$HOST_SANDBOX/src"
  host_sample_app "$SRC" v1
  host_create_app "$APP"
}

teardown_file() {
  ownstack_teardown_file
}

# The JSON history, one field of one release: history_field APP ID JQ-EXPR
history_field() { dokku ownstack:history "$1" --format json --limit 1000 | jq -r --argjson id "$2" ".[] | select(.id == \$id) | $3"; }
release_count() { dokku ownstack:history "$1" --format json --limit 1000 | jq length; }
store_dir() { echo "$DOKKU_LIB_ROOT/data/ownstack/$1"; }

@test "(5) a push records the pushed SHA and WHO from SSH_NAME; the table is Heroku-shaped" {
  NAME=alice run host_push "$APP" "$SRC"
  assert_success
  run history_field "$APP" 1 '[.kind, .status, .git_sha, .who, .builder, .source] | join(" ")'
  assert_output "push succeeded $(host_git "$SRC" rev-parse HEAD) alice dockerfile git-push"
  run dokku ownstack:history "$APP"
  assert_success
  assert_line --index 0 "=====> $APP Releases - Current: v1"
  assert_line --index 1 --regexp '^ID +KIND +SHA +STATUS +WHEN +WHO +DESCRIPTION$'
  assert_line --index 2 --regexp "^v1 +push +$(host_git "$SRC" rev-parse --short=7 HEAD) +succeeded +.+ +alice +Deploy $(host_git "$SRC" rev-parse --short=7 HEAD)$"
  run history_field "$APP" 1 '[.tasks[] | .name + "=" + .status] | join(",")'
  assert_output "predeploy=succeeded,release=succeeded,postdeploy=succeeded,dokku-postdeploy=succeeded"
  # files are private to the dokku user
  run stat -c '%a' "$(store_dir "$APP")" "$(store_dir "$APP")/releases/1.json"
  assert_output $'700\n600'
}

@test "(1) a failing release task: v2 failed at release, its log holds the task output, v1 still serves" {
  sed -i 's|^release:.*|release: /bin/sh -c "echo release-output-of-v2 \&\& exit 1"|' "$SRC/Procfile"
  host_set_version "$SRC" v2
  NAME=alice run host_push "$APP" "$SRC"
  assert_failure
  host_git "$SRC" checkout -q HEAD~1 -- Procfile && host_set_version "$SRC" v3 # for the next tests
  run history_field "$APP" 2 '[.status, .phase, .display_status] | join(" ")'
  assert_output "failed release failed"
  run history_field "$APP" 2 .reason
  assert_output --partial "release task failed"
  run dokku ownstack:deploy-log "$APP" 2
  assert_success
  assert_output --partial "release-output-of-v2"
  run app_http "$APP" /
  assert_output "sample v1 greeting=none"
  run dokku ownstack:history "$APP"
  assert_line --index 0 "=====> $APP Releases - Current: v1"
  assert_line --index 2 --regexp '^v2 +push +[0-9a-f]{7} +failed \(release\) '
}

@test "(2) a Dockerfile build failure: failed at build, the build output in its log" {
  host_break_build "$SRC" "$APP"
  run host_push "$APP" "$SRC"
  assert_failure
  host_git "$SRC" revert --no-edit HEAD >/dev/null
  local id
  id="$(release_count "$APP")"
  run history_field "$APP" "$id" '[.status, .phase] | join(" ")'
  assert_output "failed build"
  run dokku ownstack:deploy-log "$APP" "$id"
  assert_success
  assert_output --partial "build-step-about-to-fail-$APP"
}

@test "(3) a failing health check: failed at deploy, the old container still serves" {
  local before="$(cat "$DOKKU_ROOT/$APP/CONTAINER.web.1")"
  sed -i 's|"path": "/health"|"path": "/no-such-page"|' "$SRC/app.json"
  host_set_version "$SRC" v4
  run host_push "$APP" "$SRC"
  assert_failure
  host_git "$SRC" checkout -q HEAD~1 -- app.json && host_set_version "$SRC" v5
  local id
  id="$(release_count "$APP")"
  run history_field "$APP" "$id" '[.status, .phase] | join(" ")'
  assert_output "failed deploy"
  run app_http "$APP" /
  assert_output "sample v1 greeting=none"
  assert_equal "$(cat "$DOKKU_ROOT/$APP/CONTAINER.web.1")" "$before"
  NAME=alice run host_push "$APP" "$SRC"
  assert_success
}

@test "(4) config:set, ps:rebuild and git:from-image add a record of their kind; ps:restart adds none" {
  local start="$(release_count "$APP")"
  run dokku config:set "$APP" GREETING=hello
  assert_success
  run history_field "$APP" $((start + 1)) '[.kind, .status, .description] | join(" ")'
  assert_output "config succeeded Config change"

  run dokku ps:rebuild "$APP"
  assert_success
  run history_field "$APP" $((start + 2)) '[.kind, .status] | join(" ")'
  assert_output "rebuild succeeded"

  run dokku ps:restart "$APP"
  assert_success
  assert_equal "$(release_count "$APP")" $((start + 2))
  # events are the store's own bookkeeping, not part of the public JSON
  run jq -r '.events | map(.what) | join(",")' "$(store_dir "$APP")/releases/$((start + 2)).json"
  assert_output "restart"

  local image="hist-image-$HOST_TOKEN:1"
  docker image tag "dokku/$APP:latest" "$image" && host_track_image "$image"
  run dokku git:from-image "$APP" "$image"
  assert_success
  run history_field "$APP" $((start + 3)) '[.kind, .status, .description] | join(" ")'
  assert_output "image succeeded Deploy image $image"
  # config values never reach the history
  run grep -r hello "$(store_dir "$APP")/releases"
  assert_failure
}

@test "(9) bad input: one clear line on stderr and a non-zero exit" {
  run dokku ownstack:history no-such-app-$HOST_TOKEN
  assert_failure
  assert_output " !     App no-such-app-$HOST_TOKEN does not exist"
  local name
  for name in '../x' '$(id)' $'a\nb'; do
    run dokku ownstack:history "$name"
    assert_failure
    assert_output --partial "Invalid app name"
    assert_equal "${#lines[@]}" 1
  done
  run dokku ownstack:deploy-log "$APP" abc
  assert_failure
  assert_output --partial 'Invalid release ID "abc"'
  run dokku ownstack:deploy-log "$APP" 9999
  assert_failure
  assert_output " !     Release v9999 of $APP does not exist"
  run dokku ownstack:history "$APP" --limit nope
  assert_failure
  assert_output --partial 'Invalid --limit "nope"'

  # a truncated record is named; every other record still lists
  local file="$(store_dir "$APP")/releases/2.json" saved
  saved="$(cat "$file")"
  head -c 40 <<<"$saved" >"$file"
  run --separate-stderr dokku ownstack:history "$APP" --format json --limit 1000
  assert_success
  assert_equal "$(jq 'map(.id) | index(2)' <<<"$output")" null
  assert_equal "$(jq 'map(.id) | index(1)' <<<"$output")" "$(jq 'map(.id) | length - 1' <<<"$output")"
  [[ "$stderr" == *"$file"* ]]
  printf '%s\n' "$saved" >"$file"
}

@test "(info) the current release, its image and the rollback targets" {
  run dokku ownstack:info "$APP" --format json
  assert_success
  local current="$(jq -r .current.id <<<"$output")"
  assert_equal "$current" "$(release_count "$APP")"
  assert_equal "$(jq -r .current.image_id <<<"$output")" "$(docker container inspect --format '{{.Image}}' "$(cat "$DOKKU_ROOT/$APP/CONTAINER.web.1")")"
  [[ "$(jq -r .rollback_targets <<<"$output")" -ge 1 ]]
  run dokku ownstack:info "$APP"
  assert_line --index 0 "=====> $APP release information"
  assert_line --regexp "^ +Current release: +v$current$"
}

@test "(7) a deploy killed with kill -9 mid-build shows failed with the phase it reached" {
  echo 'RUN sleep 30' >>"$SRC/Dockerfile"
  host_set_version "$SRC" v-slow
  local id=$(($(release_count "$APP") + 1))
  # forced: git:from-image (test 4) replaced the app's branch with a generated commit
  setsid bash -c "git -C '$SRC' push '$DOKKU_ROOT/$APP' +HEAD:refs/heads/main >'$HOST_SANDBOX/slow-push.out' 2>&1" &
  local group=$!
  # wait until Dokku is in the RUN sleep of the build
  SECONDS=0
  until grep -q 'sleep 30' "$HOST_SANDBOX/slow-push.out" 2>/dev/null || ((SECONDS > 30)); do sleep 0.2; done
  run history_field "$APP" "$id" '[.status, .phase] | join(" ")'
  assert_output "running build"
  kill -9 -- "-$group"
  wait "$group" || true
  host_git "$SRC" checkout -q HEAD~1 -- Dockerfile && host_set_version "$SRC" v6
  run history_field "$APP" "$id" '[.status, .phase] | join(" ")'
  assert_output "failed build"
  run history_field "$APP" "$id" .reason
  assert_output --partial "without a result"
  run app_http "$APP" /
  assert_success
}

@test "(8) history survives apps:rename and is gone after apps:destroy" {
  local renamed="$(host_app_name hist-renamed)" count="$(release_count "$APP")"
  run dokku apps:rename "$APP" "$renamed"
  assert_success
  [[ ! -e "$(store_dir "$APP")" ]]
  # the rename's rebuild is one more release of the renamed app
  run history_field "$renamed" 1 '[.app, .kind] | join(" ")'
  assert_output "$renamed push"
  [[ "$(release_count "$renamed")" -gt "$count" ]]
  run dokku apps:destroy "$renamed" --force
  assert_success
  [[ ! -e "$(store_dir "$renamed")" ]]
}

@test "(6) after Dokku pruned a deploy's build log (builds retention), ownstack still has it" {
  local app="$(host_app_name hist-many)" src="$HOST_SANDBOX/many"
  host_sample_app "$src" many none
  host_create_app "$app"
  dokku ownstack:set "$app" retention 30 >/dev/null
  # Dokku keeps 20 builds by default; 3 here, so 5 deploys are enough to see the first pruned
  dokku builds:set "$app" retention 3
  run host_push "$app" "$src"
  assert_success
  local first_build="$(history_field "$app" 1 .build_id)"
  [[ -e "$DOKKU_LIB_ROOT/data/builds/$app/$first_build.log" ]] || fail "no Dokku build log for the push"
  for _ in $(seq 2 5); do dokku plugin:trigger release-and-deploy "$app" >/dev/null 2>&1; done
  assert_equal "$(release_count "$app")" 5
  run history_field "$app" 5 '[.kind, .status] | join(" ")'
  assert_output "deploy succeeded"
  # Dokku has pruned the first build's log by now; ours is still there
  [[ ! -e "$DOKKU_LIB_ROOT/data/builds/$app/$first_build.log" ]]
  run dokku ownstack:deploy-log "$app" 1
  assert_success
  assert_output --partial "Cleaning up..."
  run dokku ownstack:history "$app" --limit 3
  assert_equal "${#lines[@]}" 5 # header, column names, the newest 3
}
