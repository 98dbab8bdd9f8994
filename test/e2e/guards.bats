#!/usr/bin/env bats
# Promotion guards and approvals (pipeline:set promote-*) on the Dokku test host, with real
# containers and HTTP checks. The tests build on each other in order, on one pipeline
# (staging STG -> production PRD); the clock is moved with OWNSTACK_NOW, never by sleeping, and
# users are told apart as Dokku's sshcommand does (NAME, which Dokku exports as SSH_NAME).
#   (2) bake time refuses, then allows    (3) an unhealthy staging is refused; --force is recorded
#   (4) approval: a request, a refused self-approval, another user's approval of the pinned image
#   (5) a rejection                       (6) an expiry

bats_require_minimum_version 1.5.0
load helpers/host
load helpers/ownstack

setup_file() {
  ownstack_setup_file
  export STG="$(host_app_name gd-stg)" PRD="$(host_app_name gd-prd)"
  export PIPE="$PRD" SRC="$HOST_SANDBOX/src"
  host_create_app "$STG"
  host_create_app "$PRD"
  dokku config:set --no-restart "$STG" GREETING=staging-hello >/dev/null
  dokku config:set --no-restart "$PRD" GREETING=production-hello >/dev/null
  host_sample_app "$SRC" v1 predeploy
  host_push "$STG" "$SRC" >/dev/null
  dokku pipeline:create "$PRD" >/dev/null
  dokku pipeline:add-staging "$PRD" "$STG" >/dev/null
}

teardown_file() {
  # the images pinned by requests: their containers carry no app label, but the pipeline's name
  [[ -z "$HOST_SANDBOX" ]] || docker container ls -aq --filter "label=com.ownstack.request" --filter "name=$HOST_TOKEN" |
    xargs -r docker container rm --force --volumes >/dev/null 2>&1 || true
  ownstack_teardown_file
}

# A refusal: non-zero exit and exactly one ` !     ` line on stderr; `refusal` is its message.
assert_refused() {
  assert_failure
  assert_equal "${#stderr_lines[@]}" 1
  [[ "$stderr" =~ ^\ ?\!\ {5}[^\ ] ]] || fail "not a Dokku error line: $stderr"
  refusal="${stderr#*!     }"
}

# Everything a refused promotion could change: our data (locks aside) and each app's `latest`.
state_digest() {
  {
    find "$DOKKU_LIB_ROOT/data/ownstack" -type f ! -name '*.lock' -exec sha256sum {} + | sort
    docker image inspect --format '{{.Id}}' "dokku/$STG:latest" "dokku/$PRD:latest"
  } | sha256sum
}

current_record() { dokku ownstack:history "$1" --format json | jq -c '.[0]'; }
# An ISO time `seconds` after another one, to the millisecond.
iso_plus() { node -e 'console.log(new Date(Date.parse(process.argv[1]) + Number(process.argv[2]) * 1000).toISOString())' "$1" "$2"; }
web_cid() { cat "$DOKKU_ROOT/$1/CONTAINER.web.1"; }
layers() { docker image inspect --format '{{json .RootFS.Layers}}' "$1" | tr -d '[]'; }
request_json() { dokku pipeline:requests "$PIPE" --format json | jq -c --argjson id "$1" '.[] | select(.id == $id)'; }
pin_exists() { [[ -n "$(docker container ls -aq --filter "name=^/ownstack-request\.$PIPE\.r$1$")" ]]; }

@test "(1) pipeline:set validates each key and pipeline:report shows stored and computed values" {
  run --separate-stderr dokku pipeline:set "$PIPE" promote-min-age 90
  assert_refused
  assert_equal "$refusal" 'Invalid promote-min-age "90": expected a duration such as 30m, 2h or 1d (s, m, h or d; at most 366d)'
  run --separate-stderr dokku pipeline:set "$PIPE" promote-approval moon
  assert_refused
  run --separate-stderr dokku pipeline:set "$PIPE" no-such-key 1
  assert_refused
  run --separate-stderr dokku pipeline:set no-such-pipeline promote-min-age 1h
  assert_refused
  assert_equal "$refusal" "Pipeline no-such-pipeline does not exist"

  run dokku pipeline:set "$PIPE" promote-approval-ttl 2h
  assert_success
  assert_output "-----> Setting promote-approval-ttl to 2h on pipeline $PIPE"
  run dokku pipeline:report "$PIPE" --pipeline-computed-promote-approval-ttl
  assert_output 2h
  run dokku pipeline:set "$PIPE" promote-approval-ttl
  assert_success
  run dokku pipeline:report "$PIPE" --format json
  assert_success
  assert_equal "$(jq -c . <<<"$output")" '{"promote-min-age":"","computed-promote-min-age":"","promote-require-healthy":"","computed-promote-require-healthy":"false","promote-approval":"","computed-promote-approval":"","promote-approval-ttl":"","computed-promote-approval-ttl":"24h","registry":"","computed-registry":"","review-apps":"","computed-review-apps":"false","review-apps-parent":"","computed-review-apps-parent":"","review-apps-limit":"","computed-review-apps-limit":"5","review-apps-stale-days":"","computed-review-apps-stale-days":""}'
  run dokku pipeline:report "$PIPE"
  assert_line "=====> $PIPE pipeline information"
  assert_line --regexp '^ +Pipeline computed promote approval ttl: +24h$'
  # owner-only, in the pipelines file
  assert_equal "$(stat -c %a "$DOKKU_LIB_ROOT/data/ownstack/.pipelines.json")" 600
}

@test "(2) bake time: refused while staging's release is younger than promote-min-age, with when it is allowed; then allowed" {
  dokku pipeline:set "$PIPE" promote-min-age 1h >/dev/null
  # the healthy-source guard too: a healthy staging passes it (Dokku's checks:run runs)
  dokku pipeline:set "$PIPE" promote-require-healthy true >/dev/null
  finished="$(current_record "$STG" | jq -r .finished_at)"
  before="$(state_digest)"

  run --separate-stderr env OWNSTACK_NOW="$(iso_plus "$finished" 600)" dokku pipeline:promote "$STG"
  assert_refused
  allowed="$(iso_plus "$finished" 3600)"
  assert_equal "$refusal" "Promotion refused: $STG v1 has served for 10m, less than promote-min-age 1h; it can be promoted from $allowed (in 50m), or use --force"
  assert_equal "$(state_digest)" "$before"
  run dokku ownstack:history "$PRD" --format json
  assert_output '[]'

  # one second before the time it named: still refused; at that time: promoted
  run --separate-stderr env OWNSTACK_NOW="$(iso_plus "$finished" 3599)" dokku pipeline:promote "$STG"
  assert_refused
  run env OWNSTACK_NOW="$allowed" dokku pipeline:promote "$STG"
  assert_success
  assert_output --partial "-----> Checking that $STG is healthy: dokku checks:run $STG"
  assert_output --partial "Running checks for app ($STG.web.1)"
  assert_line "       $PRD: succeeded (v1)"
  run app_http "$PRD"
  assert_output "sample v1 greeting=production-hello"
  run current_record "$PRD"
  assert_equal "$(jq -r .description <<<"$output")" "Promote $STG v1"
  assert_equal "$(jq -c .forced <<<"$output")" null
  dokku pipeline:set "$PIPE" promote-min-age >/dev/null
}

@test "(3) an unhealthy staging is refused; --force promotes it and production's history says who forced which guard" {
  host_set_version "$SRC" v2
  host_push "$STG" "$SRC" >/dev/null
  run app_http "$STG"
  assert_output "sample v2 greeting=staging-hello"
  # staging's health endpoint fails from now on (the app.json check asks for /health)
  docker exec "$(web_cid "$STG")" rm /tmp/www/health
  before="$(dokku ownstack:history "$PRD" --format json | jq -c '[.[] | {id, status}]')"

  run --separate-stderr dokku pipeline:promote "$STG"
  assert_refused
  assert_equal "$refusal" "Promotion refused: $STG's running containers failed their health checks just now (dokku checks:run $STG; see the output above); fix $STG or use --force"
  assert_output --partial "Running checks for app ($STG.web.1)"
  run app_http "$PRD"
  assert_output "sample v1 greeting=production-hello"
  assert_equal "$(dokku ownstack:history "$PRD" --format json | jq -c '[.[] | {id, status}]')" "$before"

  run --separate-stderr env NAME=carol dokku pipeline:promote "$STG" --force
  assert_success
  assert_equal "${stderr#*!     }" "--force: overriding promote-require-healthy; recorded in the targets' history"
  refute_output --partial "dokku checks:run"
  assert_line "       $PRD: succeeded (v2)"
  run app_http "$PRD"
  assert_output "sample v2 greeting=production-hello"
  run current_record "$PRD"
  assert_equal "$(jq -r .who <<<"$output")" carol
  assert_equal "$(jq -c .forced <<<"$output")" '{"by":"carol","guards":["promote-require-healthy"]}'
  assert_equal "$(jq -r .description <<<"$output")" "Promote $STG v2 (forced past promote-require-healthy by carol)"
  run dokku ownstack:history "$PRD"
  assert_output --partial "forced past promote-require-healthy by carol"
  dokku pipeline:set "$PIPE" promote-require-healthy >/dev/null
}

@test "(4) approval: a request pins staging's release; self-approval is refused; another user's approval deploys exactly it after staging moved on" {
  dokku pipeline:set "$PIPE" promote-approval production >/dev/null
  host_set_version "$SRC" v3
  host_push "$STG" "$SRC" >/dev/null
  pinned_image="$(current_record "$STG" | jq -r .image_id)"
  prd_before="$(dokku ownstack:history "$PRD" --format json | jq -c '[.[] | {id, status}]')"

  run --separate-stderr env NAME=alice dokku pipeline:promote "$STG"
  assert_success
  assert_equal "$stderr" ""
  [[ "$output" =~ waiting\ for\ approval:\ request\ r([0-9]+) ]] || fail "no request ID in: $output"
  id="${BASH_REMATCH[1]}"
  assert_line "=====> Promotion of $STG v3 (image ${pinned_image:7:12}) to $PRD is waiting for approval: request r$id"
  assert_line "       Another user approves it with: dokku pipeline:approve $PIPE r$id"
  assert_equal "$(dokku ownstack:history "$PRD" --format json | jq -c '[.[] | {id, status}]')" "$prd_before"
  run app_http "$PRD"
  assert_output "sample v2 greeting=production-hello"
  run request_json "$id"
  assert_equal "$(jq -r .display_status <<<"$output")" pending
  assert_equal "$(jq -r .requested_by <<<"$output")" alice
  assert_equal "$(jq -c '.source | {app, release_id, image_id}' <<<"$output")" "{\"app\":\"$STG\",\"release_id\":3,\"image_id\":\"$pinned_image\"}"
  assert_equal "$(jq -c .targets <<<"$output")" "[{\"app\":\"$PRD\",\"stage\":\"production\",\"stack\":null}]"
  pin_exists "$id" || fail "the request's image is not pinned"
  assert_equal "$(docker container inspect --format '{{.Image}}' "ownstack-request.$PIPE.r$id")" "$pinned_image"
  run dokku pipeline:requests "$PIPE"
  assert_line --regexp "^r$id +pending +$STG v3 +${pinned_image:7:12} +$PRD .* alice "

  # the requester cannot approve it
  before="$(state_digest)"
  run --separate-stderr env NAME=alice dokku pipeline:approve "$PIPE" "r$id"
  assert_refused
  assert_equal "$refusal" "Request r$id was made by alice; another user must approve it"
  assert_equal "$(state_digest)" "$before"

  # staging moves on to v4 and keeps one release's image only: retention releases v3's image, its
  # old container goes, and Dokku's cleanup prunes every image of the app no container uses;
  # only the request's pin keeps v3's image on the engine
  dokku ownstack:set "$STG" retention 1 >/dev/null
  old_container="$(web_cid "$STG")"
  host_set_version "$SRC" v4
  host_push "$STG" "$SRC" >/dev/null
  run app_http "$STG"
  assert_output "sample v4 greeting=staging-hello"
  assert_equal "$(dokku ownstack:history "$STG" --format json | jq -r '.[] | select(.id == 3) | .retained_by')" null
  docker container rm --force "$old_container" >/dev/null
  dokku cleanup "$STG" >/dev/null
  docker image inspect "$pinned_image" >/dev/null || fail "the pinned image is gone"

  run env NAME=bob dokku pipeline:approve "$PIPE" "r$id"
  assert_success
  assert_line "-----> Request r$id approved by bob (requested by alice at $(request_json "$id" | jq -r .requested_at))"
  assert_output --partial "=====> Promoting $STG v3 (image ${pinned_image:7:12}) to $PRD"
  assert_line "       $PRD: succeeded (v3)"
  run app_http "$PRD"
  assert_output "sample v3 greeting=production-hello"
  run current_record "$PRD"
  # the exact image requested: production's release image is it plus Dokku's predeploy commit
  [[ "$(layers "$(jq -r .image_id <<<"$output")")" == "$(layers "$pinned_image")",* ]] || fail "production's layers do not extend the pinned image's"
  assert_equal "$(jq -r .who <<<"$output")" bob
  assert_equal "$(jq -c .approval <<<"$output")" "{\"request\":$id,\"requested_by\":\"alice\",\"approved_by\":\"bob\"}"
  assert_equal "$(jq -c .promoted_from <<<"$output")" "{\"app\":\"$STG\",\"id\":3,\"host\":null}"
  assert_equal "$(jq -r .description <<<"$output")" "Promote $STG v3 (approved r$id by bob)"
  run request_json "$id"
  assert_equal "$(jq -r .status <<<"$output")" approved
  assert_equal "$(jq -r .decided_by <<<"$output")" bob
  assert_equal "$(jq -c .results <<<"$output")" "[{\"app\":\"$PRD\",\"ok\":true,\"release_id\":3,\"reason\":null}]"
  ! pin_exists "$id" || fail "the pin outlived its request"

  # decided once: a second approval is refused
  run --separate-stderr env NAME=dave dokku pipeline:approve "$PIPE" "r$id"
  assert_refused
  assert_equal "$refusal" "Request r$id is already approved (by bob)"
}

@test "(5) a rejected request deploys nothing and lets its image go" {
  run env NAME=alice dokku pipeline:promote "$STG"
  assert_success
  [[ "$output" =~ waiting\ for\ approval:\ request\ r([0-9]+) ]] || fail "no request ID in: $output"
  id="${BASH_REMATCH[1]}"
  pin_exists "$id" || fail "the request's image is not pinned"

  run env NAME=bob dokku pipeline:reject "$PIPE" "r$id"
  assert_success
  assert_output "-----> Request r$id rejected by bob: $STG v4 will not be promoted to $PRD"
  run request_json "$id"
  assert_equal "$(jq -r .status <<<"$output")" rejected
  ! pin_exists "$id" || fail "the pin outlived its request"
  run --separate-stderr env NAME=bob dokku pipeline:approve "$PIPE" "r$id"
  assert_refused
  assert_equal "$refusal" "Request r$id is already rejected (by bob)"
  run app_http "$PRD"
  assert_output "sample v3 greeting=production-hello"
}

@test "(6) a request expires after promote-approval-ttl: approving it then is refused" {
  dokku pipeline:set "$PIPE" promote-approval-ttl 2h >/dev/null
  run env NAME=alice dokku pipeline:promote "$STG"
  assert_success
  [[ "$output" =~ waiting\ for\ approval:\ request\ r([0-9]+) ]] || fail "no request ID in: $output"
  id="${BASH_REMATCH[1]}"
  requested="$(request_json "$id" | jq -r .requested_at)"
  expires="$(request_json "$id" | jq -r .expires_at)"
  assert_equal "$expires" "$(iso_plus "$requested" 7200)"

  # just before: still pending (the listing is read-only)
  run env OWNSTACK_NOW="$(iso_plus "$requested" 7199)" dokku pipeline:requests "$PIPE" --format json
  assert_equal "$(jq -r --argjson id "$id" '.[] | select(.id == $id) | .display_status' <<<"$output")" pending
  run env OWNSTACK_NOW="$expires" dokku pipeline:requests "$PIPE" --format json
  assert_equal "$(jq -r --argjson id "$id" '.[] | select(.id == $id) | .display_status' <<<"$output")" expired

  run --separate-stderr env NAME=bob OWNSTACK_NOW="$(iso_plus "$requested" 7201)" dokku pipeline:approve "$PIPE" "r$id"
  assert_refused
  assert_equal "$refusal" "Request r$id expired at $expires; promote again to make a new request"
  run request_json "$id"
  assert_equal "$(jq -r .status <<<"$output")" expired
  ! pin_exists "$id" || fail "the pin outlived its request"
  run app_http "$PRD"
  assert_output "sample v3 greeting=production-hello"
  run current_record "$PRD"
  assert_equal "$(jq -r .id <<<"$output")" 3
}

@test "(7) pipeline:destroy drops the pipeline's requests and their pins" {
  run env NAME=alice dokku pipeline:promote "$STG"
  assert_success
  [[ "$output" =~ waiting\ for\ approval:\ request\ r([0-9]+) ]] || fail "no request ID in: $output"
  id="${BASH_REMATCH[1]}"
  pin_exists "$id" || fail "the request's image is not pinned"
  run dokku pipeline:destroy "$PIPE"
  assert_success
  ! pin_exists "$id" || fail "the pin outlived its pipeline"
  run jq -c --arg p "$PIPE" '[.requests[] | select(.pipeline == $p)]' "$DOKKU_LIB_ROOT/data/ownstack/.promotion-requests.json"
  assert_output '[]'
  assert_equal "$(stat -c %a "$DOKKU_LIB_ROOT/data/ownstack/.promotion-requests.json")" 600
}
