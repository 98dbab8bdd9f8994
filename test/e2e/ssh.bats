#!/usr/bin/env bats
# Real ssh to the test host, as Dokku's users reach it: sshd, a key added as sshcommand adds it,
# the forced command running the sandbox's `dokku` as its system user, Dokku's re-parsing of
# SSH_ORIGINAL_COMMAND, and `git push` through git-receive-pack.

load helpers/host
load helpers/ownstack
load helpers/sshd
bats_require_minimum_version 1.5.0

SYSTEM_USER=ownstack-ssh

setup_file() {
  sshd_system_user "$SYSTEM_USER"
  ownstack_setup_file "$SYSTEM_USER"
  sshd_start
  sshd_add_key alice
  export APP="$(host_app_name ssh-web)" SRC="$HOST_SANDBOX/src"
  host_sample_app "$SRC" v1 none
}

teardown_file() {
  sshd_stop
  ownstack_teardown_file
}

@test "ssh dokku@host apps:list answers, as the system user, with the key's NAME as SSH_NAME" {
  run ssh_dokku alice apps:create "$APP"
  assert_success
  run ssh_dokku alice apps:list
  assert_success
  assert_line "$APP"
  # the trigger ran as the system user, who is SSH_USER, and the key's name is SSH_NAME
  run grep " post-create argv=\[\"$APP\"\] " "$DOKKU_EVENTS_LOGFILE"
  assert_success
  assert_output --partial "user=$SYSTEM_USER "
  assert_output --partial "SSH_USER=$SYSTEM_USER SSH_NAME=alice"
}

@test "arguments with blanks and quotes arrive whole; hostile ones are not run" {
  dokku scheduler:set "$APP" shell /bin/sh >/dev/null
  run ssh_dokku alice config:set --no-restart "$APP" "'GREETING=hello   world'" "\"QUOTE=it's\""
  assert_success
  run dokku config:get "$APP" GREETING
  assert_output "hello   world"
  run dokku config:get "$APP" QUOTE
  assert_output "it's"
  local marker="$HOST_SANDBOX/pwned"
  run ssh_dokku alice config:set --no-restart "$APP" "'HOSTILE=\$(touch $marker)'"
  assert_success
  run dokku config:get "$APP" HOSTILE
  assert_output "\$(touch $marker)"
  run ssh_dokku alice "apps:list; touch $marker"
  run ssh_dokku alice "apps:list && touch $marker"
  run ssh_dokku alice "apps:list \`touch $marker\`"
  [[ ! -e "$marker" ]]
}

@test "git push over ssh deploys, and the release records who pushed" {
  run ssh_git alice -C "$SRC" push "$(ssh_git_url "$APP")" main:main
  assert_success
  assert_output --partial "Application deployed"
  run app_http "$APP"
  assert_output --partial "sample v1"
  run dokku ownstack:history "$APP" --format json
  assert_success
  [[ "$(jq -r '.[0].who' <<<"$output")" == alice ]]
  # fetching over ssh works too (git-upload-pack)
  run ssh_git alice clone -q -b main "$(ssh_git_url "$APP")" "$HOST_SANDBOX/clone"
  assert_success
  [[ "$(cat "$HOST_SANDBOX/clone/VERSION")" == v1 ]]
}

@test "a push to an app that does not exist is refused" {
  run ssh_git alice -C "$SRC" push "$(ssh_git_url "nope-$HOST_TOKEN")" main:main
  assert_failure
  assert_output --partial "App nope-$HOST_TOKEN does not exist"
}
