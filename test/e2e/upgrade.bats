#!/usr/bin/env bats
# Upgrades: a store written by ownstack 0.1.0 (test/fixtures/store-0.1.0, made on the test host by
# the 0.1.0 binary, see generate.bats there) is read by this binary: history, info, the pipeline,
# and a rollback to a 0.1.0 release. A store written by a newer ownstack (a future schema version)
# is refused in one line naming that version, and left byte-for-byte unchanged.

load helpers/host
load helpers/ownstack
bats_require_minimum_version 1.5.0

FIXTURE="$BATS_TEST_DIRNAME/../fixtures/store-0.1.0"

setup_file() {
  ownstack_setup_file
  export STG="$(host_app_name up-stg)" PRD="$(host_app_name up-prd)" FUT="$(host_app_name up-fut)"
  # the images the 0.1.0 releases of production deployed, by their IDs (the records name them)
  gzip -dc "$FIXTURE/images.tar.gz" | docker image load -q >/dev/null
  grep '^sha256:' "$FIXTURE/images.txt" >>"$HOST_SANDBOX/images"
  host_create_app "$STG"
  host_create_app "$PRD"
  host_create_app "$FUT"
  local data="$DOKKU_LIB_ROOT/data/ownstack"
  cp -a "$FIXTURE/store/fx010-stg" "$data/$STG"
  cp -a "$FIXTURE/store/fx010-prd" "$data/$PRD"
  cp -a "$FIXTURE/store/fx010-prd" "$data/$FUT"
  # the fixture's app names become this file's
  jq --arg stg "$STG" --arg prd "$PRD" '.pipelines[0].name = "fx010-\($prd)" | .pipelines[0].stages.staging = [$stg] | .pipelines[0].stages.production = [$prd]' \
    "$FIXTURE/store/.pipelines.json" >"$data/.pipelines.json"
  chmod -R go-rwx "$data"
}

teardown_file() {
  ownstack_teardown_file
}

store() { echo "$DOKKU_LIB_ROOT/data/ownstack/$1"; }
# Every file of a store with its bytes, permissions and times: what "unchanged" means.
fingerprint() { (cd "$1" && find . -printf '%p %M %s %T@\n' | sort && find . -type f -exec sha256sum {} + | sort); }

@test "the 0.1.0 fixtures are what 0.1.0 wrote: no schema version in any file" {
  run jq -s 'map(has("schema_version")) | any' "$FIXTURE"/store/*/state.json "$FIXTURE"/store/*/releases/*.json
  assert_output false
  run jq -r '.version' "$FIXTURE/store/.pipelines.json"
  assert_output 1
}

@test "history and info read a 0.1.0 store" {
  run --separate-stderr dokku ownstack:history "$PRD" --format json
  assert_success
  assert_equal "$stderr" ""
  assert_equal "$(jq -r 'map("v\(.id) \(.kind) \(.status) current=\(.current) who=\(.who)") | join(", ")' <<<"$output")" \
    "v3 rollback succeeded current=true who=default, v2 promote succeeded current=false who=default, v1 promote succeeded current=false who=default"
  assert_equal "$(jq -r '.[0].rollback_of' <<<"$output")" 1

  # staging's v1 image was not kept with the fixtures: it is expired
  run dokku ownstack:history "$STG" --format json
  assert_equal "$(jq -c 'map([.id, .status, .display_status, .expired, .current])' <<<"$output")" \
    '[[4,"failed","failed",false,false],[3,"failed","failed",false,false],[2,"succeeded","succeeded",false,true],[1,"succeeded","expired",true,false]]'

  run --separate-stderr dokku ownstack:history "$STG"
  assert_success
  assert_line --regexp "^=====> $STG Releases - Current: v2$"
  assert_line --regexp '^v4 +push +[0-9a-f]{7} +failed \(release\) '
  assert_line --regexp '^v3 +config +[0-9a-f]{7} +failed \(release\) '

  run --separate-stderr dokku ownstack:info "$PRD" --format json
  assert_success
  assert_equal "$(jq -r '[.current.id, .current.kind, .rollback_targets, .pipeline, .stage] | map(tostring) | join(" ")' <<<"$output")" \
    "3 rollback 2 fx010-$PRD production"

  run dokku ownstack:deploy-log "$STG" 4
  assert_success
  assert_output --partial "release-task-failing"

  run dokku pipeline:info "$PRD" --format json
  assert_success
  assert_equal "$(jq -c '.stages' <<<"$output")" "{\"review\":[],\"development\":[],\"staging\":[\"$STG\"],\"production\":[\"$PRD\"]}"
}

@test "a rollback to a 0.1.0 release deploys its image; the new record carries the schema version" {
  local image
  run dokku ownstack:rollback "$PRD" 2
  assert_success
  run app_http "$PRD" /
  assert_output --partial "sample v2"
  image="$(docker container inspect --format '{{.Image}}' "$(cat "$DOKKU_ROOT/$PRD/CONTAINER.web.1")")"
  assert_equal "$(jq -r '[.schema_version, .kind, .status, .rollback_of, .git_sha == $sha, .image_id == $image] | map(tostring) | join(" ")' \
    --arg image "$image" --arg sha "$(jq -r .git_sha "$(store "$PRD")/releases/2.json")" "$(store "$PRD")/releases/4.json")" \
    "1 rollback succeeded 2 true true"
  assert_equal "$(jq -c '[.schema_version, .next_id, .current_id]' "$(store "$PRD")/state.json")" "[1,5,4]"
  # retention holds the images of the 0.1.0 releases under this app's holders now
  run docker container ls -a --filter "label=com.ownstack.app=$PRD" --format '{{.Names}}'
  assert_line "ownstack-retain.$PRD.v2"
  assert_line "ownstack-retain.$PRD.v4"
  run dokku ownstack:history "$PRD" --format json
  assert_equal "$(jq -r 'map("v\(.id):\(.current)") | join(" ")' <<<"$output")" "v4:true v3:false v2:false v1:false"
}

@test "a store written by a newer ownstack is refused in one line and left byte-for-byte unchanged" {
  local dir before err="$BATS_TEST_TMPDIR/err" cmd code
  dir="$(store "$FUT")"
  jq -c '. + {schema_version: 7}' "$dir/state.json" >"$dir/state.tmp" && mv "$dir/state.tmp" "$dir/state.json"
  before="$(fingerprint "$dir")"
  for cmd in "ownstack:history $FUT" "ownstack:history $FUT --format json" "ownstack:info $FUT" "ownstack:rollback $FUT 2" \
    "ownstack:deploy-log $FUT 1" "ownstack:purge $FUT --force"; do
    code=0
    # shellcheck disable=SC2086
    dokku $cmd >/dev/null 2>"$err" </dev/null || code=$?
    [[ "$code" -ne 0 ]] || fail "$cmd succeeded"
    assert_equal "$(grep -c . "$err")" 1
    assert_equal "$(cat "$err")" " !     The release store of $FUT ($dir/state.json) was written by a newer ownstack (schema version 7; this ownstack reads up to 1): upgrade ownstack, nothing was changed"
  done
  assert_equal "$(fingerprint "$dir")" "$before"

  # a newer record in an older state file is refused the same way
  jq -c '. + {schema_version: 1}' "$dir/state.json" >"$dir/state.tmp" && mv "$dir/state.tmp" "$dir/state.json"
  jq -c '. + {schema_version: 2}' "$dir/releases/3.json" >"$dir/r.tmp" && mv "$dir/r.tmp" "$dir/releases/3.json"
  before="$(fingerprint "$dir")"
  run --separate-stderr dokku ownstack:history "$FUT"
  assert_failure
  assert_equal "$stderr" "!     Release v3 of $FUT ($dir/releases/3.json) was written by a newer ownstack (schema version 2; this ownstack reads up to 1): upgrade ownstack, nothing was changed"
  run dokku ownstack:rollback "$FUT" 2
  assert_failure
  assert_equal "$(fingerprint "$dir")" "$before"
}

@test "a pipelines file written by a newer ownstack is refused in one line and left unchanged" {
  local file="$DOKKU_LIB_ROOT/data/ownstack/.pipelines.json" saved="$BATS_TEST_TMPDIR/pipelines.json" before
  cp -a "$file" "$saved"
  jq '.version = 3' "$saved" >"$file"
  before="$(sha256sum <"$file")"
  run --separate-stderr dokku pipeline:list --format json
  assert_failure
  assert_equal "$stderr" "!     The pipelines file $file was written by a newer ownstack (schema version 3; this ownstack reads up to 2): upgrade ownstack, nothing was changed"
  run --separate-stderr dokku pipeline:remove "$STG"
  assert_failure
  assert_equal "$(grep -c . <<<"$stderr")" 1
  assert_equal "$(sha256sum <"$file")" "$before"
  cp -a "$saved" "$file"
}
