#!/usr/bin/env bats
# Issue 18, the dashboard in a real browser (Debian's chromium through playwright-core, see
# helpers/dashboard-browser.mjs): the web process is the plugin's own binary
# (`ownstack dashboard serve`) reading this host's store; a user signs in with a link that
# `ownstack:dashboard:login` minted, reads every page, and is refused with a used or expired link,
# a forged form post, or a revoked session. Every page visited passes an axe-core check and is
# saved as a screenshot (artifacts/dashboard/). Tests run in order and share the app.

bats_require_minimum_version 1.5.0
load helpers/host
load helpers/ownstack
load helpers/stack
load helpers/browser
load helpers/faults-lib

# The payload a hostile build step, commit message or name would carry; it must stay text.
XSS_PAYLOAD='<img src=x onerror=alert(1) data-xss>'

setup_file() {
  ownstack_setup_file
  export APP="$(host_app_name dash)"
  host_create_app "$APP"
  dokku checks:set "$APP" wait-to-retire 1 >/dev/null
  host_sample_app "$HOST_SANDBOX/src" v1 release
  host_push "$APP" "$HOST_SANDBOX/src" >"$HOST_SANDBOX/push.log" || { cat "$HOST_SANDBOX/push.log" >&3; return 1; }
  # v2: a build step (so the deploy log) and the pusher's key name (so WHO) carry markup
  printf 'RUN echo %q\n' "$XSS_PAYLOAD" >>"$HOST_SANDBOX/src/Dockerfile"
  host_commit "$HOST_SANDBOX/src" "$XSS_PAYLOAD"
  NAME="$XSS_PAYLOAD" host_push "$APP" "$HOST_SANDBOX/src" >"$HOST_SANDBOX/push.log" || { cat "$HOST_SANDBOX/push.log" >&3; return 1; }
  dokku pipeline:create "$APP" >/dev/null

  export DASHBOARD_PORT="$(free_port)"
  export DASHBOARD_URL="http://127.0.0.1:$DASHBOARD_PORT"
  export DASHBOARD_STATE="$HOST_SANDBOX/browser-state.json"
  export DASHBOARD_ARTIFACTS="$HOST_REPO_ROOT/artifacts/dashboard"
  browser_start
  dokku ownstack:set --global dashboard-url "$DASHBOARD_URL" >/dev/null
  # the web process, as Dokku would run it: the plugin's binary with the host's environment
  "$HOST_SANDBOX/ownstack-plugin/build/ownstack" dashboard serve --listen 127.0.0.1 --port "$DASHBOARD_PORT" \
    >"$HOST_SANDBOX/dashboard.log" 2>&1 &
  echo $! >"$HOST_SANDBOX/dashboard.pid"
  # its own line, printed once it holds the port: any other server there would answer a curl too
  stack_wait_for 30 grep -qF "listening on 127.0.0.1:$DASHBOARD_PORT," "$HOST_SANDBOX/dashboard.log" || { cat "$HOST_SANDBOX/dashboard.log" >&3; return 1; }
}

teardown_file() {
  stop_pid_file "$HOST_SANDBOX/dashboard.pid"
  browser_stop
  ownstack_teardown_file
}

# A sign-in link for the key NAME (sshcommand sets NAME, which Dokku exports as SSH_NAME), with extra options.
login_link() {
  local name="$1"
  shift
  NAME="$name" dokku ownstack:dashboard:login "$@" --format json | jq -r .url
}

@test "a minted link signs its key's name in once; every page is readable and accessible" {
  local link
  link="$(login_link alice)"
  [[ "$link" == "$DASHBOARD_URL/login/"* ]] || fail "link: $link"
  run browser sign-in "$link" alice
  assert_success
  run browser pages "$APP" 2 "Step 1/"
  assert_success
  # the link was used: it signs nobody in again
  run browser refused "$link"
  assert_success
  # the token never reaches the dashboard's own log
  ! grep -qF "${link##*/}" "$HOST_SANDBOX/dashboard.log" || fail "the sign-in token is in the dashboard's log"
}

@test "an expired link and an unknown one are refused" {
  local link
  link="$(OWNSTACK_NOW="$(date -u -d '-11 minutes' +%Y-%m-%dT%H:%M:%SZ)" login_link bob)"
  run browser refused "$link"
  assert_success
  run browser refused "$DASHBOARD_URL/login/0000000000000000000000000000000000000000000"
  assert_success
}

@test "markup in a build log and in WHO is shown as text and never runs" {
  run browser inert "$APP" 2 "$XSS_PAYLOAD"
  assert_success
}

@test "a form post without the session's CSRF token is refused; signing out ends the session" {
  run browser csrf
  assert_success
}

@test "a viewer link signs in read-only; sessions are listed and revoked from the CLI" {
  local link id
  link="$(login_link alice --viewer carol)"
  run browser sign-in "$link" carol
  assert_success
  run dokku ownstack:dashboard:sessions --format json
  assert_success
  assert_equal "$(jq -r '.[] | select(.name == "carol") | .role' <<<"$output")" viewer
  id="$(jq -r '.[] | select(.name == "carol") | .id' <<<"$output")"
  run dokku ownstack:dashboard:revoke "$id"
  assert_success
  run browser signed-out
  assert_success
}

@test "a running deploy's log streams into the open page until the deploy ends, then shows its outcome" {
  local link
  link="$(login_link alice)"
  run browser sign-in "$link" alice
  assert_success
  # v3 stops in its release task (helpers/faults-gate.bash) until the browser lets it go
  faults_install_gate
  gate_rule_for release "$APP" git-push
  host_set_version "$HOST_SANDBOX/src" v3 >/dev/null
  PATH="$GATE_RULE_BIN:$PATH" host_push "$APP" "$HOST_SANDBOX/src" >"$HOST_SANDBOX/push-v3.log" 2>&1 &
  local push=$!
  poll_until 120 test -e "$FAULT_GATE_DIR/reached" || { kill "$push"; fail "the push never reached its release task: $(cat "$HOST_SANDBOX/push-v3.log")"; }
  assert_equal "$(dokku ownstack:history "$APP" --format json | jq -r '.[0] | "\(.id) \(.status)"')" "3 running"
  run browser live "$APP" 3 "$FAULT_GATE_DIR/go" "release-task-ran version=v3" "v3 succeeded."
  wait "$push" || fail "the push failed: $(cat "$HOST_SANDBOX/push-v3.log")"
  assert_success
}


@test "a running promotion's log: the lines so far in ownstack:deploy-log and in the open page, then the rest and the outcome, without a reload" {
  local link stg="$(host_app_name dash-stg)"
  link="$(login_link alice)"
  run browser sign-in "$link" alice
  assert_success
  host_create_app "$stg"
  host_push "$stg" "$HOST_SANDBOX/src" >"$HOST_SANDBOX/push-stg.log" 2>&1 || fail "the staging push failed: $(cat "$HOST_SANDBOX/push-stg.log")"
  dokku pipeline:add-staging "$APP" "$stg" >/dev/null
  # v4, the promotion, stops in its release task (helpers/faults-gate.bash) until the browser lets it go
  faults_install_gate
  gate_rule_for release "$APP" pipeline:promote
  PATH="$GATE_RULE_BIN:$PATH" dokku pipeline:promote "$stg" >"$HOST_SANDBOX/promote.log" 2>&1 &
  local promote=$!
  poll_until 120 test -e "$FAULT_GATE_DIR/reached" || { kill "$promote"; fail "the promotion never reached its release task: $(cat "$HOST_SANDBOX/promote.log")"; }
  assert_equal "$(dokku ownstack:history "$APP" --format json | jq -r '.[0] | "\(.id) \(.kind) \(.status)"')" "4 promote running"
  run dokku ownstack:deploy-log "$APP" 4
  assert_success
  assert_line --partial "Releasing $APP..."
  refute_output --partial "release-task-ran"
  run browser live "$APP" 4 "$FAULT_GATE_DIR/go" "release-task-ran version=v3" "v4 succeeded." "Releasing $APP..."
  wait "$promote" || fail "the promotion failed: $(cat "$HOST_SANDBOX/promote.log")"
  assert_success
  # the log kept at the end is the one that was followed
  run dokku ownstack:deploy-log "$APP" 4
  assert_success
  assert_line --partial "Releasing $APP..."
  assert_line --partial "release-task-ran version=v3"
  [[ ! -e "$DOKKU_LIB_ROOT/data/ownstack/$APP/logs/4.log" ]] || fail "the live log outlived the promotion"
  [[ -e "$DOKKU_LIB_ROOT/data/ownstack/$APP/logs/4.log.gz" ]] || fail "the promotion kept no log"
}
