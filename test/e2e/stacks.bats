#!/usr/bin/env bats
# Issue 10, stacks: a pipeline that spans Dokku hosts. Host A is this file's sandbox (staging);
# hosts B and C are the same test host under other roots, each on a Docker engine of its own and
# reached over real ssh (sshd on loopback, sshcommand's forced command, their own system users).
# Images travel only through a real registry (Debian's docker-registry). Tests run in order.

bats_require_minimum_version 1.5.0
load helpers/host
load helpers/ownstack
load helpers/sshd
load helpers/stack
load helpers/faults-lib

setup_file() {
  ownstack_setup_file
  registry_start
  engine_start b
  engine_start c
  stack_host_setup b --ssh
  stack_host_setup c --ssh
  stack_authorize_this_host b
  stack_authorize_this_host c
  export STG="$(host_app_name stg)" PB="$(host_app_name prdb)" PC="$(host_app_name prdc)" PIPE="web-$HOST_TOKEN"
  host_create_app "$STG"
  dokku checks:set "$STG" wait-to-retire 1 >/dev/null
  host_sample_app "$HOST_SANDBOX/src" v1 release
  host_push "$STG" "$HOST_SANDBOX/src" >"$HOST_SANDBOX/push-stg.log" || { cat "$HOST_SANDBOX/push-stg.log" >&3; return 1; }
  on_stack b host_create_app "$PB"
  on_stack b dokku checks:set "$PB" wait-to-retire 1 >/dev/null
  on_stack b dokku config:set --no-restart "$PB" GREETING=from-b >/dev/null
  # C already serves a release of its own (v0), built there
  on_stack c host_create_app "$PC"
  on_stack c dokku checks:set "$PC" wait-to-retire 1 >/dev/null
  host_sample_app "$HOST_SANDBOX/src-c" v0 release
  on_stack c host_push "$PC" "$HOST_SANDBOX/src-c" >"$HOST_SANDBOX/push-c.log" || { cat "$HOST_SANDBOX/push-c.log" >&3; return 1; }
}

teardown_file() {
  stack_teardown
  ownstack_teardown_file
}

b_serves() { on_stack b app_http "$PB"; }
c_serves() { on_stack c app_http "$PC"; }
on_history() { on_stack "$1" dokku ownstack:history "$2" --format json; }

@test "stacks:add, stacks:list and stacks:check name each host, its address and its ownstack" {
  run --separate-stderr dokku stacks:add b "$(stack_address b)"
  assert_success
  assert_line "-----> Stack b answers: ownstack $("$HOST_REPO_ROOT/build/ownstack" --version)"
  run --separate-stderr dokku stacks:add c "$(stack_address c)"
  assert_success
  run dokku stacks:list --format json
  assert_success
  assert_equal "$(jq -c '[.[] | {name, address}]' <<<"$output")" "$(jq -cn --arg b "$(stack_address b)" --arg c "$(stack_address c)" '[{name: "b", address: $b}, {name: "c", address: $c}]')"
  assert_equal "$(jq -c 'map(keys) | unique' <<<"$output")" '[["added_at","address","host","name","port","user"]]'
  run dokku stacks:check --format json
  assert_success
  assert_equal "$(jq -c '[.[] | {stack, status}]' <<<"$output")" '[{"stack":"b","status":"ok"},{"stack":"c","status":"ok"}]'
  assert_equal "$(jq -c 'map(keys) | unique' <<<"$output")" '[["address","cause","message","ownstack_commit","ownstack_version","schema_versions","stack","status"]]'
  # a stack that is added twice, or removed while unknown, is refused in one line
  run --separate-stderr dokku stacks:add b "$(stack_address b)"
  assert_failure
  assert_equal "$stderr" "!     Stack b already exists ($(stack_address b)); remove it first"
}

@test "a pipeline spanning hosts: production on B (checked over ssh), staging here, a registry" {
  run --separate-stderr dokku pipeline:create "$PB" --stack b --name "$PIPE"
  assert_success
  run --separate-stderr dokku pipeline:add "$PIPE" "$STG" --stage staging
  assert_success
  run --separate-stderr dokku pipeline:add "$PIPE" "nope-$HOST_TOKEN" --stage production --stack c
  assert_failure
  assert_equal "$stderr" "!     App nope-$HOST_TOKEN does not exist on stack c ($(stack_address c))"
  # without a registry a promotion to another stack is refused before anything moves
  run --separate-stderr dokku pipeline:promote "$STG"
  assert_failure
  assert_equal "$stderr" "!     Pipeline $PIPE has apps on other stacks (b): set the registry their images travel through with pipeline:set $PIPE registry <host[:port]/namespace>"
  run --separate-stderr dokku pipeline:set "$PIPE" registry "$REGISTRY/ostk"
  assert_success
}

@test "(1) promote staging to B: B serves the exact image with its own config, ran its release task, built nothing" {
  local image layers mark digest
  image="$(dokku ownstack:info "$STG" --format json | jq -r .current.image_id)"
  layers="$(docker image inspect --format '{{json .RootFS.Layers}}' "$image")"
  run on_stack b docker image inspect "$image"
  assert_failure # B's engine has never seen it
  mark="$(on_stack b events_mark)"

  run --separate-stderr dokku pipeline:promote "$STG"
  echo "$output" "$stderr"
  assert_success
  assert_line --regexp "^$PB@b: .*release-task-ran version=v1$"
  assert_line "       $PB@b: succeeded (v1)"

  run b_serves
  assert_output "sample v1 greeting=from-b"
  assert_equal "$(on_stack b docker image inspect --format '{{json .RootFS.Layers}}' "$image")" "$layers"
  fired="$(on_stack b events_triggers_since "$mark")"
  for trigger in pre-receive-app builder-build pre-build post-build; do
    ! grep -qx "$trigger" <<<"$fired" || fail "$trigger fired on B for a promotion"
  done
  run on_stack b dokku ownstack:deploy-log "$PB" 1
  assert_output --partial "release-task-ran version=v1"
  digest="$(on_history b "$PB" | jq -r 'map(select(.status == "succeeded"))[0].image_digest')"
  [[ "$digest" == "$REGISTRY/ostk/$STG@sha256:"* ]] || fail "no digest in B's history: $digest"
  assert_equal "$(on_history b "$PB" | jq -c '.[0] | {kind, status, promoted_from, git_sha}')" \
    "$(jq -cn --arg app "$STG" --arg host "$(hostname | tr A-Z a-z)" --arg sha "$(host_git "$HOST_SANDBOX/src" rev-parse HEAD)" \
      '{kind: "promote", status: "succeeded", promoted_from: {app: $app, id: 1, host: $host}, git_sha: $sha}')"
  assert_equal "$(on_history b "$PB" | jq -r '.[0].description')" "Promote $STG@$(hostname | tr A-Z a-z) v1"
}

@test "(2) two production stacks, C's release task failing: mixed results, non-zero exit, C keeps serving its old release" {
  run --separate-stderr dokku pipeline:add "$PIPE" "$PC" --stage production --stack c
  assert_success
  on_stack c dokku config:set "$PC" FAIL_RELEASE=1 >/dev/null 2>&1 || true # its own redeploy fails too, and keeps v0
  run c_serves
  assert_output "sample v0 greeting=none"
  host_set_version "$HOST_SANDBOX/src" v2
  host_push "$STG" "$HOST_SANDBOX/src" >/dev/null

  run --separate-stderr dokku pipeline:promote "$STG"
  assert_failure
  assert_line "       $PB@b: succeeded (v2)"
  assert_line --regexp "^       $PC@c: failed: .*"
  assert_equal "$(grep -c . <<<"$stderr")" 1
  [[ "$stderr" == *"Promotion of $STG v2 failed for 1 of 2 targets ($PC@c: failed"* ]] || fail "$stderr"
  run b_serves
  assert_output "sample v2 greeting=from-b"
  run c_serves
  assert_output "sample v0 greeting=none"
  assert_equal "$(on_history c "$PC" | jq -c '.[0] | {kind, status, phase}')" '{"kind":"promote","status":"failed","phase":"release"}'
  on_stack c dokku config:unset --no-restart "$PC" FAIL_RELEASE >/dev/null
}

@test "(4) pipeline:info shows every app with its stack, release, SHA and status; an unreachable stack is marked, the others answer" {
  local sha
  sha="$(host_git "$HOST_SANDBOX/src" rev-parse HEAD)"
  run --separate-stderr dokku pipeline:info "$PIPE" --format json
  assert_success
  assert_equal "$(jq -c '[.apps[] | {app, stack, stage, reachable, current: (.current | if . then {id, status} else null end)}]' <<<"$output")" \
    "$(jq -cn --arg s "$STG" --arg b "$PB" --arg c "$PC" '[
      {app: $s, stack: null, stage: "staging", reachable: true, current: {id: 2, status: "succeeded"}},
      {app: $b, stack: "b", stage: "production", reachable: true, current: {id: 2, status: "succeeded"}},
      {app: $c, stack: "c", stage: "production", reachable: true, current: {id: 1, status: "succeeded"}}]')"
  assert_equal "$(jq -r '.apps[1].current.git_sha' <<<"$output")" "$sha"

  stack_sshd_stop c
  run --separate-stderr dokku pipeline:info "$PIPE"
  assert_success
  assert_line --regexp "^       $PB@b +production +v2 ${sha:0:7} succeeded$"
  assert_line --regexp "^       $PC@c +production +unreachable: stack c \\($(stack_address c)\\) refused the connection \\(nothing accepts ssh on that port\\): .*Connection refused$"
  # a promotion to B and C fails for C only, with one clear line
  run --separate-stderr dokku pipeline:promote "$STG"
  assert_failure
  assert_line "       $PB@b: succeeded (v3)"
  assert_line --regexp "^       $PC@c: failed: stack c \\(.*\\) refused the connection"
  assert_equal "$(grep -c . <<<"$stderr")" 1
  stack_sshd_restart c
  run c_serves
  assert_output "sample v0 greeting=none"
}

@test "(5) pipeline:rollback of the production stage: on one stack, then on every stack, a status line each" {
  host_set_version "$HOST_SANDBOX/src" v3
  host_push "$STG" "$HOST_SANDBOX/src" >/dev/null
  run --separate-stderr dokku pipeline:promote "$STG"
  assert_success
  run b_serves
  assert_output "sample v3 greeting=from-b"
  run c_serves
  assert_output "sample v3 greeting=none"

  run --separate-stderr dokku pipeline:rollback "$PIPE" --stage production --stack c
  assert_success
  assert_line --regexp "^       $PC@c: succeeded \\(v[0-9]+\\)$"
  refute_output --partial "$PB@b:"
  run c_serves
  assert_output "sample v0 greeting=none"
  run b_serves
  assert_output "sample v3 greeting=from-b"

  run --separate-stderr dokku pipeline:rollback "$PIPE" --stage production
  assert_success
  assert_line --regexp "^       $PB@b: succeeded \\(v[0-9]+\\)$"
  assert_line --regexp "^       $PC@c: succeeded \\(v[0-9]+\\)$"
  run b_serves
  assert_output "sample v2 greeting=from-b"
  run c_serves
  assert_output "sample v3 greeting=none"
  assert_equal "$(on_history b "$PB" | jq -r '.[0].kind')" rollback
  # a stage or stack without apps is refused in one line
  run --separate-stderr dokku pipeline:rollback "$PIPE" --stage development
  assert_failure
  assert_equal "$stderr" "!     Stage development of pipeline $PIPE has no apps"
  run --separate-stderr dokku pipeline:rollback "$PIPE" --stage production --stack local
  assert_failure
  assert_equal "$stderr" "!     Stage production of pipeline $PIPE has no apps on this host"
}

@test "(6) the registry down: remote targets fail at the push and serve their old release; with it back a retry succeeds" {
  host_set_version "$HOST_SANDBOX/src" v4
  host_push "$STG" "$HOST_SANDBOX/src" >/dev/null
  local before_b before_c
  before_b="$(on_history b "$PB" | jq -c 'map(.id)')" before_c="$(on_history c "$PC" | jq -c 'map(.id)')"
  registry_stop
  run --separate-stderr dokku pipeline:promote "$STG"
  registry_start
  assert_failure
  assert_line --regexp "^       $PB@b: failed: could not push to the registry $REGISTRY/ostk: .*"
  assert_line --regexp "^       $PC@c: failed: could not push to the registry $REGISTRY/ostk: .*"
  assert_equal "$(grep -c . <<<"$stderr")" 1
  run b_serves
  assert_output "sample v2 greeting=from-b"
  run c_serves
  assert_output "sample v3 greeting=none"
  # nothing reached the targets, so their histories are unchanged
  assert_equal "$(on_history b "$PB" | jq -c 'map(.id)')" "$before_b"
  assert_equal "$(on_history c "$PC" | jq -c 'map(.id)')" "$before_c"

  run --separate-stderr dokku pipeline:promote "$STG"
  assert_success
  run b_serves
  assert_output "sample v4 greeting=from-b"
  run c_serves
  assert_output "sample v4 greeting=none"
}

@test "(6) B's deploy lock held with --lock-wait 0: B is refused and keeps serving, C proceeds; a retry succeeds" {
  host_set_version "$HOST_SANDBOX/src" v5
  host_push "$STG" "$HOST_SANDBOX/src" >/dev/null
  local lock="$HOST_SANDBOX/stack-b/var/lib/dokku/data/apps/$PB/.deploy.lock"
  # held as a deploy of B's own would hold it: a file of B's Dokku user
  : >"$lock"
  chown --reference="${lock%/*}" "$lock"
  exec {held}>"$lock"
  flock --nonblock "$held"
  run --separate-stderr dokku pipeline:promote "$STG" --lock-wait 0
  flock --unlock "$held"
  exec {held}>&-
  assert_failure
  assert_line "       $PB@b: failed: App $PB is locked by another deploy; gave up after 0s (use --lock-wait to wait longer)"
  assert_line --regexp "^       $PC@c: succeeded \\(v[0-9]+\\)$"
  run b_serves
  assert_output "sample v4 greeting=from-b"
  run c_serves
  assert_output "sample v5 greeting=none"
  run --separate-stderr dokku pipeline:promote "$STG" --to "$PB@b"
  assert_success
  run b_serves
  assert_output "sample v5 greeting=from-b"
}

@test "(6) a digest the registry does not have, sent over ssh as a promotion: refused at the pull, old release serving, history says why" {
  local digest bad before
  digest="$(on_history b "$PB" | jq -r 'map(select(.status == "succeeded"))[0].image_digest')"
  bad="${digest%@*}@sha256:$(printf 'f%.0s' {1..64})"
  before="$(on_stack b dokku ownstack:info "$PB" --format json | jq .current.id)"
  run --separate-stderr ssh_to b ownstack:deploy-image "$PB" "$bad" --promoted-from "$STG@hostile-test/v5"
  assert_failure
  [[ "$stderr" == *"could not pull $bad"* ]] || fail "$stderr"
  run b_serves
  assert_output "sample v5 greeting=from-b"
  assert_equal "$(on_history b "$PB" | jq -c '.[0] | {kind, status, phase}')" '{"kind":"promote","status":"failed","phase":"build"}'
  assert_equal "$(on_stack b dokku ownstack:info "$PB" --format json | jq .current.id)" "$before"
}

# B's newest record has a final status and B's deploy lock is free: B's side has ended.
b_deploy_ended() {
  [[ "$(on_history b "$PB" | jq -r '.[0].status')" != running ]] && lock_free "$HOST_SANDBOX/stack-b/var/lib/dokku/data/apps/$PB/.deploy.lock"
}

@test "(6) the ssh connection killed during B's release task: B abandons the deploy and keeps serving, its history says why; a retry succeeds" {
  host_set_version "$HOST_SANDBOX/src" v6
  host_push "$STG" "$HOST_SANDBOX/src" >/dev/null
  local gate="$HOST_SANDBOX/stack-b/gate" out="$BATS_TEST_TMPDIR/promote.out" before promoter ssh_pid record serving
  # B's Dokku stops at the `docker container wait` of the release task's container (the gate of
  # faults-gate.bash, first on the PATH of B's Dokku user), so the connection dies exactly there
  faults_install_gate
  mkdir -p "$gate"
  chown --reference="$HOST_SANDBOX/stack-b/var/lib/dokku/data" "$gate"
  cat >"$gate/rule" <<'RULE'
GATE_WHEN=before
gate_match() {
  [[ $GATE_TOOL == docker && "$1 $2" == 'container wait' ]] && "$real" container inspect --format '{{json .Config.Cmd}}' "$3" 2>/dev/null | grep -q /app/bin/release
}
RULE
  cp "$STACK_B_ENV" "$BATS_TEST_TMPDIR/b.env"
  # docker's stand-in alone: the rule stops at docker only
  local gate_bin
  gate_bin="$(gate_bin_of docker)"
  echo "export FAULT_GATE_DIR=\"$gate\"; [[ :\$PATH: == *:$gate_bin:* ]] || export PATH=\"$gate_bin:\$PATH\"" >>"$STACK_B_ENV"
  before="$(on_stack b dokku ownstack:info "$PB" --format json | jq .current.id)"

  setsid dokku pipeline:promote "$STG" --to "$PB@b" >"$out" 2>&1 &
  promoter=$!
  stack_wait_for 120 test -e "$gate/reached" || { touch "$gate/go"; fail "B's release task never started: $(cat "$out")"; }
  # this host's end of the connection: the promotion's ssh client
  ssh_pid="$(pgrep -s "$promoter" -x ssh)" || { touch "$gate/go"; fail "no ssh client in the promotion's session"; }
  kill -9 $ssh_pid
  if wait "$promoter"; then touch "$gate/go"; fail "the promotion succeeded without its connection: $(cat "$out")"; fi
  grep -q "^       $PB@b: failed: lost the connection to stack b (.*): ssh was killed by SIGKILL; its history says whether the deploy was abandoned or finished$" "$out" || { touch "$gate/go"; fail "$(cat "$out")"; }

  # B saw the connection end and stopped its Dokku there, gate included: nothing holds the gate open
  stack_wait_for 60 b_deploy_ended || { touch "$gate/go"; fail "B's deploy did not end: $(on_history b "$PB" | jq -c '.[0]')"; }
  cat "$BATS_TEST_TMPDIR/b.env" >"$STACK_B_ENV"
  # ([t]: the pattern must not match this very check's own command line)
  stack_wait_for 30 bash -c "! pgrep -f '$gate_bin/docker container wai[t]'" || { touch "$gate/go"; fail "B's release step was left waiting"; }
  run b_serves
  assert_output "sample v5 greeting=from-b"
  record="$(on_history b "$PB" | jq -c '.[0] | {kind, status, phase, reason, promoted_from: .promoted_from.id}')"
  assert_equal "$record" '{"kind":"promote","status":"failed","phase":"release","reason":"abandoned: the requesting host disconnected before the traffic switch","promoted_from":6}'
  assert_equal "$(on_stack b dokku ownstack:info "$PB" --format json | jq .current.id)" "$before"
  # latest is back on what serves, so a restart on B would not deploy the abandoned image
  serving="$(on_stack b docker container inspect --format '{{.Image}}' "$(cat "$HOST_SANDBOX/stack-b/home/dokku/$PB/CONTAINER.web.1")")"
  assert_equal "$(on_stack b docker image inspect --format '{{.Id}}' "dokku/$PB:latest")" "$serving"

  run --separate-stderr dokku pipeline:promote "$STG" --to "$PB@b"
  assert_success
  run b_serves
  assert_output "sample v6 greeting=from-b"
}

# ssh to stack NAME with this host's key, as the promotion does
ssh_to() {
  local name="$1"
  shift
  ssh -i "$DOKKU_ROOT/.ssh/id_ed25519" -o IdentitiesOnly=yes -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR \
    -p "$(cat "$HOST_SANDBOX/stack-$name/sshd/port")" "$(on_stack "$name" bash -c 'echo $DOKKU_SYSTEM_USER')@127.0.0.1" "$@"
}

@test "(7) the receiving side trusts nothing: hostile words over ssh are refused in one line and change nothing" {
  local before digest
  digest="$(on_history b "$PB" | jq -r 'map(select(.status == "succeeded"))[0].image_digest')"
  before="$(find "$HOST_SANDBOX/stack-b/var/lib/dokku/data/ownstack" -type f -printf '%p %s %T@\n' | sort)"
  local -a cases=(
    "ownstack:deploy-image $PB ${digest%@*}:tag --promoted-from $STG@h/v1"
    "ownstack:deploy-image $PB '\$(id)'"
    "ownstack:deploy-image $PB ${digest} --promoted-from '../x@h/v1'"
    "ownstack:deploy-image $PB ${digest} --promoted-from '$STG@h/v1;id'"
    "ownstack:deploy-image $PB ${digest} --git-sha 'zz;id'"
    "ownstack:deploy-image '../x' ${digest}"
    "ownstack:deploy-image $PB 'a b'"
    "ownstack:rollback '\$(touch /tmp/pwned-$HOST_TOKEN)'"
    "ownstack:info \"$PB\"';id'"
  )
  local args
  for args in "${cases[@]}"; do
    run --separate-stderr ssh_to b "$args" </dev/null
    [[ "$status" -ne 0 ]] || fail "accepted over ssh: $args"
    assert_equal "$(grep -c . <<<"$stderr")" 1
  done
  [[ ! -e "/tmp/pwned-$HOST_TOKEN" ]] || fail "a command ran"
  # a request whose standard input ends before its files' line does: refused before anything
  run --separate-stderr ssh_to b ownstack:deploy-image "$PB" "$digest" --promoted-from "$STG@h/v1" --files-from-stdin --abandon-on-hangup < <(printf '{"procfile": "web: x"')
  assert_failure
  assert_equal "$stderr" "!     Standard input ended before the request was complete"
  # a promotion's files that are not a Procfile and an app.json
  run --separate-stderr ssh_to b ownstack:deploy-image "$PB" "$digest" --promoted-from "$STG@h/v1" --files-from-stdin <<<'{"procfile": "web: x", "app_json": null, "env": "SECRET=1"}'
  assert_failure
  assert_equal "$stderr" "!     Standard input is not the JSON of a Procfile and an app.json ({\"procfile\": …, \"app_json\": …})"
  assert_equal "$(find "$HOST_SANDBOX/stack-b/var/lib/dokku/data/ownstack" -type f -printf '%p %s %T@\n' | sort)" "$before"
  run b_serves
  assert_output "sample v6 greeting=from-b"
}

@test "(4) a host that accepts the connection but never answers is reported unreachable, bounded by ssh's ConnectTimeout" {
  local dir="$BATS_TEST_TMPDIR/silent"
  mkdir -p "$dir"
  # accepts TCP connections and never says a word: a hung host, not a closed port
  node -e "const s=require('net').createServer(()=>{}).listen(0,'127.0.0.1',()=>require('fs').writeFileSync('$dir/port',String(s.address().port)))" &
  local silent=$!
  stack_wait_for 30 test -s "$dir/port"
  run --separate-stderr dokku stacks:add silent "dokku@127.0.0.1:$(cat "$dir/port")"
  assert_success
  [[ "$stderr" == *"stack silent (dokku@127.0.0.1:$(cat "$dir/port")) is unreachable (no answer within 10s)"* ]] || fail "$stderr"
  run --separate-stderr dokku stacks:check --format json
  kill "$silent"
  assert_failure
  assert_equal "$(jq -c '[.[] | {stack, status}]' <<<"$output")" '[{"stack":"b","status":"ok"},{"stack":"c","status":"ok"},{"stack":"silent","status":"unreachable"}]'
  assert_equal "$(jq -r '.[] | select(.stack == "silent") | .cause' <<<"$output")" timed-out
  assert_equal "$stderr" "!     1 of 3 stacks did not answer as expected"
  run --separate-stderr dokku stacks:remove silent
  assert_success
}

@test "(4) stacks:check says what happened: a refused connection, a refused key, a changed host key" {
  local c_port dir="$HOST_SANDBOX/stack-c/sshd" closed
  c_port="$(cat "$dir/port")"
  closed="$(node -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); })')"
  dokku stacks:add closed "dokku@127.0.0.1:$closed" 2>/dev/null
  # a user the stack does not let in: ssh's "Permission denied (publickey)"
  dokku stacks:add stranger "nobody@127.0.0.1:$c_port" 2>/dev/null
  run --separate-stderr dokku stacks:check --format json
  assert_failure
  assert_equal "$(jq -r '.[] | select(.stack == "closed") | [.status, .message] | @tsv' <<<"$output")" \
    "$(printf 'unreachable\tstack closed (dokku@127.0.0.1:%s) refused the connection (nothing accepts ssh on that port): ssh: connect to host 127.0.0.1 port %s: Connection refused' "$closed" "$closed")"
  assert_equal "$(jq -r '[.[] | select(.stack == "closed" or .stack == "stranger") | "\(.stack) \(.cause)"] | join(",")' <<<"$output")" "closed connection-refused,stranger key-refused"
  assert_equal "$(jq -r '.[] | select(.stack == "stranger") | .status' <<<"$output")" refused
  [[ "$(jq -r '.[] | select(.stack == "stranger") | .message' <<<"$output")" == "stack stranger (nobody@127.0.0.1:$c_port) refused this host's ssh key: on 127.0.0.1, run \`dokku ssh-keys:add "* ]] || fail "$output"
  dokku stacks:remove closed >/dev/null
  dokku stacks:remove stranger >/dev/null

  # C's sshd answering with another host key than the one this host saw first (a reinstalled host, or someone in between)
  stack_sshd_stop c
  ssh-keygen -q -t ed25519 -N '' -C other-host -f "$BATS_TEST_TMPDIR/other_host_key"
  sed "s#^HostKey .*#HostKey $BATS_TEST_TMPDIR/other_host_key#" "$dir/sshd_config" >"$BATS_TEST_TMPDIR/sshd_config"
  /usr/sbin/sshd -D -e -f "$BATS_TEST_TMPDIR/sshd_config" 2>"$BATS_TEST_TMPDIR/sshd.log" &
  echo $! >"$BATS_TEST_TMPDIR/sshd.pid"
  stack_wait_for 30 bash -c "exec 3<>/dev/tcp/127.0.0.1/$c_port"
  run --separate-stderr dokku stacks:check --format json
  stop_pid_file "$BATS_TEST_TMPDIR/sshd.pid"
  stack_sshd_restart c
  assert_failure
  assert_equal "$(jq -r '.[] | select(.stack == "c") | [.status, .message] | @tsv' <<<"$output")" \
    "$(printf "refused\tstack c (%s) shows another ssh host key than the one this host first saw: if 127.0.0.1 was reinstalled, run \`ssh-keygen -R '[127.0.0.1]:%s' -f %s\` as dokku; if not, something is in between" "$(stack_address c)" "$c_port" "$DOKKU_ROOT/.ssh/known_hosts")"
  assert_equal "$(jq -r '.[] | select(.stack == "c") | .cause' <<<"$output")" host-key-changed
  # with its own key back, C answers again
  run dokku stacks:check --format json
  assert_success
}
