#!/usr/bin/env bats
# Upgrades and downgrades as a user does them, with the real release tarballs: 0.1.0 (234dca7) and
# today's main before 0.2.0 (a88bfdd, also labelled 0.1.0) are built from git history by
# scripts/release-at.sh (once, cached), this version by scripts/package.mjs. Each upgrade is the
# README's: `plugin:uninstall ownstack` then `plugin:install file:///…/ownstack-<version>.tgz`.
# One host goes through them in order: 0.1.0 -> this -> 0.1.0 (safe: no 0.2.0 features) -> this
# -> a88bfdd -> this (with pipeline settings and a stack) -> 0.1.0 (refused) -> this.

bats_require_minimum_version 1.5.0
load helpers/host
load helpers/ownstack

RELEASE_0_1_0=234dca7
MAIN_BEFORE_0_2_0=a88bfdd

setup_file() {
  host_setup_file
  local repo="$HOST_REPO_ROOT"
  export OLD_TGZ="$HOST_SANDBOX/ownstack-0.1.0.tgz" MAIN_TGZ="$HOST_SANDBOX/ownstack-main.tgz"
  cp "$("$repo/scripts/release-at.sh" "$RELEASE_0_1_0")" "$OLD_TGZ"
  cp "$("$repo/scripts/release-at.sh" "$MAIN_BEFORE_0_2_0")" "$MAIN_TGZ"
  if [[ ! -x "$repo/build/ownstack" ]] || [[ -n "$(find "$repo/src" -newer "$repo/build/ownstack" -name '*.ts' -print -quit)" ]]; then
    (cd "$repo" && node scripts/build.mjs --skip-typecheck >/dev/null)
  fi
  (cd "$repo" && npm run --silent package -- --no-build >/dev/null)
  export VERSION="$(jq -r .version "$repo/package.json")"
  export NEW_TGZ="$HOST_SANDBOX/ownstack-$VERSION.tgz"
  cp "$repo/dist/ownstack-$VERSION.tgz" "$NEW_TGZ" # a private copy: other files may package again
  export STG="$(host_app_name upp-stg)" PRD="$(host_app_name upp-prd)" LONE="$(host_app_name upp-lone)" SRC="$HOST_SANDBOX/src"
  export DATA="$DOKKU_LIB_ROOT/data/ownstack" PLUGIN="$DOKKU_LIB_ROOT/plugins/available/ownstack"
  host_sample_app "$SRC" v1 none
  host_create_app "$STG"
  host_create_app "$PRD"
}

teardown_file() {
  ownstack_teardown_file
}

# The README's upgrade (and downgrade): uninstall, then install the other tarball.
switch_to() {
  dokku plugin:uninstall ownstack >/dev/null
  dokku plugin:install "file://$1" --name ownstack
}
running_version() { "$PLUGIN/build/ownstack" --version; }
# 0.1.0's JSON has no `current`: the line then leaves it out.
history_line() {
  dokku ownstack:history "$1" --format json |
    jq -r 'map("v\(.id) \(.kind) \(.status)" + (if has("current") then " current=\(.current)" else "" end)) | join(", ")'
}
holders() { docker container ls -a --filter "label=com.ownstack.app=$1" --format '{{.Names}}' | sort | tr '\n' ' '; }
# Everything a store holds that an upgrade must keep, byte for byte.
store_sums() { (cd "$DATA" && find . -type f -not -name '*.lock' -not -path './.notify*' -exec sha256sum {} + | sort); }

@test "0.1.0: the README's old command (install over the top) is refused as on Dokku and changes nothing" {
  run dokku plugin:install "file://$OLD_TGZ" --name ownstack
  assert_success
  assert_equal "$(running_version)" 0.1.0
  dokku pipeline:create "$PRD" --name "upp-$HOST_TOKEN" >/dev/null
  dokku pipeline:add-staging "$PRD" "$STG" >/dev/null
  host_push "$STG" "$SRC" >/dev/null
  dokku pipeline:promote "$STG" >/dev/null
  host_set_version "$SRC" v2
  host_push "$STG" "$SRC" >/dev/null
  dokku pipeline:promote "$STG" >/dev/null
  dokku ownstack:set "$PRD" retention 4 >/dev/null

  run dokku plugin:install "file://$NEW_TGZ" --name ownstack
  assert_failure 1
  assert_line " !     Plugin already enabled"
  assert [ -x "$PLUGIN/ownstack/build/ownstack" ] # plugn's unflattened folder: nothing runs from it
  assert_equal "$(running_version)" 0.1.0
  assert_equal "$(history_line "$PRD")" "v2 promote succeeded, v1 promote succeeded"
}

@test "0.1.0 -> $VERSION: history, pipeline, settings and retained images kept; a push while uninstalled is recorded" {
  local before window_image
  before="$(store_sums)"
  dokku plugin:uninstall ownstack >/dev/null
  assert [ ! -e "$PLUGIN" ]
  assert_equal "$(store_sums)" "$before" # uninstall keeps data/ownstack
  # a deploy in the window: nothing of ownstack runs
  host_set_version "$SRC" v3
  host_push "$STG" "$SRC" >/dev/null
  window_image="$(docker container inspect --format '{{.Image}}' "$(cat "$DOKKU_ROOT/$STG/CONTAINER.web.1")")"

  run dokku plugin:install "file://$NEW_TGZ" --name ownstack
  assert_success
  assert_line "-----> ownstack: $STG v3 recorded: a push deployed while ownstack was not installed"
  assert_equal "$(running_version)" "$VERSION"
  assert [ ! -e "$PLUGIN/ownstack" ]

  assert_equal "$(history_line "$PRD")" "v2 promote succeeded current=true, v1 promote succeeded current=false"
  assert_equal "$(history_line "$STG")" "v3 push succeeded current=true, v2 push succeeded current=false, v1 push succeeded current=false"
  run dokku ownstack:history "$STG" --format json
  assert_equal "$(jq -r '.[0] | [.image_id == $img, .who, (.build_id != null)] | map(tostring) | join(" ")' --arg img "$window_image" <<<"$output")" \
    "true unknown (deployed while ownstack was not installed) true"
  run dokku pipeline:info "$PRD" --format json
  assert_equal "$(jq -c '[.stages.staging, .stages.production]' <<<"$output")" "[[\"$STG\"],[\"$PRD\"]]"
  assert_equal "$(jq -r .version "$DATA/.pipelines.json")" 1 # nothing 0.1.0 cannot keep
  run dokku ownstack:report "$PRD" --ownstack-retention
  assert_output 4
  assert_equal "$(holders "$PRD")" "ownstack-retain.$PRD.v1 ownstack-retain.$PRD.v2 "
  assert_equal "$(holders "$STG")" "ownstack-retain.$STG.v1 ownstack-retain.$STG.v2 ownstack-retain.$STG.v3 "

  # every app can roll back: production to a 0.1.0 release, staging past the window's deploy
  # (and, after the next upgrade, to it)
  run dokku ownstack:rollback "$PRD" 1
  assert_success
  assert_equal "$(app_http "$PRD" /)" "sample v1 greeting=none"
  run dokku ownstack:rollback "$STG" 2
  assert_success
  assert_equal "$(app_http "$STG" /)" "sample v2 greeting=none"
}

@test "files an older version left in the plugin directory do nothing, and plugin:install removes them" {
  # a trigger this version does not have (its shim execs the binary, as every shim does), and the
  # folder an install over the top leaves
  cp "$PLUGIN/triggers/post-deploy" "$PLUGIN/triggers/post-extract"
  ln -s triggers/post-extract "$PLUGIN/post-extract"
  tar -xzf "$OLD_TGZ" -C "$PLUGIN"
  run --separate-stderr dokku plugin:trigger post-extract "$STG"
  assert_success
  assert_equal "$stderr" "!     ownstack $VERSION has no post-extract trigger (a file left by an older ownstack? plugin:install removes it); nothing was done"
  run dokku plugin:install
  assert_success
  assert_line "-----> ownstack: removed what this version does not ship: ownstack, post-extract, triggers/post-extract"
  assert [ ! -e "$PLUGIN/post-extract" ]
  assert [ ! -e "$PLUGIN/ownstack" ]
  assert [ -x "$PLUGIN/build/ownstack" ]
  assert_equal "$(running_version)" "$VERSION"
}

@test "$VERSION -> 0.1.0 without 0.2.0 features is safe: the real 0.1.0 reads and rolls back; and back again" {
  # An app in no pipeline: its push leaves notes (note-functions) that only the next start of this
  # version would record, and 0.1.0 never reads them; plugin:uninstall's trigger records them.
  host_create_app "$LONE"
  run host_push "$LONE" "$SRC"
  assert_success
  [[ -n "$(find "$DATA/.noted" -type f -not -name .lock)" ]] || fail "the push left no notes to record"
  run dokku plugin:uninstall ownstack
  assert_success
  assert_equal "$(find "$DATA/.noted" -type f -not -name .lock)" ""
  run dokku plugin:install "file://$OLD_TGZ" --name ownstack
  assert_success
  assert_equal "$(running_version)" 0.1.0
  run dokku ownstack:deploy-log "$LONE" 1
  assert_success
  assert_output --partial "Building $LONE from Dockerfile"
  assert_equal "$(dokku ownstack:history "$LONE" --format json | jq -r '.[0] | "\(.status) \(.source) \(.git_sha == $sha)"' --arg sha "$(git -C "$SRC" rev-parse HEAD)")" \
    "succeeded git-push true"
  run dokku pipeline:info "$PRD"
  assert_success
  assert_output --partial "$STG"
  run dokku ownstack:rollback "$PRD" 2
  assert_success
  assert_equal "$(app_http "$PRD" /)" "sample v2 greeting=none"
  assert_equal "$(history_line "$PRD")" "v4 rollback succeeded, v3 rollback succeeded, v2 promote succeeded, v1 promote succeeded"

  run switch_to "$NEW_TGZ"
  assert_success
  refute_output --partial "recorded: a" # 0.1.0 recorded every deploy itself
  assert_equal "$(history_line "$PRD")" "v4 rollback succeeded current=true, v3 rollback succeeded current=false, v2 promote succeeded current=false, v1 promote succeeded current=false"
}

@test "main before $VERSION (a88bfdd) -> $VERSION: pipeline settings and stacks kept, the pipelines file becomes format 2" {
  run switch_to "$MAIN_TGZ"
  assert_success
  assert_equal "$(running_version)" 0.1.0 # main was still labelled 0.1.0
  dokku pipeline:set "upp-$HOST_TOKEN" promote-min-age 10m >/dev/null
  # a stack that refuses at once: stacks:add keeps it and warns
  dokku stacks:add far "dokku@127.0.0.1:1" >/dev/null 2>&1
  host_set_version "$SRC" v4
  host_push "$STG" "$SRC" >/dev/null
  assert_equal "$(jq -r .version "$DATA/.pipelines.json")" 1 # main wrote settings under format 1

  run switch_to "$NEW_TGZ"
  assert_success
  assert_line "-----> ownstack: the pipelines file is now schema version 2"
  assert_equal "$(jq -r .version "$DATA/.pipelines.json")" 2
  run dokku pipeline:info "$PRD" --format json
  assert_equal "$(jq -c .settings <<<"$output")" '{"promote-min-age":"10m"}'
  run dokku stacks:list --format json
  assert_equal "$(jq -c 'map([.name, .host, .port])' <<<"$output")" '[["far","127.0.0.1",1]]'
  assert_equal "$(history_line "$STG" | cut -d, -f1)" "v5 push succeeded current=true"
  run dokku ownstack:rollback "$STG" 3
  assert_success
  assert_equal "$(app_http "$STG" /)" "sample v3 greeting=none"
  run dokku ownstack:rollback "$PRD" 1
  assert_success
  assert_equal "$(app_http "$PRD" /)" "sample v1 greeting=none"
}

@test "$VERSION -> 0.1.0 with pipeline settings: the real 0.1.0 refuses the pipelines file and loses nothing" {
  local before
  before="$(sha256sum <"$DATA/.pipelines.json")"
  run switch_to "$OLD_TGZ"
  assert_success
  run --separate-stderr dokku pipeline:info "$PRD"
  assert_failure
  assert_equal "$(grep -c . <<<"$stderr")" 1
  # 0.1.0's own words: it calls the file corrupt (the README says this downgrade is not safe)
  [[ "$stderr" == *"The pipelines file $DATA/.pipelines.json is corrupt"* ]] || fail "0.1.0 said: $stderr"
  run dokku pipeline:promote "$STG"
  assert_failure
  assert_equal "$(sha256sum <"$DATA/.pipelines.json")" "$before"

  run switch_to "$NEW_TGZ"
  assert_success
  run dokku pipeline:info "$PRD" --format json
  assert_success
  assert_equal "$(jq -c .settings <<<"$output")" '{"promote-min-age":"10m"}'
}
