#!/usr/bin/env bats
# Pipelines and promotion on the Dokku test host, with real containers: the image a staging app
# runs is released to production through Dokku's own release-and-deploy, never rebuilt.
# The tests build on each other in order, on one pipeline:
#   development DEV -> staging STG -> production PRD (+ PRD2 from test 4), development GONE (test 5),
#   and after STG is gone, a new staging app for pipeline:diff (the last test)

bats_require_minimum_version 1.5.0
load helpers/host
load helpers/ownstack

setup_file() {
  ownstack_setup_file
  export DEV="$(host_app_name pl-dev)" STG="$(host_app_name pl-stg)" PRD="$(host_app_name pl-prd)"
  export PRD2="$(host_app_name pl-prd2)" GONE="$(host_app_name pl-gone)" LONER="$(host_app_name pl-loner)"
  export SRC="$HOST_SANDBOX/src" DEV_SRC="$HOST_SANDBOX/dev-src" RESULTS="$HOST_SANDBOX/results"
  mkdir -p "$RESULTS"
  local app
  for app in "$DEV" "$STG" "$PRD" "$LONER"; do host_create_app "$app"; done
  dokku config:set --no-restart "$STG" GREETING=staging-hello >/dev/null
  dokku config:set --no-restart "$PRD" GREETING=production-hello >/dev/null
  host_sample_app "$SRC" v1 predeploy,release,heroku-postdeploy
  host_push "$STG" "$SRC" >/dev/null
}

teardown_file() {
  ownstack_teardown_file
}

web_image() { docker container inspect --format '{{.Image}}' "$(cat "$DOKKU_ROOT/$1/CONTAINER.web.1")"; }
layers() { docker image inspect --format '{{json .RootFS.Layers}}' "$1" | tr -d '[]'; }
current_record() { dokku ownstack:history "$1" --format json | jq -c '.[0]'; }

# A refusal: non-zero exit, exactly one ` !     ` line on stderr, nothing on stdout.
# (bats trims the leading space of $stderr; `refusal` is the message after the marker.)
assert_refused() {
  assert_failure
  assert_equal "${#stderr_lines[@]}" 1
  assert_equal "$output" ""
  [[ "$stderr" =~ ^\ ?\!\ {5}[^\ ] ]] || fail "not a Dokku error line: $stderr"
  refusal="${stderr#*!     }"
}

# Everything a promotion or a pipeline change could write: the pipelines file, every release
# store (locks aside) and what each app's `latest` points at.
state_digest() {
  local app
  {
    find "$DOKKU_LIB_ROOT/data/ownstack" -type f ! -name '*.lock' -exec sha256sum {} + | sort
    for app in "$DEV" "$STG" "$PRD" "$PRD2" "$GONE" "$LONER"; do docker image inspect --format '{{.Id}}' "dokku/$app:latest" 2>/dev/null || true; done
  } | sha256sum
}

@test "(1) staging to production: same image, no build, production's own config and release task" {
  run dokku pipeline:create "$PRD"
  assert_success
  run dokku pipeline:add-staging "$PRD" "$STG"
  assert_success

  mark="$(events_mark)"
  run dokku pipeline:promote "$STG"
  assert_success
  echo "$output" >"$RESULTS/promotion-1.out"
  assert_output --partial "=====> Promoting $STG v1"
  assert_output --partial "$PRD: -----> Releasing $PRD"
  assert_line "=====> Promotion results"
  assert_line "       $PRD: succeeded (v1)"

  # Dokku released and deployed it; nothing was received or built for anyone.
  events_triggers_since "$mark" >"$RESULTS/events-1"
  run grep -xE 'receive-app|pre-build|builder-build|post-build' "$RESULTS/events-1"
  assert_failure
  run grep -cx 'release-and-deploy' "$RESULTS/events-1"
  assert_output 1

  # The exact build: production's image is staging's image plus Dokku's predeploy commit.
  staging_image="$(web_image "$STG")" production_image="$(web_image "$PRD")"
  [[ "$(layers "$production_image")" == "$(layers "$staging_image")",* ]] || fail "production's layers do not extend staging's"
  assert_equal "$(docker exec "$(cat "$DOKKU_ROOT/$PRD/CONTAINER.web.1")" cat /app/VERSION)" v1

  # Each serves with its own config (127.0.0.1 only).
  run app_http "$PRD"
  assert_output "sample v1 greeting=production-hello"
  run app_http "$STG"
  assert_output "sample v1 greeting=staging-hello"

  # Production's release task ran (its output is in production's deploy log), and Heroku's
  # run-once postdeploy ran on this first deploy of production.
  run dokku ownstack:deploy-log "$PRD"
  assert_success
  assert_output --partial "release-task-ran version=v1"
  run grep -c 'heroku-postdeploy-ran' "$RESULTS/promotion-1.out"
  assert_output 1
}

@test "(1) a second promotion: the run-once postdeploy does not run again" {
  host_set_version "$SRC" v2
  host_push "$STG" "$SRC" >/dev/null
  run dokku pipeline:promote "$STG"
  assert_success
  echo "$output" >"$RESULTS/promotion-2.out"
  assert_line "       $PRD: succeeded (v2)"
  assert_output --partial "release-task-ran version=v2"
  run cat "$RESULTS/promotion-1.out" "$RESULTS/promotion-2.out"
  run grep -c 'heroku-postdeploy-ran' <<<"$output"
  assert_output 1
  run app_http "$PRD"
  assert_output "sample v2 greeting=production-hello"
}

@test "(7) production's history shows the promotion, its source release and the staging SHA" {
  sha="$(host_git "$SRC" rev-parse HEAD)"
  run current_record "$PRD"
  assert_equal "$(jq -r .kind <<<"$output")" promote
  assert_equal "$(jq -r .description <<<"$output")" "Promote $STG v2"
  assert_equal "$(jq -r .git_sha <<<"$output")" "$sha"
  assert_equal "$(jq -c .promoted_from <<<"$output")" "{\"app\":\"$STG\",\"id\":2,\"host\":null}"
  run dokku ownstack:history "$PRD"
  assert_success
  assert_output --regexp "v2 +promote +${sha:0:7} +succeeded .*Promote $STG v2"
}

@test "(2) three stages: development to staging to production" {
  run dokku pipeline:add "$PRD" "$DEV" --stage development
  assert_success
  run dokku pipeline:info "$DEV" --format json
  assert_equal "$(jq -c .stages <<<"$output")" "{\"review\":[],\"development\":[\"$DEV\"],\"staging\":[\"$STG\"],\"production\":[\"$PRD\"]}"

  host_sample_app "$DEV_SRC" v3 none
  host_push "$DEV" "$DEV_SRC" >/dev/null
  run dokku pipeline:promote "$DEV"
  assert_success
  assert_line "       $STG: succeeded (v3)"
  refute_output --partial "$PRD:"
  run app_http "$STG"
  assert_output "sample v3 greeting=staging-hello"
  run app_http "$PRD"
  assert_output "sample v2 greeting=production-hello"

  run dokku pipeline:promote "$STG"
  assert_success
  assert_line "       $PRD: succeeded (v3)"
  run app_http "$PRD"
  assert_output "sample v3 greeting=production-hello"
  assert_equal "$(jq -c .promoted_from <<<"$(current_record "$PRD")")" "{\"app\":\"$STG\",\"id\":3,\"host\":null}"
}

@test "(3) two production apps, one with a failing release task: mixed status, non-zero exit" {
  host_create_app "$PRD2"
  dokku config:set --no-restart "$PRD2" GREETING=second-hello >/dev/null
  run dokku pipeline:add "$PRD" "$PRD2" --stage production
  assert_success
  run dokku pipeline:promote "$STG" --to "$PRD2"
  assert_success
  run app_http "$PRD2"
  assert_output "sample v3 greeting=second-hello"

  host_set_version "$SRC" v4
  host_push "$STG" "$SRC" >/dev/null
  dokku config:set --no-restart "$PRD2" FAIL_RELEASE=1 >/dev/null
  run dokku pipeline:promote "$STG"
  assert_failure
  assert_line "       $PRD: succeeded (v4)"
  assert_line --regexp "^       $PRD2: failed at release: .+"
  assert_output --partial "$PRD2:        release-task-failing"

  run app_http "$PRD"
  assert_output "sample v4 greeting=production-hello"
  run app_http "$PRD2"
  assert_output "sample v3 greeting=second-hello"
  run current_record "$PRD2"
  assert_equal "$(jq -r '.kind + " " + .status + " " + .phase' <<<"$output")" "promote failed release"
}

@test "(6) after a failed promotion, ps:restart keeps serving the old release" {
  run dokku ps:restart "$PRD2"
  assert_success
  run app_http "$PRD2"
  assert_output "sample v3 greeting=second-hello"
  dokku config:set --no-restart "$PRD2" FAIL_RELEASE=0 >/dev/null
}

@test "(4) refusals: one line on stderr, non-zero exit, no state change" {
  # an app whose current release's image has been deleted behind our back
  host_create_app "$GONE"
  gone_src="$HOST_SANDBOX/gone-src"
  host_sample_app "$gone_src" gone none
  run host_push "$GONE" "$gone_src"
  assert_success
  dokku pipeline:add "$PRD" "$GONE" --stage development >/dev/null
  gone_image="$(jq -r .image_id <<<"$(current_record "$GONE")")"
  docker container rm --force $(docker container ls --all --quiet --filter "ancestor=$gone_image") >/dev/null
  docker image rm --force "$gone_image" >/dev/null
  # an app in the pipeline that never deployed
  empty="$(host_app_name pl-empty)"
  host_create_app "$empty"
  dokku pipeline:add "$PRD" "$empty" --stage development >/dev/null

  before="$(state_digest)"

  run --separate-stderr dokku pipeline:promote "$empty"
  assert_refused
  assert_equal "$refusal" "App $empty has no succeeded release to promote; deploy it first"

  run --separate-stderr dokku pipeline:promote "$GONE"
  assert_refused
  [[ "$refusal" == *"no longer exists; deploy $GONE again before promoting" ]] || fail "$stderr"

  run --separate-stderr dokku pipeline:promote "$STG" --to "$LONER"
  assert_refused
  assert_equal "$refusal" "App $LONER is not in pipeline $PRD; --to apps must be in the same pipeline as $STG"

  run --separate-stderr dokku pipeline:promote "$STG" --to "$PRD,$STG"
  assert_refused
  assert_equal "$refusal" "Cannot promote $STG to itself"

  run --separate-stderr dokku pipeline:promote "$PRD"
  assert_refused
  [[ "$refusal" == *"is in the last stage (production)"* ]] || fail "$stderr"

  run --separate-stderr dokku pipeline:promote "$LONER"
  assert_refused
  assert_equal "$refusal" "App $LONER is not in any pipeline"

  run --separate-stderr dokku pipeline:remove "$LONER"
  assert_refused

  run --separate-stderr dokku pipeline:create "$STG" --name "other-$HOST_TOKEN"
  assert_refused
  assert_equal "$refusal" "App $STG is already in pipeline $PRD (stage staging); remove it first with pipeline:remove $STG"

  run --separate-stderr dokku pipeline:add "$PRD" "$STG" --stage production
  assert_refused

  run --separate-stderr dokku pipeline:add "$PRD" "$LONER" --stage qa
  assert_refused
  assert_equal "$refusal" 'Invalid stage "qa": expected one of review, development, staging, production'

  run --separate-stderr dokku pipeline:promote "$STG" --lock-wait -1
  assert_refused

  local hostile
  for hostile in '../x' '$(id)' "it's" 'say"hi"' $'two\nlines' '-x' '--name'; do
    run --separate-stderr dokku pipeline:create "$hostile"
    assert_refused
    run --separate-stderr dokku pipeline:info "$hostile"
    assert_refused
    run --separate-stderr dokku pipeline:promote "$hostile"
    assert_refused
    run --separate-stderr dokku pipeline:promote "$STG" --to "$hostile"
    assert_refused
    run --separate-stderr dokku pipeline:create "$LONER" --name "$hostile"
    assert_refused
    run --separate-stderr dokku pipeline:add "$hostile" "$LONER" --stage staging
    assert_refused
  done
  refute [ -e "$DOKKU_LIB_ROOT/data/x" ]

  assert_equal "$(state_digest)" "$before"
  run dokku pipeline:list --format json
  assert_equal "$(jq -r '.[].name' <<<"$output")" "$PRD"
}

# Polls (0.1 s steps, 30 s at most) until the command succeeds.
eventually() {
  local tries=300
  until "$@"; do
    ((--tries > 0)) || fail "gave up waiting for: $*"
    sleep 0.1
  done
}

@test "(5) locking: --lock-wait 0 fails fast, otherwise a promotion waits for the deploy in progress" {
  local lock="$DOKKU_LIB_ROOT/data/apps/$PRD/.deploy.lock" out="$HOST_SANDBOX/waiting-promotion.out" held promoter before
  mkdir -p "${lock%/*}"
  # A deploy in progress, holding the lock exactly as Dokku's git push does: open the file, take
  # the lock without waiting (refusing if someone has it), and at the end unlock and delete the
  # file. A holder that waited for the lock instead could end up holding a file that its previous
  # holder deletes on release, a lock nobody else sees.
  exec {held}>"$lock"
  flock --nonblock "$held" || fail "the deploy lock of $PRD is already held: $(lslocks --output PID,COMMAND,PATH --noheadings | grep -F "$lock")"
  before="$(jq -r .id <<<"$(current_record "$PRD")")"

  run dokku pipeline:promote "$STG" --to "$PRD" --lock-wait 0 {held}>&-
  assert_failure
  assert_line --regexp "^       $PRD: failed: App $PRD is locked by another deploy; gave up after 0s"
  assert_equal "$(jq -r .id <<<"$(current_record "$PRD")")" "$before"

  dokku pipeline:promote "$STG" --to "$PRD" >"$out" 2>&1 3>&- {held}>&- &
  promoter=$!
  eventually grep -q "App $PRD is locked by another deploy. Waiting up to 600s" "$out"
  kill -0 "$promoter" # still waiting: nothing deployed meanwhile
  assert_equal "$(jq -r .id <<<"$(current_record "$PRD")")" "$before"
  # the deploy ends as Dokku's does (release_app_deploy_lock): unlock, then delete the file
  flock --unlock "$held" && rm -f "$lock"
  exec {held}>&-
  wait "$promoter"
  run cat "$out"
  assert_line "       $PRD: succeeded (v$((before + 1)))"
}

@test "(6) after a promotion, ps:restart and config:set keep the promoted image" {
  promoted="$(web_image "$PRD")"
  run dokku ps:restart "$PRD"
  assert_success
  assert_equal "$(web_image "$PRD")" "$promoted"
  run app_http "$PRD"
  assert_output "sample v4 greeting=production-hello"

  run dokku config:set "$PRD" GREETING=changed
  assert_success
  run app_http "$PRD"
  assert_output "sample v4 greeting=changed"
  # config:set redeploys `latest`, the promoted image (plus Dokku's predeploy commit), no rebuild
  [[ "$(layers "$(web_image "$PRD")")" == "$(layers "$promoted")"* ]] || fail "config:set left the promoted image"
}

@test "(6) apps:destroy of staging leaves production serving and the pipeline without it" {
  run dokku apps:destroy "$STG" --force
  assert_success
  run app_http "$PRD"
  assert_output "sample v4 greeting=changed"
  run dokku pipeline:info "$PRD" --format json
  assert_equal "$(jq -c .stages.staging <<<"$output")" "[]"
  run dokku pipeline:info "$PRD"
  assert_success
  assert_line --regexp "^       production: +$PRD $PRD2$"
}

running_sha() { dokku ownstack:info "$1" --format json | jq -r .current.git_sha; }

@test "pipeline:diff lists the commits a promotion brings, newest first, in both formats; inert subjects; up to date after it" {
  local stg3 old v5 v6 other
  stg3="$(host_app_name pl-stg3)"
  host_create_app "$stg3"
  dokku pipeline:add-staging "$PRD" "$stg3" >/dev/null
  # production runs the v4 commit of $SRC; two more commits reach the new staging app in one push
  old="$(running_sha "$PRD")"
  assert_equal "$old" "$(host_git "$SRC" rev-parse HEAD)"
  host_set_version "$SRC" v5
  v5="$(host_git "$SRC" rev-parse HEAD)"
  echo v6 >"$SRC/VERSION"
  host_commit "$SRC" $'v6 \e[31mred'
  v6="$(host_git "$SRC" rev-parse HEAD)"
  run host_push "$stg3" "$SRC"
  assert_success
  # the second production app runs a commit of another repository ($DEV_SRC), unknown to this one
  # (its newest record, a failed promotion of the v4 commit, is not what runs)
  other="$(running_sha "$PRD2")"
  assert_equal "$other" "$(host_git "$DEV_SRC" rev-parse HEAD)"
  run host_git "$SRC" cat-file -e "$other^{commit}"
  assert_failure

  run --separate-stderr dokku pipeline:diff "$stg3"
  assert_success
  assert_equal "$stderr" ""
  [[ "$output" != *$'\e'* ]] || fail "an escape character reached the output: $output"
  local date='[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}'
  assert_equal "${#lines[@]}" 7
  assert_line --index 0 "=====> $stg3 v1 (${v6:0:7}) compared with the apps it promotes to"
  assert_line --index 1 --regexp "^=====> $PRD \(production\): v[0-9]+ \(${old:0:7}\)$"
  assert_line --index 2 "       2 commits ahead of $PRD:"
  assert_line --index 3 --regexp "^         ${v6:0:7}  $date  host-test  v6 \\\\u001b\[31mred$"
  assert_line --index 4 --regexp "^         ${v5:0:7}  $date  host-test  v5$"
  assert_line --index 5 --regexp "^=====> $PRD2 \(production\): v[0-9]+ \(${other:0:7}\)$"
  assert_line --index 6 --regexp "^       Cannot tell which commits it would bring: ${other:0:7}, the SHA of $PRD2 v[0-9]+, is not in the git repository of $stg3$"

  run --separate-stderr dokku pipeline:diff "$stg3" --to "$PRD" --format json
  assert_success
  [[ "$output" != *$'\e'* ]] || fail "an escape character reached the JSON: $output"
  assert_equal "$(jq -r 'length' <<<"$output")" 1
  assert_equal "$(jq -r '.[0] | [.target, .state, .source_release.git_sha, .target_release.git_sha, .more, .target_only] | join(" ")' <<<"$output")" "$PRD behind $v6 $old 0 0"
  assert_equal "$(jq -r '[.[0].commits[].sha] | join(" ")' <<<"$output")" "$v6 $v5"
  assert_equal "$(jq -r '.[0].commits[0].subject' <<<"$output")" $'v6 \e[31mred'
  assert_equal "$(jq -r '.[0].commits[1] | [.subject, .author] | join(" ")' <<<"$output")" "v5 host-test"
  run --separate-stderr dokku pipeline:diff "$stg3" --format json
  assert_equal "$(jq -r '.[1] | [.target, .state, .commits == []] | join(" ")' <<<"$output")" "$PRD2 unknown true"

  run dokku pipeline:promote "$stg3"
  assert_success
  run --separate-stderr dokku pipeline:diff "$stg3"
  assert_success
  assert_line --index 2 "       Up to date: $PRD runs ${v6:0:7} already"
  assert_line --index 4 "       Up to date: $PRD2 runs ${v6:0:7} already"
  run --separate-stderr dokku pipeline:diff "$stg3" --format json
  assert_equal "$(jq -r '[.[] | .state + " " + (.commits | length | tostring)] | join(",")' <<<"$output")" "up-to-date 0,up-to-date 0"

  run --separate-stderr dokku pipeline:diff "$LONER"
  assert_refused
  assert_equal "$refusal" "App $LONER is not in any pipeline"
  run --separate-stderr dokku pipeline:diff "$PRD"
  assert_refused
  [[ "$refusal" == *"is in the last stage (production)"* ]] || fail "$stderr"
}
