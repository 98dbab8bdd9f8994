#!/usr/bin/env bats
# Review apps (issue 11) on the test host, over real ssh as CI reaches Dokku, with real containers
# and HTTP checks. The pipeline: production PRD, staging STG (the review apps' parent).
# STG's config holds a secret (PARENT_SECRET) and the app.json's environments.review.env another
# (REVIEW_SECRET); the app prints only whether each is set, and no output, history or log may
# ever contain either value.

load helpers/host
load helpers/ownstack
load helpers/sshd
bats_require_minimum_version 1.5.0

SYSTEM_USER=ownstack-review

setup_file() {
  sshd_system_user "$SYSTEM_USER"
  ownstack_setup_file "$SYSTEM_USER"
  # As in conformance.bats: a plugin implementing pre-deploy makes the host fire it, as the traces were made.
  local tracer="$HOST_SANDBOX/trace-plugin"
  mkdir -p "$tracer" && printf '#!/usr/bin/env bash\nexit 0\n' >"$tracer/pre-deploy" && chmod +x "$tracer/pre-deploy"
  dokku plugin:install "$tracer" --name zz-trace >/dev/null
  sshd_start
  sshd_add_key ci
  export PRD="$(host_app_name ra-prd)" STG="$(host_app_name ra-stg)" PIPE="ra-$HOST_TOKEN"
  export PARENT_SECRET="parent-s3cret-$HOST_TOKEN" REVIEW_SECRET="review-s3cret-$HOST_TOKEN"
  export SRC="$HOST_SANDBOX/src" OUT="$HOST_SANDBOX/all-output.log"
  review_sample_app "$SRC"
  host_create_app "$PRD"
  host_create_app "$STG"
  dokku pipeline:create "$PRD" --name "$PIPE" >/dev/null
  dokku pipeline:add-staging "$PRD" "$STG" >/dev/null
  dokku config:set --no-restart "$STG" GREETING=parent-hello "PARENT_SECRET=$PARENT_SECRET" >/dev/null
  host_push "$STG" "$SRC" >"$HOST_SANDBOX/stg-push.log" || { cat "$HOST_SANDBOX/stg-push.log" >&3; return 1; }
}

teardown_file() {
  sshd_stop
  ownstack_teardown_file
}

# The sample app, printing which secrets it sees, with Heroku's review-app parts in app.json.
review_sample_app() {
  declare DIR="$1"
  host_sample_app "$DIR" v1 heroku-postdeploy
  cat >"$DIR/bin/start" <<'EOF'
#!/bin/sh
mkdir -p /tmp/www
echo "sample $(cat /app/VERSION) greeting=${GREETING:-none} parent_secret=${PARENT_SECRET:+set} review_secret=${REVIEW_SECRET:+set}" >/tmp/www/index.html
echo '{"status":"ok"}' >/tmp/www/health
exec httpd -f -p "${PORT:-5000}" -h /tmp/www
EOF
  cat >"$DIR/bin/pr-predestroy" <<'EOF'
#!/bin/sh
# Heroku's scripts.pr-predestroy; FAIL_PREDESTROY=1 fails it
echo "pr-predestroy-ran version=$(cat /app/VERSION) parent_secret=${PARENT_SECRET:+set}"
if [ "${FAIL_PREDESTROY:-0}" = "1" ]; then echo "pr-predestroy-failing"; exit 3; fi
# SHOW_ENV names variables to print as hex bytes, so that a test compares them exactly
for name in ${SHOW_ENV:-}; do
  eval "value=\${$name-<unset>}"
  echo "seen $name=$(printf '%s' "$value" | od -An -tx1 | tr -d ' \n')"
done
EOF
  chmod +x "$DIR/bin/start" "$DIR/bin/pr-predestroy"
  host_edit_app_json "$DIR" --arg secret "$REVIEW_SECRET" '.scripts["pr-predestroy"] = "/app/bin/pr-predestroy"
    | .environments.review.env = {GREETING: "review-hello", REVIEW_SECRET: {value: $secret}}'
  host_commit "$DIR" "review parts"
}

# Config values that a file format or a shell could change: spaces, quotes, $, =, backslashes,
# newlines, and the plain values that real Dokku's envfile once wrapped in quotes.
HOSTILE_CONFIG=(
  REVIEW_FLAG 'yes'
  H_SPACES '  two  words  '
  H_QUOTES "say \"hi\" and 'bye' \"now\" ok"
  H_DOLLAR '$HOME ${PATH} $(id) `id` $'
  H_EQUALS '=a=b==c='
  H_BACKSLASH 'C:\temp\new \n \\ \" \$X end'
  H_NEWLINES $'line one\nline two\n\n  indented\r\nlast'
  H_BANG '!wow! #not a comment'
)

# Sets HOSTILE_CONFIG on APP, and SHOW_ENV so that pr-predestroy prints what it sees.
set_hostile_config() {
  local pairs=() names=() i
  for ((i = 0; i < ${#HOSTILE_CONFIG[@]}; i += 2)); do
    pairs+=("${HOSTILE_CONFIG[i]}=${HOSTILE_CONFIG[i + 1]}") names+=("${HOSTILE_CONFIG[i]}")
  done
  dokku config:set --no-restart "$1" "${pairs[@]}" "SHOW_ENV=${names[*]} GREETING PARENT_SECRET_UNSET" >/dev/null
}

# pr-predestroy saw every HOSTILE_CONFIG value byte for byte (and GREETING as environments.review.env set it).
assert_predestroy_saw_exact_config() {
  local i
  for ((i = 0; i < ${#HOSTILE_CONFIG[@]}; i += 2)); do
    assert_line "seen ${HOSTILE_CONFIG[i]}=$(printf '%s' "${HOSTILE_CONFIG[i + 1]}" | od -An -tx1 | tr -d ' \n')"
  done
  assert_line "seen GREETING=$(printf '%s' review-hello | od -An -tx1 | tr -d ' \n')"
  # a variable the app does not have is not in the container either
  assert_line "seen PARENT_SECRET_UNSET=$(printf '%s' '<unset>' | od -An -tx1 | tr -d ' \n')"
}

# Runs a command, keeping its output (stdout and stderr) for the secret check at the end.
kept() { "$@" 2>&1 | tee -a "$OUT"; return "${PIPESTATUS[0]}"; }

ssh_push_url() { echo "ssh://$DOKKU_SYSTEM_USER@127.0.0.1:$SSHD_PORT/$1"; }
review_stage() { dokku pipeline:info "$PIPE" --format json | jq -c .stages.review; }
count_in_build_logs() { host_build_logs "$1" | grep -c -- "$2" || true; }
# A pull request's commit on its own branch of the source checkout.
pr_commit() {
  host_git "$SRC" checkout -q "$1" 2>/dev/null || host_git "$SRC" checkout -q -b "$1" main
  host_set_version "$SRC" "$2"
  host_git "$SRC" rev-parse HEAD
}

# Everything that the plugin or Dokku keeps about apps, for "no state change" checks.
state_digest() {
  dokku apps:list 2>/dev/null | sort
  cat "$DOKKU_LIB_ROOT/data/ownstack/.pipelines.json"
}

@test "1 the official action's sequence: apps:clone, git push over ssh, apps:destroy --force" {
  run kept dokku pipeline:set "$PIPE" review-apps true
  assert_success
  local review="$(host_app_name ra-pr1)" sha
  # review-apps:create as dokku/github-action runs it: apps:clone (which rebuilds the parent's
  # code on the clone), then a push of the pull request's commit
  run kept ssh_dokku ci apps:clone "$STG" "$review"
  assert_success
  assert_output --partial "$review is a review app of pipeline $PIPE"
  assert_output --partial "Review app config from app.json environments.review.env: GREETING, REVIEW_SECRET"
  assert_equal "$(review_stage)" "[\"$review\"]"
  run app_http "$review"
  assert_output "sample v1 greeting=review-hello parent_secret=set review_secret=set"
  # its history starts empty: the clone's own first deploy is its v1, the parent's releases are not its own
  run dokku ownstack:history "$review" --format json
  assert_equal "$(jq -c '[.[] | {id, status}]' <<<"$output")" '[{"id":1,"status":"succeeded"}]'
  assert_equal "$(count_in_build_logs "$review" heroku-postdeploy-ran)" 1
  sha="$(pr_commit pr1 pr1)"
  run kept ssh_git ci -C "$SRC" push "$(ssh_push_url "$review")" "$sha:refs/heads/main"
  assert_success
  refute_output --partial "environments.review.env"
  run app_http "$review"
  assert_output "sample pr1 greeting=review-hello parent_secret=set review_secret=set"
  # the parent is untouched by its review app's config
  run app_http "$STG"
  assert_output "sample v1 greeting=parent-hello parent_secret=set review_secret="

  # synchronize: the action pushes again; postdeploy does not run again, the review config stays
  sha="$(pr_commit pr1 pr1b)"
  run kept ssh_git ci -C "$SRC" push "$(ssh_push_url "$review")" "$sha:refs/heads/main"
  assert_success
  run app_http "$review"
  assert_output "sample pr1b greeting=review-hello parent_secret=set review_secret=set"
  assert_equal "$(count_in_build_logs "$review" heroku-postdeploy-ran)" 1
  run dokku ownstack:history "$review" --format json
  assert_equal "$(jq -c '[.[] | .id]' <<<"$output")" '[3,2,1]'

  run kept ssh_dokku ci review-apps:list "$PIPE" --format json
  assert_success
  assert_equal "$(jq -r 'length' <<<"$output")" 1
  assert_equal "$(jq -r '.[0] | [.name, .source, .release, .status] | @tsv' <<<"$output")" "$(printf '%s\t%s\t3\tsucceeded' "$review" "$sha")"
  assert_equal "$(jq -r '.[0].url' <<<"$output")" "$(app_url "$review")"
  run kept ssh_dokku ci review-apps:list "$PIPE"
  assert_success
  assert_line --regexp "^$review +${sha:0:7} +v3 +succeeded +http://127.0.0.1:[0-9]+ "
  run kept ssh_dokku ci pipeline:info "$PIPE"
  assert_line --regexp "^ +review: +$review\$"

  # closed: the action destroys the app; pr-predestroy runs first, in the app's image with its
  # config, every value exactly as set
  set_hostile_config "$review"
  run kept ssh_dokku ci apps:destroy "$review" --force
  assert_success
  assert_output --partial "pr-predestroy-ran version=pr1b parent_secret=set"
  assert_output --partial "pr-predestroy of $review succeeded"
  assert_predestroy_saw_exact_config
  run dokku apps:list
  refute_line "$review"
  assert_equal "$(review_stage)" "[]"
  run app_http "$STG"
  assert_output "sample v1 greeting=parent-hello parent_secret=set review_secret="
}

@test "2 review-apps:create and review-apps:destroy over ssh do the same" {
  local review="$(host_app_name ra-pr2)" sha
  run kept ssh_dokku ci review-apps:create "$PIPE" "$review"
  assert_success
  assert_output --partial "Creating review app $review from $STG in pipeline $PIPE"
  assert_equal "$(review_stage)" "[\"$review\"]"
  sha="$(pr_commit pr2 pr2)"
  run kept ssh_git ci -C "$SRC" push "$(ssh_git_url "$review")" "$sha:refs/heads/main"
  assert_success
  run app_http "$review"
  assert_output "sample pr2 greeting=review-hello parent_secret=set review_secret=set"
  assert_equal "$(count_in_build_logs "$review" heroku-postdeploy-ran)" 1
  run kept ssh_dokku ci review-apps:list "$PIPE" --format json
  assert_equal "$(jq -r '[.[].name] | join(" ")' <<<"$output")" "$review"

  set_hostile_config "$review"
  run kept ssh_dokku ci review-apps:destroy "$review"
  assert_success
  assert_output --partial "pr-predestroy-ran version=pr2 parent_secret=set"
  assert_predestroy_saw_exact_config
  run dokku apps:list
  refute_line "$review"
  assert_equal "$(review_stage)" "[]"
}

@test "3 a clone in a pipeline without review apps is Dokku's apps:clone, unchanged" {
  local prd="$(host_app_name ra-plain)" clone="$(host_app_name ra-plainclone)" mark
  host_create_app "$prd"
  dokku pipeline:create "$prd" --name "plain-$HOST_TOKEN" >/dev/null
  dokku config:set --no-restart "$prd" GREETING=plain >/dev/null
  host_push "$prd" "$SRC" >/dev/null
  mark="$(events_mark)"
  run kept dokku apps:clone "$prd" "$clone"
  assert_success
  refute_output --partial "review app"
  # the trigger calls of real Dokku 0.38's apps:clone (test/fixtures/traces/14-apps-clone)
  events_since "$mark" >"$HOST_SANDBOX/clone.log"
  run node "$BATS_TEST_DIRNAME/helpers/compare-events.mjs" "$HOST_TRACES/14-apps-clone.enter.log" "$HOST_SANDBOX/clone.log" \
    --map "$prd=t1" --map "$clone=t1clone"
  assert_success
  run dokku pipeline:info "plain-$HOST_TOKEN" --format json
  assert_equal "$(jq -c .stages <<<"$output")" "{\"review\":[],\"development\":[],\"staging\":[],\"production\":[\"$prd\"]}"
  run dokku pipeline:info "$clone"
  assert_failure
  run dokku config:get "$clone" GREETING
  assert_output plain
  run app_http "$clone"
  assert_output --partial "greeting=plain"
}

@test "4 refused with one line and no state change: the limit, promotion of a review app, hostile names" {
  dokku pipeline:set "$PIPE" review-apps-limit 1 >/dev/null
  local first="$(host_app_name ra-pr4)" second="$(host_app_name ra-pr5)" before
  run kept dokku review-apps:create "$PIPE" "$first"
  assert_success
  before="$(state_digest)"
  run --separate-stderr dokku review-apps:create "$PIPE" "$second"
  assert_failure
  assert_equal "${stderr# }" "!     Pipeline $PIPE already has 1 review apps, its limit (review-apps-limit 1); destroy one first"
  assert_equal "$(state_digest)" "$before"

  # the clone path too: Dokku has made the app before its setup trigger refuses; it stays out of the pipeline
  run --separate-stderr kept ssh_dokku ci apps:clone --skip-deploy "$STG" "$second"
  assert_failure
  assert_output --partial "Pipeline $PIPE already has 1 review apps, its limit (review-apps-limit 1); destroy one first"
  assert_equal "$(review_stage)" "[\"$first\"]"
  dokku apps:destroy "$second" --force >/dev/null

  # a review app is never a promotion source or target
  before="$(state_digest)"
  run --separate-stderr dokku pipeline:promote "$first"
  assert_failure
  assert_equal "${stderr# }" "!     App $first is a review app of pipeline $PIPE; review apps cannot be promoted"
  run --separate-stderr dokku pipeline:promote "$STG" --to "$first"
  assert_failure
  assert_equal "${stderr# }" "!     App $first is a review app of pipeline $PIPE; review apps cannot be promotion targets"
  # hostile names (more in the hostile-input corpus)
  for bad in '../x' '$(id)' "a'b" $'a\nb' 'UPPER'; do
    run --separate-stderr dokku review-apps:create "$PIPE" "$bad"
    assert_failure
    [[ "$(wc -l <<<"$stderr")" -eq 1 ]] || fail "more than one line: $stderr"
    run --separate-stderr dokku pipeline:set "$bad" review-apps true
    assert_failure
    [[ "$(wc -l <<<"$stderr")" -eq 1 ]] || fail "more than one line: $stderr"
  done
  assert_equal "$(state_digest)" "$before"
  run kept dokku review-apps:destroy "$first"
  assert_success
  dokku pipeline:set "$PIPE" review-apps-limit >/dev/null
}

@test "5 the scheduled job destroys a stale review app (pr-predestroy first) and keeps a fresh one" {
  local stale="$(host_app_name ra-stale)" fresh="$(host_app_name ra-fresh)" entry command logfile
  dokku review-apps:create "$PIPE" "$stale" >/dev/null
  dokku review-apps:create "$PIPE" "$fresh" >/dev/null
  pr_commit pr-stale stale >/dev/null
  # the stale app deploys first, the fresh one after it; records keep the real time
  host_push "$stale" "$SRC" >/dev/null
  host_push "$fresh" "$SRC" >/dev/null
  run dokku review-apps:list "$PIPE" --format json
  assert_equal "$(jq -r '[.[] | .status] | join(" ")' <<<"$output")" "succeeded succeeded"
  local stale_at="$(jq -r --arg app "$stale" '.[] | select(.name == $app) | .last_deploy_at' <<<"$output")"
  local fresh_at="$(jq -r --arg app "$fresh" '.[] | select(.name == $app) | .last_deploy_at' <<<"$output")"
  # the settable clock: 7 days after a moment between the two deploys, so only the first is 7 days old
  local clock="$(node -e 'const [a, b] = process.argv.slice(1).map(Date.parse); console.log(new Date((a + b) / 2 + 7 * 86400e3).toISOString())' "$stale_at" "$fresh_at")"
  local later="$(node -e 'console.log(new Date(Date.parse(process.argv[1]) + 8 * 86400e3).toISOString())' "$fresh_at")"

  # no entry until a pipeline has review-apps-stale-days
  run plugn trigger cron-entries docker-local
  assert_output ""
  run kept dokku pipeline:set "$PIPE" review-apps-stale-days 7
  assert_success
  run plugn trigger cron-entries docker-local
  assert_success
  entry="$output"
  # Dokku's format: SCHEDULE;COMMAND;LOGFILE, the log next to Dokku's own
  [[ "$entry" =~ ^([^\;]+)\;([^\;]+)\;([^\;]+)$ ]] || fail "not a cron entry: $entry"
  command="${BASH_REMATCH[2]}" logfile="${BASH_REMATCH[3]}"
  assert_equal "$logfile" "$DOKKU_LOGS_DIR/ownstack-review-apps.log"
  # the job's command, as the docker-local crontab runs it (`COMMAND &>> LOGFILE`), as the system user
  run setpriv --reuid="$DOKKU_SYSTEM_USER" --regid="$DOKKU_SYSTEM_GROUP" --init-groups env HOME="$DOKKU_ROOT" OWNSTACK_NOW="$clock" bash -c "$command &>> $logfile"
  assert_success
  run cat "$logfile"
  assert_output --partial "destroying review app $stale of pipeline $PIPE: no deploy for 7 days"
  assert_output --partial "pr-predestroy-ran version=stale"
  refute_output --partial "$fresh"
  cat "$logfile" >>"$OUT"
  run dokku apps:list
  refute_line "$stale"
  assert_line "$fresh"
  assert_equal "$(review_stage)" "[\"$fresh\"]"
  # a later run, 8 days after the fresh one's deploy, finds it stale too
  run env OWNSTACK_NOW="$later" bash -c "$command &>> $logfile"
  assert_success
  assert_equal "$(review_stage)" "[]"
  dokku pipeline:set "$PIPE" review-apps-stale-days >/dev/null
}

@test "6 a failing pr-predestroy is reported, and the app is destroyed all the same" {
  local review="$(host_app_name ra-pr6)"
  dokku review-apps:create "$PIPE" "$review" >/dev/null
  pr_commit pr6 pr6 >/dev/null
  host_push "$review" "$SRC" >/dev/null
  dokku config:set --no-restart "$review" FAIL_PREDESTROY=1 >/dev/null
  run --separate-stderr dokku review-apps:destroy "$review"
  printf '%s\n%s\n' "$output" "$stderr" >>"$OUT"
  assert_success
  assert_output --partial "pr-predestroy-failing"
  assert_equal "$(grep -c 'pr-predestroy of' <<<"$stderr")" 1
  [[ "$stderr" == *"!     pr-predestroy of $review failed (exit 3); destroying the app anyway"* ]] || fail "$stderr"
  run dokku apps:list
  refute_line "$review"
  assert_equal "$(review_stage)" "[]"
}

@test "7 no config value ever reached output, history or logs" {
  [[ -s "$OUT" ]]
  run grep -c -e "$PARENT_SECRET" -e "$REVIEW_SECRET" "$OUT"
  assert_output 0
  # release history, deploy logs (ours are gzipped), Dokku's build logs, the cron log. Left out:
  # the host's events.log, a test fixture that records every trigger's arguments, which include
  # config-set's KEY=VALUE exactly as `dokku config:set` itself receives them. The review value
  # is in the app.json the user committed, so copies of that file (Dokku's, and the snapshot each
  # release keeps for promote and rollback) hold it, as the repository does.
  run bash -c "grep -rl -e '$PARENT_SECRET' '$DOKKU_LIB_ROOT/data' '$DOKKU_LOGS_DIR' --exclude events.log; \
    grep -rl -e '$REVIEW_SECRET' '$DOKKU_LIB_ROOT/data' '$DOKKU_LOGS_DIR' --exclude events.log --exclude app.json --exclude-dir snapshots; \
    find '$DOKKU_LIB_ROOT/data/ownstack' -name '*.gz' -exec zgrep -l -e '$PARENT_SECRET' -e '$REVIEW_SECRET' {} +"
  assert_output ""
  # the values do exist where they belong: the check above can find them
  run dokku config:get "$STG" PARENT_SECRET
  assert_output "$PARENT_SECRET"
}

@test "8 pipeline:report shows the settings as set and in effect; pipeline:destroy forgets them" {
  local app="$(host_app_name ra-rep)" pipe="rep-$HOST_TOKEN"
  host_create_app "$app"
  dokku pipeline:create "$app" --name "$pipe" >/dev/null
  run dokku pipeline:set "$pipe" review-apps-limit 3
  assert_success
  assert_output "-----> Setting review-apps-limit to 3 on pipeline $pipe"
  run dokku pipeline:report "$pipe" --format json
  assert_success
  assert_equal "$(jq -c '[.["review-apps"], .["computed-review-apps"], .["review-apps-limit"], .["computed-review-apps-limit"]]' <<<"$output")" \
    '["","false","3","3"]'
  run dokku pipeline:report "$pipe" --pipeline-computed-review-apps-limit
  assert_output 3
  run dokku pipeline:report "$pipe"
  assert_line "=====> $pipe pipeline information"
  assert_line --regexp "^ +Pipeline review apps limit: +3$"
  dokku pipeline:destroy "$pipe" >/dev/null
  dokku pipeline:create "$app" --name "$pipe" >/dev/null
  run dokku pipeline:report "$pipe" --pipeline-computed-review-apps-limit
  assert_output 5
}
