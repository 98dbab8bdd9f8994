#!/usr/bin/env bats
# Release notifications on the Dokku test host, with real containers and a real HTTP receiver
# (helpers/webhook-listener.mjs on 127.0.0.1): one event when a release starts and one when it
# ends, signed with the secret, Slack's shape when asked, and never in the deploy's way.
#
# Delivery happens in a background process by design, so the tests wait for its outcome to be
# recorded (wait_for: a bounded poll of a condition, never a fixed sleep). The tests build on each
# other in order, on one app.

bats_require_minimum_version 1.5.0
load helpers/host
load helpers/ownstack

setup_file() {
  ownstack_setup_file
  export APP="$(host_app_name nt-app)" SRC="$HOST_SANDBOX/src" HOOK="$HOST_SANDBOX/hook"
  export CONFIG_VALUE="config-$HOST_TOKEN-never-sent" PATH_SECRET="path-$HOST_TOKEN-hidden" SIGNING_SECRET="sign-$HOST_TOKEN-key"
  mkdir -p "$HOOK"
  echo ok >"$HOOK/mode"
  node "$HOST_REPO_ROOT/test/e2e/helpers/webhook-listener.mjs" "$HOOK" 3>&- &
  echo $! >"$HOST_SANDBOX/listener.pid"
  host_create_app "$APP"
  dokku config:set --no-restart "$APP" GREETING="$CONFIG_VALUE" >/dev/null
  host_sample_app "$SRC" v1 release
  wait_for test -s "$HOOK/port"
  export PORT="$(cat "$HOOK/port")"
}

teardown_file() {
  [[ ! -s "$HOST_SANDBOX/listener.pid" ]] || kill "$(cat "$HOST_SANDBOX/listener.pid")" 2>/dev/null || true
  ownstack_teardown_file
}

# Polls a condition for up to 90 s: delivery runs in the background, bounded by notify-timeout.
wait_for() {
  local i
  for ((i = 0; i < 450; i++)); do
    "$@" && return 0
    sleep 0.2
  done
  fail "timed out waiting for: $*"
}

requests() { cat "$HOOK/requests.jsonl" 2>/dev/null || true; }
request_count() { requests | wc -l; }
at_least_requests() { (($(request_count) >= $1)); }
# Bodies of the requests for release $1, decoded.
bodies_for() { requests | jq -r '.body_b64' | while read -r b; do base64 -d <<<"$b"; echo; done | jq -c --argjson id "$1" 'select(.data.id == $id)'; }
# Delivery outcomes are the sender's bookkeeping, in a file of the app's store (not in the
# public JSON): read it; ownstack:info shows the last one.
outcomes_of() { jq -c --argjson id "$1" 'map(select(.release == $id))' "$DOKKU_LIB_ROOT/data/ownstack/$APP/notifications.json" 2>/dev/null || echo '[]'; }
outcome_count_is() { [[ "$(outcomes_of "$1" | jq length)" == "$2" ]]; }
held_open() { (($(cat "$HOOK/open") >= 1)); }
senders() { pgrep -f "notify-deliver $APP\$" || true; }
sender_count_is() { [[ "$(senders | grep -c .)" == "$1" ]]; }

@test "(1) notify-url and notify-secret are set masked, and :report shows them masked" {
  run --separate-stderr dokku ownstack:set "$APP" notify-url "http://127.0.0.1:$PORT/hooks/$PATH_SECRET"
  assert_success
  assert_output "-----> Setting notify-url to http://127.0.0.1:$PORT/********"
  run --separate-stderr bash -c 'printf "%s\n" "$SIGNING_SECRET" | dokku ownstack:set "$APP" notify-secret -'
  assert_success
  assert_output "-----> Setting notify-secret to ********"
  run --separate-stderr dokku ownstack:report "$APP"
  assert_success
  assert_line --regexp "^       Ownstack notify url: +http://127.0.0.1:$PORT/\*\*\*\*\*\*\*\*$"
  assert_line --regexp "^       Ownstack notify secret: +\*\*\*\*\*\*\*\*$"
  assert_line --regexp "^       Ownstack computed notify format: +json$"
  run --separate-stderr dokku ownstack:report "$APP" --format json
  assert_equal "$(jq -r '."computed-notify-secret"' <<<"$output")" '********'
  refute_output --partial "$SIGNING_SECRET"
  refute_output --partial "$PATH_SECRET"
  assert_equal "$(stat -c %a "$DOKKU_LIB_ROOT/config/ownstack/$APP/notify-secret")" 600
  run --separate-stderr dokku ownstack:set "$APP" notify-url "ftp://127.0.0.1/x"
  assert_failure
  assert_equal "$stderr" "!     Invalid notify-url: expected an http:// or https:// URL"
}

@test "(2) a push sends one signed event when the release starts and one when it ends, without config values" {
  run host_push "$APP" "$SRC"
  assert_success
  wait_for outcome_count_is 1 2
  assert_equal "$(request_count)" 2
  run bodies_for 1
  assert_equal "$(jq -s -c 'map(.event) | sort' <<<"$output")" '["release.end","release.start"]'
  assert_equal "$(jq -s -c 'sort_by(.event) | map({resource, action, kind: .data.kind, status: .data.status, app: .app.name})' <<<"$output")" \
    "[{\"resource\":\"release\",\"action\":\"update\",\"kind\":\"push\",\"status\":\"succeeded\",\"app\":\"$APP\"},{\"resource\":\"release\",\"action\":\"create\",\"kind\":\"push\",\"status\":\"running\",\"app\":\"$APP\"}]"
  # the end carries the source the record has, though Dokku's deploy-source-set comes after the release ended
  local ended="$(jq -s -c 'map(select(.event == "release.end"))[0].data | [.source, .source_metadata]' <<<"$output")"
  run dokku ownstack:history "$APP" --format json
  assert_equal "$(jq -c '.[0] | [.source, .source_metadata]' <<<"$output")" "[\"git-push\",\"$(host_git "$SRC" rev-parse HEAD)\"]"
  assert_equal "$ended" "$(jq -c '.[0] | [.source, .source_metadata]' <<<"$output")"
  # every request: the URL's path, JSON, and a signature that verifies with the secret only
  local line body signature
  while read -r line; do
    assert_equal "$(jq -r '.url' <<<"$line")" "/hooks/$PATH_SECRET"
    assert_equal "$(jq -r '.headers["content-type"]' <<<"$line")" "application/json"
    signature="$(jq -r '.headers["ownstack-webhook-hmac-sha256"]' <<<"$line")"
    body="$(jq -r '.body_b64' <<<"$line")"
    assert_equal "$(base64 -d <<<"$body" | openssl dgst -sha256 -hmac "$SIGNING_SECRET" -binary | base64)" "$signature"
    refute [ "$(base64 -d <<<"$body" | openssl dgst -sha256 -hmac "wrong-$SIGNING_SECRET" -binary | base64)" = "$signature" ]
    base64 -d <<<"$body" | grep -F -q -- "$CONFIG_VALUE" && fail "a config value was sent"
  done < <(requests)
  # the secret is nowhere but in its setting
  if grep -r -F -l -- "$SIGNING_SECRET" "$DOKKU_LIB_ROOT/data" "$DOKKU_EVENTS_LOGFILE"; then fail "the secret leaked"; fi
  run dokku ownstack:info "$APP"
  assert_line --regexp '^       Last notification: +v1 (start|end): delivered \(HTTP 200, 1 attempt\) at '
  assert_equal "$(outcomes_of 1 | jq -c 'map({status, attempts, http_status}) | unique')" '[{"status":"delivered","attempts":1,"http_status":200}]'
}

@test "(3) a failing release sends its end with the phase and the one-line reason" {
  dokku config:set "$APP" FAIL_RELEASE=1 >/dev/null 2>&1 || true
  wait_for outcome_count_is 2 2
  run bodies_for 2
  assert_equal "$(jq -s -c 'map(select(.event == "release.end")) | map({kind: .data.kind, status: .data.status, phase: .data.phase})' <<<"$output")" \
    '[{"kind":"config","status":"failed","phase":"release"}]'
  assert_equal "$(jq -s -r 'map(select(.event == "release.end")) | .[0].data.reason' <<<"$output")" "release task failed (Procfile release) (exit 1)"
  # Not unset: the failed release's image (now dokku/APP:latest, Dokku's quirk) carries the
  # variable in its environment from the committed predeploy container; an explicit 0 overrides it.
  dokku config:set --no-restart "$APP" FAIL_RELEASE=0 >/dev/null
}

@test "(4) notify-format slack posts a short text that a Slack-shaped receiver accepts" {
  echo slack >"$HOOK/mode"
  # the receiver does check: a body without `text` is refused
  run curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' -d '{"data":1}' "http://127.0.0.1:$PORT/check"
  assert_output 400
  dokku ownstack:set "$APP" notify-format slack >/dev/null
  local before
  before="$(request_count)"
  run dokku config:set "$APP" SOME_FLAG=1
  assert_success
  wait_for outcome_count_is 3 2
  run bash -c "tail -n +$((before + 1)) '$HOOK/requests.jsonl'"
  assert_equal "$(jq -s -c 'map(.slack_ok)' <<<"$output")" '[true,true]'
  local texts
  texts="$(jq -r '.body_b64' <<<"$output" | while read -r b; do base64 -d <<<"$b" | jq -r .text; done | sort)"
  assert_equal "$(grep -c . <<<"$texts")" 2
  grep -q -E "^$APP v3 config change by .+: started$" <<<"$texts" || fail "no start text: $texts"
  grep -q -E "^$APP v3 config change by .+: succeeded in [0-9]+ s$" <<<"$texts" || fail "no end text: $texts"
  dokku ownstack:set "$APP" notify-format json >/dev/null
}

@test "(5) a receiver that hangs does not hold up the deploy; its failure shows in ownstack:info" {
  echo hang >"$HOOK/mode"
  # long attempts, so the held connection is certainly still held when we look
  dokku ownstack:set "$APP" notify-timeout 60 >/dev/null
  # a rollback: it holds the app's deploy lock, which its triggers inherit; a sender started
  # from the rollback or from a trigger must hold neither that lock nor the output
  run dokku ownstack:rollback "$APP"
  assert_success
  # the deploy has returned and its release is finished...
  assert_equal "$(dokku ownstack:history "$APP" --format json | jq -c '.[0] | {id, status}')" '{"id":4,"status":"succeeded"}'
  # ...while the receiver holds a notification's connection, unanswered
  wait_for held_open
  assert_equal "$(outcome_count_is 4 0 && echo none-recorded)" none-recorded
  # the background sender is detached from the deploy: no output or lock of it
  local pid fd pids
  # One sender per app: the end event is left to the sender of the start event (hanging on it),
  # and starts none that stays (one started in a race with it gives way at once).
  wait_for sender_count_is 1
  pids="$(senders)"
  for pid in $pids; do
    for fd in 0 1 2; do assert_equal "$(readlink "/proc/$pid/fd/$fd")" /dev/null; done
    # its own lock is the outbox's; the deploy lock and Dokku's build log it must not hold
    if ls -l "/proc/$pid/fd" | grep -v '/outbox/\.sender\.lock$' | grep -E -q '\.lock|data/builds'; then fail "the sender holds the deploy lock or the build log open"; fi
  done
  # the receiver now answers 500 to the held requests and to every retry
  echo fail >"$HOOK/mode"
  kill -USR1 "$(cat "$HOST_SANDBOX/listener.pid")"
  wait_for outcome_count_is 4 2
  assert_equal "$(outcomes_of 4 | jq -c 'map({status, attempts, http_status, error}) | unique')" \
    '[{"status":"failed","attempts":3,"http_status":500,"error":"HTTP 500"}]'
  run dokku ownstack:info "$APP"
  assert_line --regexp '^       Last notification: +v4 (start|end): FAILED after 3 attempts: HTTP 500 at '
  run dokku ownstack:info "$APP" --format json
  assert_equal "$(jq -c '.last_notification | {release, status, attempts}' <<<"$output")" '{"release":4,"status":"failed","attempts":3}'
  dokku ownstack:set "$APP" notify-timeout >/dev/null
}
