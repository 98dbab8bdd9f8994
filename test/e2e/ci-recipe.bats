#!/usr/bin/env bats
# docs/ci.md's plain-steps GitHub Actions workflow (examples/github-actions/review-apps.yml),
# executed: its `run:` steps, in order, for the events a real repository sends (push to main,
# pull_request opened, synchronize, closed), with the GitHub context a run would have, against
# the test host over real ssh (helpers/run-workflow.mjs). HTTP checks on what it deployed.

load helpers/host
load helpers/ownstack
load helpers/sshd
bats_require_minimum_version 1.5.0

SYSTEM_USER=ownstack-ci
WORKFLOW="$BATS_TEST_DIRNAME/../../examples/github-actions/review-apps.yml"
PR=7

setup_file() {
  sshd_system_user "$SYSTEM_USER"
  ownstack_setup_file "$SYSTEM_USER"
  sshd_start
  sshd_add_key github-actions
  export PRD="$(host_app_name ci-prd)" STG="$(host_app_name ci-stg)" PIPE="ci-$HOST_TOKEN"
  export REVIEW="$PIPE-pr-$PR" REPO="$HOST_SANDBOX/repo" RUNNER_HOME="$HOST_SANDBOX/runner-home"
  echo "$REVIEW" >>"$HOST_SANDBOX/apps"
  host_create_app "$PRD"
  host_create_app "$STG"
  dokku pipeline:create "$PRD" --name "$PIPE" >/dev/null
  dokku pipeline:add-staging "$PRD" "$STG" >/dev/null
  dokku pipeline:set "$PIPE" review-apps true >/dev/null
  dokku config:set --no-restart "$STG" GREETING=from-staging >/dev/null
  # the repository: the sample app, with a pr-predestroy script and review-app config in app.json
  host_sample_app "$REPO" v1 none
  printf '#!/bin/sh\necho "pr-predestroy-ran version=$(cat /app/VERSION)"\n' >"$REPO/bin/pr-predestroy"
  chmod +x "$REPO/bin/pr-predestroy"
  host_edit_app_json "$REPO" '.scripts["pr-predestroy"] = "/app/bin/pr-predestroy" | .environments.review.env = {GREETING: "from-review"}'
  host_commit "$REPO" "review app parts"
  # what the repository's settings hold: variables and secrets
  jq -n --arg port "$SSHD_PORT" --arg user "$DOKKU_SYSTEM_USER" --arg pipe "$PIPE" --arg stg "$STG" \
    --arg key "$(cat "$SSHD_DIR/keys/github-actions")" --arg known "[127.0.0.1]:$SSHD_PORT $(cut -d' ' -f1-2 "$SSHD_DIR/host_key.pub")" \
    '{vars: {DOKKU_HOST: "127.0.0.1", DOKKU_PORT: $port, DOKKU_USER: $user, DOKKU_PIPELINE: $pipe, DOKKU_STAGING_APP: $stg},
      secrets: {DOKKU_SSH_PRIVATE_KEY: $key, DOKKU_SSH_KNOWN_HOSTS: $known}}' >"$HOST_SANDBOX/settings.json"
}

teardown_file() {
  sshd_stop
  ownstack_teardown_file
}

# run_event NAME EVENT-JSON SHA REF: the workflow for one event, from a fresh runner home, in the
# repository checked out at SHA (what actions/checkout leaves).
run_event() {
  declare NAME="$1" EVENT="$2" SHA="$3" REF="$4"
  host_git "$REPO" checkout -q --detach "$SHA"
  rm -rf "$RUNNER_HOME" && mkdir -p "$RUNNER_HOME"
  jq --arg name "$NAME" --argjson event "$EVENT" --arg sha "$SHA" --arg ref "$REF" \
    '. + {github: {event_name: $name, event: $event, sha: $sha, ref: $ref, head_ref: ($event.pull_request.head.ref // "")}}' \
    "$HOST_SANDBOX/settings.json" >"$HOST_SANDBOX/context.json"
  (cd "$REPO" && HOME="$RUNNER_HOME" node "$BATS_TEST_DIRNAME/helpers/run-workflow.mjs" "$WORKFLOW" "$HOST_SANDBOX/context.json")
}

pr_event() {
  jq -n --arg action "$1" --arg sha "$2" --argjson number "$PR" \
    '{action: $action, number: $number, pull_request: {number: $number, head: {sha: $sha, ref: "feature"}, base: {ref: "main"}}}'
}

@test "push to main deploys the staging app" {
  host_git "$REPO" checkout -q main
  local sha="$(host_git "$REPO" rev-parse HEAD)"
  run run_event push "$(jq -n --arg sha "$sha" '{ref: "refs/heads/main", after: $sha}')" "$sha" refs/heads/main
  assert_success
  assert_line "::job staging"
  assert_line "::job review-app skipped"
  assert_line "::job destroy-review-app skipped"
  run app_http "$STG"
  assert_output "sample v1 greeting=from-staging"
  run dokku ownstack:history "$STG" --format json
  assert_equal "$(jq -r '.[0] | [.git_sha, .who] | @tsv' <<<"$output")" "$(printf '%s\tgithub-actions' "$sha")"
}

@test "pull_request opened creates the review app and deploys the pull request's commit" {
  host_git "$REPO" checkout -q -b feature main
  host_set_version "$REPO" pr7
  local sha="$(host_git "$REPO" rev-parse HEAD)"
  run run_event pull_request "$(pr_event opened "$sha")" "$sha" "refs/pull/$PR/merge"
  assert_success
  assert_line "::job review-app"
  assert_line "::job staging skipped"
  assert_output --partial "Creating review app $REVIEW from $STG in pipeline $PIPE"
  run app_http "$REVIEW"
  assert_output "sample pr7 greeting=from-review"
  run dokku review-apps:list "$PIPE" --format json
  assert_equal "$(jq -r '.[] | [.name, .source, .release] | @tsv' <<<"$output")" "$(printf '%s\t%s\t1' "$REVIEW" "$sha")"
  run app_http "$STG"
  assert_output "sample v1 greeting=from-staging"
}

@test "pull_request synchronize deploys the new commit to the same review app" {
  host_git "$REPO" checkout -q feature
  host_set_version "$REPO" pr7b
  local sha="$(host_git "$REPO" rev-parse HEAD)"
  run run_event pull_request "$(pr_event synchronize "$sha")" "$sha" "refs/pull/$PR/merge"
  assert_success
  assert_output --partial "Review app $REVIEW exists"
  run app_http "$REVIEW"
  assert_output "sample pr7b greeting=from-review"
  run dokku review-apps:list "$PIPE" --format json
  assert_equal "$(jq -r '.[] | [.name, .source, .release] | @tsv' <<<"$output")" "$(printf '%s\t%s\t2' "$REVIEW" "$sha")"
}

@test "pull_request closed destroys the review app after its pr-predestroy" {
  local sha="$(host_git "$REPO" rev-parse feature)"
  run run_event pull_request "$(pr_event closed "$sha")" "$sha" "refs/pull/$PR/merge"
  assert_success
  assert_line "::job destroy-review-app"
  assert_output --partial "pr-predestroy-ran version=pr7b"
  run dokku apps:list
  refute_line "$REVIEW"
  run dokku pipeline:info "$PIPE" --format json
  assert_equal "$(jq -c .stages.review <<<"$output")" "[]"
  # closing again (a re-run) finds nothing to destroy and succeeds
  run run_event pull_request "$(pr_event closed "$sha")" "$sha" "refs/pull/$PR/merge"
  assert_success
  assert_output --partial "No review app $REVIEW"
}
