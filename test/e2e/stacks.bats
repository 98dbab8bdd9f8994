#!/usr/bin/env bats
# Issue 10, stacks: a pipeline that spans Dokku hosts. Host A is this file's sandbox (staging);
# hosts B and C are the same test host under other roots, each on a Docker engine of its own and
# reached over real ssh (sshd on loopback, sshcommand's forced command, their own system users).
# Images travel only through a real registry (Debian's docker-registry). Tests run in order.

bats_require_minimum_version 1.5.0
load helpers/host
load helpers/ownstack
load helpers/sshd
load helpers/stack

setup_file() {
  ownstack_setup_file
  registry_start
  engine_start b
  engine_start c
  stack_host_setup b --ssh
  stack_host_setup c --ssh
  stack_authorize_this_host b
  stack_authorize_this_host c
  export STG="$(host_app_name stg)" PB="$(host_app_name prdb)" PC="$(host_app_name prdc)" PIPE="web-$HOST_TOKEN"
  host_create_app "$STG"
  dokku checks:set "$STG" wait-to-retire 1 >/dev/null
  host_sample_app "$HOST_SANDBOX/src" v1
  host_push "$STG" "$HOST_SANDBOX/src" >"$HOST_SANDBOX/push-stg.log" || { cat "$HOST_SANDBOX/push-stg.log" >&3; return 1; }
  on_stack b host_create_app "$PB"
  on_stack b dokku checks:set "$PB" wait-to-retire 1 >/dev/null
  on_stack b dokku config:set --no-restart "$PB" GREETING=from-b >/dev/null
  # C already serves a release of its own (v0), built there
  on_stack c host_create_app "$PC"
  on_stack c dokku checks:set "$PC" wait-to-retire 1 >/dev/null
  host_sample_app "$HOST_SANDBOX/src-c" v0
  on_stack c host_push "$PC" "$HOST_SANDBOX/src-c" >"$HOST_SANDBOX/push-c.log" || { cat "$HOST_SANDBOX/push-c.log" >&3; return 1; }
}

teardown_file() {
  stack_teardown
  ownstack_teardown_file
}

b_serves() { on_stack b app_http "$PB"; }
c_serves() { on_stack c app_http "$PC"; }
on_history() { on_stack "$1" dokku ownstack:history "$2" --format json; }

@test "stacks:add, stacks:list and stacks:check name each host, its address and its ownstack" {
  run --separate-stderr dokku stacks:add b "$(stack_address b)"
  assert_success
  assert_line "-----> Stack b answers: ownstack $("$HOST_REPO_ROOT/build/ownstack" --version)"
  run --separate-stderr dokku stacks:add c "$(stack_address c)"
  assert_success
  run dokku stacks:list --format json
  assert_success
  assert_equal "$(jq -c '[.[] | {name, address}]' <<<"$output")" "$(jq -cn --arg b "$(stack_address b)" --arg c "$(stack_address c)" '[{name: "b", address: $b}, {name: "c", address: $c}]')"
  run dokku stacks:check --format json
  assert_success
  assert_equal "$(jq -c '[.[] | {stack, status}]' <<<"$output")" '[{"stack":"b","status":"ok"},{"stack":"c","status":"ok"}]'
  # a stack that is added twice, or removed while unknown, is refused in one line
  run --separate-stderr dokku stacks:add b "$(stack_address b)"
  assert_failure
  assert_equal "$stderr" "!     Stack b already exists ($(stack_address b)); remove it first"
}

@test "a pipeline spanning hosts: production on B (checked over ssh), staging here, a registry" {
  run --separate-stderr dokku pipeline:create "$PB" --stack b --name "$PIPE"
  assert_success
  run --separate-stderr dokku pipeline:add "$PIPE" "$STG" --stage staging
  assert_success
  run --separate-stderr dokku pipeline:add "$PIPE" "nope-$HOST_TOKEN" --stage production --stack c
  assert_failure
  assert_equal "$stderr" "!     App nope-$HOST_TOKEN does not exist on stack c ($(stack_address c))"
  # without a registry a promotion to another stack is refused before anything moves
  run --separate-stderr dokku pipeline:promote "$STG"
  assert_failure
  assert_equal "$stderr" "!     Pipeline $PIPE has apps on other stacks (b): set the registry their images travel through with pipeline:set $PIPE registry <host[:port]/namespace>"
  run --separate-stderr dokku pipeline:set "$PIPE" registry "$REGISTRY/ostk"
  assert_success
}

@test "(1) promote staging to B: B serves the exact image with its own config, ran its release task, built nothing" {
  local image layers mark digest
  image="$(dokku ownstack:info "$STG" --format json | jq -r .current.image_id)"
  layers="$(docker image inspect --format '{{json .RootFS.Layers}}' "$image")"
  run on_stack b docker image inspect "$image"
  assert_failure # B's engine has never seen it
  mark="$(on_stack b events_mark)"

  run --separate-stderr dokku pipeline:promote "$STG"
  echo "$output" "$stderr"
  assert_success
  assert_line --regexp "^$PB@b: .*release-task-ran version=v1$"
  assert_line "       $PB@b: succeeded (v1)"

  run b_serves
  assert_output "sample v1 greeting=from-b"
  assert_equal "$(on_stack b docker image inspect --format '{{json .RootFS.Layers}}' "$image")" "$layers"
  fired="$(on_stack b events_triggers_since "$mark")"
  for trigger in pre-receive-app builder-build pre-build post-build; do
    ! grep -qx "$trigger" <<<"$fired" || fail "$trigger fired on B for a promotion"
  done
  run on_stack b dokku ownstack:deploy-log "$PB" 1
  assert_output --partial "release-task-ran version=v1"
  digest="$(on_history b "$PB" | jq -r '.[0].image_digest')"
  [[ "$digest" == "$REGISTRY/ostk/$STG@sha256:"* ]] || fail "no digest in B's history: $digest"
  assert_equal "$(on_history b "$PB" | jq -c '.[0] | {kind, status, promoted_from, git_sha}')" \
    "$(jq -cn --arg app "$STG" --arg host "$(hostname | tr A-Z a-z)" --arg sha "$(host_git "$HOST_SANDBOX/src" rev-parse HEAD)" \
      '{kind: "promote", status: "succeeded", promoted_from: {app: $app, id: 1, host: $host}, git_sha: $sha}')"
  assert_equal "$(on_history b "$PB" | jq -r '.[0].description')" "Promote $STG@$(hostname | tr A-Z a-z) v1"
}

@test "(2) two production stacks, C's release task failing: mixed results, non-zero exit, C keeps serving its old release" {
  run --separate-stderr dokku pipeline:add "$PIPE" "$PC" --stage production --stack c
  assert_success
  on_stack c dokku config:set "$PC" FAIL_RELEASE=1 >/dev/null 2>&1 || true # its own redeploy fails too, and keeps v0
  run c_serves
  assert_output "sample v0 greeting=none"
  host_set_version "$HOST_SANDBOX/src" v2
  host_push "$STG" "$HOST_SANDBOX/src" >/dev/null

  run --separate-stderr dokku pipeline:promote "$STG"
  assert_failure
  assert_line "       $PB@b: succeeded (v2)"
  assert_line --regexp "^       $PC@c: failed: .*"
  assert_equal "$(grep -c . <<<"$stderr")" 1
  [[ "$stderr" == *"Promotion of $STG v2 failed for 1 of 2 targets ($PC@c: failed"* ]] || fail "$stderr"
  run b_serves
  assert_output "sample v2 greeting=from-b"
  run c_serves
  assert_output "sample v0 greeting=none"
  assert_equal "$(on_history c "$PC" | jq -c '.[0] | {kind, status, phase}')" '{"kind":"promote","status":"failed","phase":"release"}'
  on_stack c dokku config:unset --no-restart "$PC" FAIL_RELEASE >/dev/null
}

@test "(4) pipeline:info shows every app with its stack, release, SHA and status; an unreachable stack is marked, the others answer" {
  local sha
  sha="$(host_git "$HOST_SANDBOX/src" rev-parse HEAD)"
  run --separate-stderr dokku pipeline:info "$PIPE" --format json
  assert_success
  assert_equal "$(jq -c '[.apps[] | {app, stack, stage, reachable, current: (.current | if . then {id, status} else null end)}]' <<<"$output")" \
    "$(jq -cn --arg s "$STG" --arg b "$PB" --arg c "$PC" '[
      {app: $s, stack: null, stage: "staging", reachable: true, current: {id: 2, status: "succeeded"}},
      {app: $b, stack: "b", stage: "production", reachable: true, current: {id: 2, status: "succeeded"}},
      {app: $c, stack: "c", stage: "production", reachable: true, current: {id: 1, status: "succeeded"}}]')"
  assert_equal "$(jq -r '.apps[1].current.git_sha' <<<"$output")" "$sha"

  stack_sshd_stop c
  run --separate-stderr dokku pipeline:info "$PIPE"
  assert_success
  assert_line --regexp "^       $PB@b +production +v2 ${sha:0:7} succeeded$"
  assert_line --regexp "^       $PC@c +production +unreachable: stack c \\($(stack_address c)\\) is unreachable \\(no answer within 10s\\): .*$"
  # a promotion to B and C fails for C only, with one clear line
  run --separate-stderr dokku pipeline:promote "$STG"
  assert_failure
  assert_line "       $PB@b: succeeded (v3)"
  assert_line --regexp "^       $PC@c: failed: stack c \\(.*\\) is unreachable"
  assert_equal "$(grep -c . <<<"$stderr")" 1
  stack_sshd_restart c
  run c_serves
  assert_output "sample v0 greeting=none"
}
