#!/usr/bin/env bats
# The hostile-input corpus (test/fixtures/hostile-inputs.jsonl) through the host's `dokku`, with
# real state behind it: every case must be refused with a non-zero exit and exactly one stderr line,
# and change nothing under DOKKU_LIB_ROOT and no Docker image
# (test/e2e/helpers/run-hostile-inputs.mjs).
#
# The corpus names its apps, so this file uses fixed names that no other test file may use:
#   hx-app   deployed once from the sample app (one succeeded release), production of pipeline hx-pipe
#   hx-free  an app in no pipeline, never deployed
#   hx-none  must not exist
# The image check compares the whole Docker engine's image list, so this file must not run while
# other test files build or remove images (bats runs files one after the other unless --jobs).

bats_require_minimum_version 1.5.0
load helpers/host
load helpers/ownstack

FIXED_APPS=(hx-app hx-free hx-none)

# What a fixed-name app can leave on the Docker engine, including an earlier run that died.
remove_fixed_apps_from_docker() {
  local app ids
  for app in "${FIXED_APPS[@]}"; do
    ids="$(docker container ls -aq --filter "label=com.dokku.app-name=$app"; docker container ls -aq --filter "name=^/$app\."
      docker container ls -aq --filter "name=^/ownstack-retain\.$app\.")"
    [[ -z "${ids//[[:space:]]/}" ]] || docker container rm --force $(sort -u <<<"$ids") >/dev/null 2>&1 || true
    ids="$(docker image ls -q --filter "label=com.dokku.app-name=$app"; docker image ls -q "dokku/$app"; docker image ls -q "dokku/$app-*")"
    [[ -z "${ids//[[:space:]]/}" ]] || docker image rm --force $(sort -u <<<"$ids") >/dev/null 2>&1 || true
  done
}

setup_file() {
  host_setup_file
  remove_fixed_apps_from_docker
  printf '%s\n' "${FIXED_APPS[@]}" >>"$HOST_SANDBOX/apps"
  ownstack_install
  host_create_app hx-app
  host_create_app hx-free
  host_sample_app "$HOST_SANDBOX/src" v1
  host_push hx-app "$HOST_SANDBOX/src" >"$HOST_SANDBOX/push.log" || { cat "$HOST_SANDBOX/push.log" >&3; return 1; }
  dokku pipeline:create hx-app --name hx-pipe >/dev/null
}

teardown_file() {
  [[ -z "$HOST_SANDBOX" ]] || remove_fixed_apps_from_docker
  ownstack_teardown_file
}

@test "the state the corpus assumes: hx-app with one succeeded release in pipeline hx-pipe, hx-free alone" {
  run app_http hx-app
  assert_output "sample v1 greeting=none"
  run dokku ownstack:history hx-app --format json
  assert_success
  assert_equal "$(jq -c '[.[] | {id, status}]' <<<"$output")" '[{"id":1,"status":"succeeded"}]'
  run dokku pipeline:info hx-pipe --format json
  assert_success
  assert_output --partial '"hx-app"'
  refute_output --partial '"hx-free"'
  run dokku apps:exists hx-none
  assert_failure
}

@test "every hostile input is refused with one stderr line and changes nothing" {
  local count
  count="$(grep -c . "$HOST_REPO_ROOT/test/fixtures/hostile-inputs.jsonl")"
  assert [ "$count" -ge 200 ]
  run node "$HOST_REPO_ROOT/test/e2e/helpers/run-hostile-inputs.mjs" "$HOST_DIR/bin/dokku" "$HOST_REPO_ROOT/test/fixtures/hostile-inputs.jsonl"
  echo "$output" # bats shows it when the test fails: the failing cases, one a line
  assert_line --index 0 "$count hostile inputs, 0 failing"
  assert_success
}

@test "a corrupt setting file does not break ownstack:report, which shows the raw value" {
  local file="$DOKKU_LIB_ROOT/config/ownstack/hx-app/retention"
  mkdir -p "${file%/*}"
  printf 'banana!!\n' >"$file"
  run --separate-stderr dokku ownstack:report hx-app
  assert_success
  assert_line --regexp '^ +Ownstack retention: +banana!!$'
  assert_line --regexp '^ +Ownstack computed retention: +5$'
  run --separate-stderr dokku ownstack:report hx-app --format json
  assert_success
  assert_equal "$(jq -r '.retention + "|" + .["computed-retention"]' <<<"$output")" "banana!!|5"
  # and a deploy-time reader (ownstack:info, history) is not broken by it either
  run --separate-stderr dokku ownstack:history hx-app --format json
  assert_success
  rm -f "$file"
}
