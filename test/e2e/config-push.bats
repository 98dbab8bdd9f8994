#!/usr/bin/env bats
# ownstack:config-push on the Dokku test host, with real containers: the same config to every app
# of a three-stage pipeline (development DEV -> staging STG -> production PRD), values from a
# dotenv file or stdin only, never printed, one `config` release per changed app, stage order,
# stop at the first failed deploy. The tests build on each other in order.

bats_require_minimum_version 1.5.0
load helpers/host
load helpers/ownstack

setup_file() {
  ownstack_setup_file
  export DEV="$(host_app_name cp-dev)" STG="$(host_app_name cp-stg)" PRD="$(host_app_name cp-prd)"
  export SRC="$HOST_SANDBOX/src" FILES="$HOST_SANDBOX/files"
  # Values no other text contains, so a grep for them finds only a leak.
  export SECRET_A="pushed-$HOST_TOKEN-alpha" SECRET_B="second-$HOST_TOKEN-line" SECRET_C="failing-$HOST_TOKEN-gamma"
  mkdir -p "$FILES"
  local app
  for app in "$DEV" "$STG" "$PRD"; do host_create_app "$app"; done
  dokku pipeline:create "$PRD" >/dev/null
  dokku pipeline:add "$PRD" "$STG" --stage staging >/dev/null
  dokku pipeline:add "$PRD" "$DEV" --stage development >/dev/null
  host_sample_app "$SRC" v1 release
  host_push "$DEV" "$SRC" >/dev/null
  dokku pipeline:promote "$DEV" >/dev/null
  dokku pipeline:promote "$STG" >/dev/null
}

teardown_file() {
  ownstack_teardown_file
}

history_json() { dokku ownstack:history "$1" --format json; }
release_count() { history_json "$1" | jq length; }

# Everything a push could change: the apps' config, every release store, what serves.
state_digest() {
  local app
  {
    find "$DOKKU_LIB_ROOT/config" "$DOKKU_LIB_ROOT/data/ownstack" -type f ! -name '*.lock' -exec sha256sum {} + | sort
    for app in "$DEV" "$STG" "$PRD"; do cat "$DOKKU_ROOT/$app/CONTAINER.web.1"; done
  } | sha256sum
}

# Any of the pushed values anywhere we write or print: output, histories, deploy logs, our
# store, Dokku's event log. (Dokku's own ENV files under config/ hold them, as they must.)
assert_no_value_leaks() {
  local where value
  for value in "$SECRET_A" "$SECRET_B" "$SECRET_C"; do
    for where in "$@"; do
      if grep -F -q -- "$value" <<<"$where"; then fail "a pushed value leaked into the output"; fi
    done
    if grep -r -F -l -- "$value" "$DOKKU_LIB_ROOT/data/ownstack" "$DOKKU_EVENTS_LOGFILE"; then fail "a pushed value leaked into a file"; fi
    for app in "$DEV" "$STG" "$PRD"; do
      history_json "$app" | grep -F -q -- "$value" && fail "a pushed value is in the history of $app"
      dokku ownstack:deploy-log "$app" 2>&1 | grep -F -q -- "$value" && fail "a pushed value is in the deploy log of $app"
    done
  done
  return 0
}

@test "(1) --dry-run names the keys each app would get, and changes nothing" {
  printf '# shared by every stage\nexport GREETING="%s"\nNOTES="%s\nsecond"\n' "$SECRET_A" "$SECRET_B" >"$FILES/shared.env"
  local before
  before="$(state_digest)"
  run --separate-stderr dokku ownstack:config-push --file "$FILES/shared.env" --pipeline "$PRD" --dry-run
  assert_success
  assert_line "       $DEV (development): added: GREETING, NOTES"
  assert_line "       $STG (staging): added: GREETING, NOTES"
  assert_line "       $PRD (production): added: GREETING, NOTES"
  assert_line -- "-----> Dry run: nothing was changed"
  assert_no_value_leaks "$output" "$stderr"
  assert_equal "$(state_digest)" "$before"
  run app_http "$PRD"
  assert_output "sample v1 greeting=none"
}

@test "(2) a pipeline push: every stage serves the new value, one config release each, in stage order, no value anywhere" {
  local mark
  mark="$(events_mark)"
  run --separate-stderr dokku ownstack:config-push --file "$FILES/shared.env" --pipeline "$PRD"
  assert_success
  assert_line "       $DEV: changed, deployed as v2"
  assert_line "       $STG: changed, deployed as v2"
  assert_line "       $PRD: changed, deployed as v2"
  assert_no_value_leaks "$output" "$stderr"
  for app in "$DEV" "$STG" "$PRD"; do
    run app_http "$app"
    assert_output "sample v1 greeting=$SECRET_A"
    # the multi-line value arrived intact
    assert_equal "$(dokku config:get "$app" NOTES)" "$(printf '%s\nsecond' "$SECRET_B")"
    run history_json "$app"
    assert_equal "$(jq -c '[.[] | select(.kind == "config")] | map({id, status, description, config_keys})' <<<"$output")" \
      '[{"id":2,"status":"succeeded","description":"Config change: GREETING, NOTES","config_keys":["GREETING","NOTES"]}]'
    run dokku ownstack:history "$app"
    assert_line --regexp '^v2 +config .*succeeded.*Config change: GREETING, NOTES$'
  done
  # one redeploy per app, development first, production last
  assert_equal "$(events_since "$mark" | awk '$2 == "builds-record-start"' | grep -o 'argv=\["[^"]*"' | cut -d'"' -f2 | tr '\n' ' ')" "$DEV $STG $PRD "
}

@test "(3) the same push again changes nothing and makes no release" {
  run --separate-stderr dokku ownstack:config-push --file - --pipeline "$PRD" <"$FILES/shared.env"
  assert_success
  assert_line "       $DEV (development): unchanged: GREETING, NOTES"
  assert_line "       $PRD: unchanged"
  for app in "$DEV" "$STG" "$PRD"; do assert_equal "$(release_count "$app")" 2; done
}

@test "(4) apps named on the command line go in stage order; --no-restart sets without a release" {
  printf 'FLAG=on\n' >"$FILES/flag.env"
  run --separate-stderr dokku ownstack:config-push --file "$FILES/flag.env" "$PRD" "$DEV" --no-restart
  assert_success
  assert_equal "${lines[1]}" "       $DEV (development): added: FLAG"
  assert_equal "${lines[2]}" "       $PRD (production): added: FLAG"
  assert_line "       $PRD: changed (not restarted)"
  assert_equal "$(dokku config:get "$PRD" FLAG)" "on"
  assert_equal "$(release_count "$PRD")" 2
  assert_equal "$(release_count "$DEV")" 2
}

@test "(5) a deploy failing in the middle stage stops the push: production untouched, the summary says so" {
  dokku config:set --no-restart "$STG" FAIL_RELEASE=1 >/dev/null
  printf 'GREETING=%s\n' "$SECRET_C" >"$FILES/failing.env"
  local prd_before
  prd_before="$(release_count "$PRD")"
  run --separate-stderr dokku ownstack:config-push --file "$FILES/failing.env" --pipeline "$PRD"
  assert_failure
  assert_line "       $DEV: changed, deployed as v3"
  assert_line --regexp "^       $STG: FAILED \(v3\): release task failed"
  assert_line "       $PRD: untouched (the push stopped before it)"
  # (bats trims the leading space of the ` !     ` line)
  assert_equal "$stderr" "!     Config push stopped at $STG: changed $DEV; $STG failed; $PRD left untouched"
  assert_no_value_leaks "$output" "$stderr"
  run app_http "$DEV"
  assert_output "sample v1 greeting=$SECRET_C"
  run app_http "$STG"
  assert_output "sample v1 greeting=$SECRET_A"
  run app_http "$PRD"
  assert_output "sample v1 greeting=$SECRET_A"
  assert_equal "$(dokku config:get "$PRD" GREETING)" "$SECRET_A"
  assert_equal "$(release_count "$PRD")" "$prd_before"
  run history_json "$STG"
  assert_equal "$(jq -c '.[0] | {kind, status, phase, config_keys}' <<<"$output")" '{"kind":"config","status":"failed","phase":"release","config_keys":["GREETING"]}'
  dokku config:unset --no-restart "$STG" FAIL_RELEASE >/dev/null
}

@test "(6) values a file format or a shell could change arrive exactly, a second push sees no change; a value Dokku would change is refused" {
  cat >"$FILES/hostile.env" <<'ENV'
H_SPACES="  two  words  "
H_QUOTES='say "hi" now'
H_DOLLAR='$HOME ${PATH} $(id) `id` $'
H_EQUALS==a=b==c=
H_BACKSLASH='C:\temp\new \n \\ mid'
H_NEWLINES="line one\nline two\n\n  indented"
H_BANG='!wow! #hash'
H_BIG=99999999999999999999
ENV
  run --separate-stderr dokku ownstack:config-push --file "$FILES/hostile.env" "$DEV" --no-restart
  assert_success
  assert_line "       $DEV: changed (not restarted)"
  # what Dokku's config plugin now holds (config-export json, as ownstack compares it), byte for byte
  assert_equal "$(dokku config:export "$DEV" --format json | jq -c '{H_SPACES, H_QUOTES, H_DOLLAR, H_EQUALS, H_BACKSLASH, H_NEWLINES, H_BANG, H_BIG}')" \
    "$(jq -cn '{H_SPACES: "  two  words  ", H_QUOTES: "say \"hi\" now", H_DOLLAR: "$HOME ${PATH} $(id) `id` $", H_EQUALS: "=a=b==c=",
      H_BACKSLASH: "C:\\temp\\new \\n \\\\ mid", H_NEWLINES: "line one\nline two\n\n  indented", H_BANG: "!wow! #hash", H_BIG: "99999999999999999999"}')"
  run --separate-stderr dokku ownstack:config-push --file "$FILES/hostile.env" "$DEV" --no-restart
  assert_success
  assert_line "       $DEV: unchanged"

  # 0042 would be stored as 42 (and every later push would see a change): refused, nothing set
  local before
  before="$(state_digest)"
  printf 'OK_TOO=1\nPIN=0042\n' >"$FILES/pin.env"
  run --separate-stderr dokku ownstack:config-push --file "$FILES/pin.env" "$DEV" --no-restart
  assert_failure
  assert_equal "$stderr" "!     $FILES/pin.env, line 2: the value of PIN is a number with a sign or leading zeros, which Dokku stores without them"
  assert_equal "$(state_digest)" "$before"
}
