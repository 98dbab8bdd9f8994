#!/usr/bin/env bats
# Issue 10, image deploys: `ownstack:deploy-image` on a second Dokku test host whose Docker engine
# is its own, with the image built and pushed by "CI" (the first engine) to a real registry
# (Debian's docker-registry on a loopback port). The image can reach host B only through the
# registry. Tests run in order and share the app.

bats_require_minimum_version 1.5.0
load helpers/host
load helpers/ownstack
load helpers/stack

setup_file() {
  ownstack_setup_file
  registry_start
  engine_start b
  stack_host_setup b
  export APP="$(host_app_name img)"
  on_stack b host_create_app "$APP"
  on_stack b dokku checks:set "$APP" wait-to-retire 1 >/dev/null
  host_sample_app "$HOST_SANDBOX/src" v1 release
  on_stack b host_push "$APP" "$HOST_SANDBOX/src" >"$HOST_SANDBOX/push.log" || { cat "$HOST_SANDBOX/push.log" >&3; return 1; }
  export REPO="$REGISTRY/ci/$APP"
}

# A test that stops the registry starts it again, on the same port, even when it fails half-way.
teardown() { [[ -f "$HOST_SANDBOX/registry/pid" ]] || registry_start; }

teardown_file() {
  stack_teardown
  docker image ls --format '{{.Repository}}:{{.Tag}}' | grep -F "/ci/$APP:" | xargs -r docker image rm --force >/dev/null 2>&1 || true
  ownstack_teardown_file
}

# What CI does: build the app's image on its own engine (the first one), label it with the
# commit, push it; prints the registry's digest.
ci_build_and_push() {
  local version="$1" tag="$2" sha
  host_set_version "$HOST_SANDBOX/src" "$version" >/dev/null
  sha="$(host_git "$HOST_SANDBOX/src" rev-parse HEAD)"
  docker build -q --label "org.opencontainers.image.revision=$sha" -t "$REPO:$tag" "$HOST_SANDBOX/src" >/dev/null
  host_track_image "$REPO:$tag"
  docker push "$REPO:$tag" | sed -n 's/.*digest: \(sha256:[0-9a-f]\{64\}\).*/\1/p'
}

b_history() { on_stack b dokku ownstack:history "$APP" --format json; }
b_serves() { on_stack b app_http "$APP"; }

@test "an image built and pushed by CI is deployed on host B without a build, recorded with its digest" {
  local digest sha mark
  digest="$(ci_build_and_push v2 ci-2)"
  [[ "$digest" =~ ^sha256:[0-9a-f]{64}$ ]] || fail "no digest from the push: '$digest'"
  sha="$(host_git "$HOST_SANDBOX/src" rev-parse HEAD)"
  # before: host B's engine has never seen it
  run on_stack b docker image inspect "$REPO@$digest"
  assert_failure
  mark="$(on_stack b events_mark)"

  run --separate-stderr on_stack b dokku ownstack:deploy-image "$APP" "$REPO@$digest"
  echo "$output" "$stderr"
  assert_success
  assert_output --partial "Pulled $REPO@$digest"
  assert_output --partial "release-task-ran version=v2"
  assert_output --partial "To undo: dokku ownstack:rollback $APP 1"

  run b_serves
  assert_output "sample v2 greeting=none"
  # host B publishes on its engine's own loopback address: on 127.0.0.1 its engine would pick the
  # host ports the first engine's containers hold, and its deploys would fail (bind: address in use)
  run on_stack b app_url "$APP"
  assert_output --regexp "^http://$ENGINE_B_PUBLISH_IP:[0-9]+$"
  [[ "$ENGINE_B_PUBLISH_IP" != 127.0.0.1 ]] || fail "engine b publishes on 127.0.0.1"
  # the same layers CI built, never rebuilt
  assert_equal "$(on_stack b docker image inspect --format '{{json .RootFS.Layers}}' "$REPO@$digest")" \
    "$(docker image inspect --format '{{json .RootFS.Layers}}' "$REPO:ci-2")"
  # no build trigger fired on B; its release path did
  local fired
  fired="$(on_stack b events_triggers_since "$mark")"
  for trigger in pre-receive-app builder-build pre-build post-build; do
    ! grep -qx "$trigger" <<<"$fired" || fail "$trigger fired for an image deploy"
  done
  grep -qx post-release-builder <<<"$fired" || fail "the release phase did not run: $fired"
  # the history: kind image, the digest as the source of truth, the SHA from the image's label
  run b_history
  assert_equal "$(jq -c '.[0] | {id, kind, status, image_digest, source, source_metadata, git_sha}' <<<"$output")" \
    "$(jq -cn --arg d "$REPO@$digest" --arg sha "$sha" '{id: 2, kind: "image", status: "succeeded", image_digest: $d, source: "docker-image", source_metadata: $d, git_sha: $sha}')"
  run on_stack b dokku ownstack:deploy-log "$APP" 2
  assert_output --partial "release-task-ran version=v2"
}

@test "a rollback from an image deploy and back to it works like any rollback" {
  run --separate-stderr on_stack b dokku ownstack:rollback "$APP"
  assert_success
  run b_serves
  assert_output "sample v1 greeting=none"
  run --separate-stderr on_stack b dokku ownstack:rollback "$APP" 2
  assert_success
  run b_serves
  assert_output "sample v2 greeting=none"
  assert_equal "$(b_history | jq -c '[.[0:2][] | {kind, rollback_of, status}]')" \
    '[{"kind":"rollback","rollback_of":2,"status":"succeeded"},{"kind":"rollback","rollback_of":1,"status":"succeeded"}]'
}

@test "a tag reference is deployed and recorded by the digest the registry gave it" {
  local digest
  digest="$(ci_build_and_push v3 ci-3)"
  run --separate-stderr on_stack b dokku ownstack:deploy-image "$APP" "$REPO:ci-3"
  assert_success
  run b_serves
  assert_output "sample v3 greeting=none"
  assert_equal "$(b_history | jq -r '.[0] | "\(.kind) \(.image_digest) \(.description)"')" "image $REPO@$digest Deploy image $REPO:ci-3"
}

@test "a digest the registry does not have fails at the pull: the old release serves, the history says why, a retry succeeds" {
  local good bad="sha256:$(printf '0%.0s' {1..64})" before
  good="$(ci_build_and_push v4 ci-4)"
  before="$(b_history | jq '.[0].id')"
  run --separate-stderr on_stack b dokku ownstack:deploy-image "$APP" "$REPO@$bad"
  assert_failure
  assert_equal "$(grep -c . <<<"$stderr")" 1
  assert_equal "$stderr" "!     Deploy of $REPO@$bad to $APP failed (recorded as v$((before + 1))): $(b_history | jq -r '.[0].reason'); v$before is still the current release"
  [[ "$stderr" == *"could not pull"* ]] || fail "the reason does not say the pull failed: $stderr"
  run b_serves
  assert_output "sample v3 greeting=none"
  assert_equal "$(b_history | jq -c '.[0] | {kind, status, phase}')" '{"kind":"image","status":"failed","phase":"build"}'
  assert_equal "$(on_stack b dokku ownstack:info "$APP" --format json | jq .current.id)" "$before"

  run --separate-stderr on_stack b dokku ownstack:deploy-image "$APP" "$REPO@$good"
  assert_success
  run b_serves
  assert_output "sample v4 greeting=none"
}

@test "the registry stopped: the deploy fails clearly and the old release serves; with the registry back a retry succeeds" {
  local digest
  digest="$(ci_build_and_push v5 ci-5)"
  registry_stop
  run --separate-stderr on_stack b dokku ownstack:deploy-image "$APP" "$REPO@$digest"
  assert_failure
  assert_equal "$(grep -c . <<<"$stderr")" 1
  [[ "$stderr" == *"could not pull $REPO@$digest"* ]] || fail "unclear: $stderr"
  run b_serves
  assert_output "sample v4 greeting=none"
  assert_equal "$(b_history | jq -c '.[0] | {status, phase}')" '{"status":"failed","phase":"build"}'
  registry_start
  run --separate-stderr on_stack b dokku ownstack:deploy-image "$APP" "$REPO@$digest"
  assert_success
  run b_serves
  assert_output "sample v5 greeting=none"
}

@test "the deploy lock held with --lock-wait 0 refuses at once and changes nothing" {
  local digest lock before
  digest="$(ci_build_and_push v6 ci-6)"
  lock="$HOST_SANDBOX/stack-b/var/lib/dokku/data/apps/$APP/.deploy.lock"
  before="$(b_history | jq -c '[.[] | {id, status}]')"
  exec {held}>"$lock"
  flock --nonblock "$held"
  run --separate-stderr on_stack b dokku ownstack:deploy-image "$APP" "$REPO@$digest" --lock-wait 0
  flock --unlock "$held"
  exec {held}>&-
  assert_failure
  assert_equal "$stderr" "!     App $APP is locked by another deploy; gave up after 0s (use --lock-wait to wait longer)"
  assert_equal "$(b_history | jq -c '[.[] | {id, status}]')" "$before"
  run b_serves
  assert_output "sample v5 greeting=none"
}
