#!/usr/bin/env bats
# ownstack on a host that runs as Dokku does: plugin:install as root, every other command switched
# to Dokku's system user (`sudo -u dokku`), pushes arriving as that user. Everything the plugin
# writes must then belong to that user and stay owner-only, and nothing may need root.

load helpers/host
load helpers/ownstack
bats_require_minimum_version 1.5.0

SYSTEM_USER=ownstack-dokku

setup_file() {
  # The Debian docker.io package makes the docker group; Dokku's package puts `dokku` in it.
  ownstack_setup_file_as "$SYSTEM_USER"
  export STG="$(host_app_name su-stg)" PRD="$(host_app_name su-prd)" SRC="$HOST_SANDBOX/src"
  host_sample_app "$SRC" v1 none
  chown -R "$SYSTEM_USER:" "$SRC"
}

teardown_file() {
  ownstack_teardown_file
}

store() { echo "$DOKKU_LIB_ROOT/data/ownstack/$1"; }
# Files under DIR that are not the system user's, or that others may read or write.
foreign_or_open() { find "$1" \( ! -user "$SYSTEM_USER" -o -perm /077 \) ! -type l -printf '%M %u %p\n'; }

@test "plugin:install runs as root and hands data/ownstack to the system user, owner-only" {
  run stat -c '%U %a' "$DOKKU_LIB_ROOT/data/ownstack"
  assert_output "$SYSTEM_USER 700"
  # the sandbox really switches users: a command started by root runs as the system user
  run grep -c " install argv=.* user=root " "$DOKKU_EVENTS_LOGFILE"
  assert_output --regexp '^[1-9]'
}

@test "push, promote and rollback run as the system user; every file they write is theirs and owner-only" {
  host_create_app "$STG"
  host_create_app "$PRD"
  dokku pipeline:create "$PRD" --name "shop-$HOST_TOKEN" >/dev/null
  dokku pipeline:add-staging "$PRD" "$STG" >/dev/null
  run host_push "$STG" "$SRC"
  assert_success
  run dokku pipeline:promote "$STG"
  assert_success
  host_set_version "$SRC" v2
  chown -R "$SYSTEM_USER:" "$SRC"
  host_push "$STG" "$SRC" >/dev/null
  run dokku pipeline:promote "$STG"
  assert_success
  run app_http "$PRD"
  assert_output --partial "sample v2"

  run dokku ownstack:rollback "$PRD"
  assert_success
  run app_http "$PRD"
  assert_output --partial "sample v1"
  run bash -c "dokku ownstack:history '$PRD' --format json | jq -r 'map(\"v\(.id) \(.kind) \(.status)\") | join(\", \")'"
  assert_output "v3 rollback succeeded, v2 promote succeeded, v1 promote succeeded"

  # our triggers ran as the system user, never as root
  run grep -E " (builds-record-start|pre-release-builder|post-deploy|builds-record-finalize) argv=.*\"$PRD\".* user=" "$DOKKU_EVENTS_LOGFILE"
  assert_success
  refute_output --partial "user=root"
  assert_output --partial "user=$SYSTEM_USER"

  run foreign_or_open "$(store "$STG")"
  assert_success
  assert_output ""
  run foreign_or_open "$(store "$PRD")"
  assert_output ""
  run foreign_or_open "$DOKKU_LIB_ROOT/data/ownstack/.pipelines.json"
  assert_output ""
  # the rollback's image is held by a container the system user made through docker
  run docker container ls -a --filter "label=com.ownstack.app=$PRD" --format '{{.Names}}'
  assert_output --partial "ownstack-retain.$PRD.v1"
}

@test "ownstack:set from root is switched to the system user; the setting file is theirs" {
  run dokku ownstack:set "$PRD" retention 3
  assert_success
  run stat -c '%U %a' "$DOKKU_LIB_ROOT/config/ownstack/$PRD/retention"
  assert_output "$SYSTEM_USER 600"
  run --separate-stderr dokku ownstack:report "$PRD" --ownstack-retention
  assert_output "3"
}
