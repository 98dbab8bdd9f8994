#!/usr/bin/env bats
# Issue 18 item 1: the dashboard served the Dokku way. `ownstack:dashboard:enable` builds an image
# from the installed binary (no network, FROM scratch), deploys it as a Dokku app with
# `git:from-image`, mounts the store read-only and the dashboard's own directory read-write
# (storage:mount), and the app runs as Dokku's system user with no Docker socket. A browser signs
# in through the app's URL and reads the Deployments page; disable removes it. Tests run in order.

bats_require_minimum_version 1.5.0
load helpers/host
load helpers/ownstack
load helpers/stack

# not system-user.bats's user: each file's sandbox is its user's home
SYSTEM_USER=ownstack-dash

setup_file() {
  ownstack_setup_file_as "$SYSTEM_USER"
  export APP="$(host_app_name dapp)" DASH="$(host_app_name dashboard)"
  host_create_app "$APP"
  host_sample_app "$HOST_SANDBOX/src" v1
  chown -R "$SYSTEM_USER:" "$HOST_SANDBOX/src"
  host_push "$APP" "$HOST_SANDBOX/src" >"$HOST_SANDBOX/push.log" || { cat "$HOST_SANDBOX/push.log" >&3; return 1; }
  dokku pipeline:create "$APP" >/dev/null
  export DASHBOARD_STATE="$HOST_SANDBOX/browser-state.json"
  export DASHBOARD_ARTIFACTS="$HOST_SANDBOX/artifacts"
}

teardown_file() {
  # after a failed run: the app and the images it left (disable is the last test)
  dokku ownstack:dashboard:disable >/dev/null 2>&1 || true
  ownstack_teardown_file
}

browser() { node "$HOST_REPO_ROOT/test/e2e/helpers/dashboard-browser.mjs" "$@"; }

@test "report before enable: not enabled" {
  run dokku ownstack:dashboard:report --format json
  assert_success
  assert_equal "$(jq -r .enabled <<<"$output")" false
  assert_equal "$(jq -r .app <<<"$output")" ownstack
}

@test "enable refuses an app of that name that is not the dashboard, and changes nothing" {
  run dokku ownstack:dashboard:enable --app "$APP"
  assert_failure
  assert_output --partial "App $APP exists and is not the ownstack dashboard"
  assert_equal "${#lines[@]}" 1
  run dokku storage:list --format json "$APP"
  assert_output "[]"
}

@test "enable builds the image from the installed binary and deploys it as an app" {
  run dokku ownstack:dashboard:enable --app "$DASH"
  assert_success
  local image
  image="$(jq -r .image <<<"$(dokku ownstack:dashboard:report --format json)")"
  [[ "$image" == ownstack/dashboard:* ]] || fail "image: $image"
  # the image: the installed binary and its libraries, nothing else (no shell)
  assert_equal "$(docker image inspect --format '{{index .Config.Labels "com.ownstack.version"}}' "$image")" "$("$HOST_SANDBOX/ownstack-plugin/build/ownstack" --version)"
  assert_equal "$(docker image inspect --format '{{json .Config.Entrypoint}}' "$image")" '["/ownstack","dashboard","serve"]'
  docker create --name "$DASH-probe" "$image" >/dev/null
  docker export "$DASH-probe" | tar -t >"$HOST_SANDBOX/image-files"
  docker rm "$DASH-probe" >/dev/null
  ! grep -qE '(^|/)(sh|bash|busybox)$' "$HOST_SANDBOX/image-files" || fail "a shell in the image: $(cat "$HOST_SANDBOX/image-files")"
  cmp <(docker run --rm --entrypoint /ownstack "$image" --version) <("$HOST_SANDBOX/ownstack-plugin/build/ownstack" --version)
  # the app's URL became the sign-in links' base
  assert_equal "$(dokku ownstack:report --global --ownstack-global-dashboard-url)" "$(app_url "$DASH")"
}

@test "the app's container runs as the system user, the store read-only, no Docker socket" {
  local cid
  cid="$(cat "$DOKKU_ROOT/$DASH/CONTAINER.web.1")"
  assert_equal "$(docker container inspect --format '{{.State.Running}}' "$cid")" true
  assert_equal "$(docker container inspect --format '{{.Config.User}}' "$cid")" "$(id -u "$SYSTEM_USER"):$(id -g "$SYSTEM_USER")"
  docker container inspect --format '{{json .Mounts}}' "$cid" >"$HOST_SANDBOX/mounts.json"
  assert_equal "$(jq -r --arg d "$DOKKU_LIB_ROOT/data/ownstack" '.[] | select(.Destination == $d) | "\(.Source) \(.RW)"' "$HOST_SANDBOX/mounts.json")" "$DOKKU_LIB_ROOT/data/ownstack false"
  assert_equal "$(jq -r --arg d "$DOKKU_LIB_ROOT/data/ownstack-dashboard" '.[] | select(.Destination == $d) | "\(.Source) \(.RW)"' "$HOST_SANDBOX/mounts.json")" "$DOKKU_LIB_ROOT/data/ownstack-dashboard true"
  assert_equal "$(jq 'length' "$HOST_SANDBOX/mounts.json")" 2
  ! grep -q docker.sock "$HOST_SANDBOX/mounts.json" || fail "docker.sock is mounted"
  assert_equal "$(docker container inspect --format '{{.HostConfig.Privileged}}' "$cid")" false
}

@test "the app's URL answers the sign-in page; a minted link opens the Deployments page with the pushed app" {
  local url link
  url="$(app_url "$DASH")"
  run curl -s -o /dev/null -w '%{http_code}' "$url/deployments"
  assert_output 401
  link="$(NAME=alice dokku ownstack:dashboard:login --format json | jq -r .url)"
  [[ "$link" == "$url/login/"* ]] || fail "link: $link"
  DASHBOARD_URL="$url" run browser sign-in "$link" alice
  assert_success
  DASHBOARD_URL="$url" run browser pages "$APP" 1 "Step 1/"
  assert_success
  # the session the app wrote is the system user's, owner-only, in the dashboard's own directory
  run find "$DOKKU_LIB_ROOT/data/ownstack-dashboard" -type f \( ! -user "$SYSTEM_USER" -o -perm /077 \)
  assert_output ""
}

@test "enable again is idempotent: same app, one mount each, still serving" {
  # Dokku's own global form: a leading --app is taken off the command line and exported
  run dokku --app "$DASH" ownstack:dashboard:enable
  assert_success
  assert_equal "$(dokku storage:list --format json "$DASH" | jq length)" 2
  run curl -s -o /dev/null -w '%{http_code}' "$(app_url "$DASH")/deployments"
  assert_output 401
  # a second dashboard under another name is refused while this one is enabled
  run dokku ownstack:dashboard:enable --app "other-$DASH"
  assert_failure
  assert_output --partial "already enabled as app $DASH"
}

@test "report shows the app, its URL, image and running state" {
  run dokku ownstack:dashboard:report --format json
  assert_success
  assert_equal "$(jq -r '[.app, .enabled, .running] | join(" ")' <<<"$output")" "$DASH true true"
  assert_equal "$(jq -r .url <<<"$output")" "$(app_url "$DASH")"
  run dokku ownstack:dashboard:report
  assert_output --partial "=====> Ownstack dashboard information"
  assert_output --regexp "Dashboard running: +true"
}

@test "disable destroys the app and its images, keeps the sessions" {
  local image
  image="$(jq -r .image <<<"$(dokku ownstack:dashboard:report --format json)")"
  run dokku ownstack:dashboard:disable
  assert_success
  [[ ! -d "$DOKKU_ROOT/$DASH" ]] || fail "the app is still there"
  run docker image inspect "$image"
  assert_failure
  assert_equal "$(docker container ls -aq --filter "label=com.dokku.app-name=$DASH")" ""
  run dokku ownstack:dashboard:report --format json
  assert_equal "$(jq -r '[.enabled, .running] | join(" ")' <<<"$output")" "false false"
  run dokku ownstack:dashboard:sessions --format json
  assert_equal "$(jq -r '.[0].name' <<<"$output")" alice
}
