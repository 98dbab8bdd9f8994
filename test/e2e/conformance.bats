#!/usr/bin/env bats
# Conformance of the Dokku test host with real Dokku 0.38: every flow below
# replays one of the reference traces (test/fixtures/traces/NN-flow.enter.log,
# captured on a real host) and compares the triggers a deploy plugin can see:
# same sequence, same arguments, same DOKKU_BUILD_ID/DOKKU_BUILD_SOURCE use.
# The flows build on each other in the traces' order, on one app, as they did there.

load helpers/host

# the triggers compared by helpers/compare-events.mjs
TRACED_TRIGGERS="builds-generate-id builds-record-start builds-record-finalize receive-app git-from-image
  git-from-directory core-post-extract post-extract pre-receive-app builder-build pre-build post-build
  release-and-deploy builder-release pre-release-builder post-release-builder ps-can-scale pre-deploy deploy
  scheduler-deploy check-deploy scheduler-register-retired core-post-deploy post-deploy domains-urls
  deploy-source-set post-create git-has-code post-app-clone-setup post-app-clone post-app-rename-setup
  post-app-rename pre-delete scheduler-stop scheduler-post-delete post-delete scheduler-retire"

setup_file() {
  host_setup_file
  export APP="$(host_app_name t1)" CLONE="$(host_app_name t1clone)" RENAMED="$(host_app_name t1renamed)"
  export SRC="$HOST_SANDBOX/src" PROMO_IMAGE="local/promo-$HOST_TOKEN:1"
  host_track_image "$PROMO_IMAGE"
  host_sample_app "$SRC" v1

  # The traces were made with a plugin implementing every traced trigger (it
  # did nothing). Implementing pre-deploy is what makes the registry plugin
  # fire it, so the same kind of plugin is installed here.
  local tracer="$HOST_SANDBOX/trace-plugin" trigger
  mkdir -p "$tracer"
  printf '#!/usr/bin/env bash\nexit 0\n' >"$tracer/hook"
  chmod +x "$tracer/hook"
  for trigger in $TRACED_TRIGGERS; do ln -s hook "$tracer/$trigger"; done
  dokku plugin:install "$tracer" --name zz-trace >/dev/null
}

teardown_file() {
  host_teardown_file
}

# conform FLOW MARK: the events since MARK against the real trace of FLOW
conform() {
  events_since "$2" >"$HOST_SANDBOX/$1.log"
  run node "$BATS_TEST_DIRNAME/helpers/compare-events.mjs" "$HOST_TRACES/$1.enter.log" "$HOST_SANDBOX/$1.log" \
    --map "$APP=t1" --map "$CLONE=t1clone" --map "$RENAMED=t1renamed" --map "$PROMO_IMAGE=local/promo:1"
  assert_success
}

@test "01 apps:create" {
  mark="$(events_mark)"
  run dokku apps:create "$APP"
  assert_success
  dokku scheduler:set "$APP" shell /bin/sh
  conform 01-apps-create "$mark"
}

@test "02 first git push" {
  mark="$(events_mark)"
  run host_push "$APP" "$SRC"
  assert_success
  assert_output --partial "Set main as deploy-branch"
  assert_output --partial "heroku-postdeploy-ran version=v1"
  conform 02-git-push-first "$mark"
  run app_http "$APP"
  assert_output --partial "sample v1"
}

@test "03 second git push" {
  host_set_version "$SRC" v2
  mark="$(events_mark)"
  run host_push "$APP" "$SRC"
  assert_success
  refute_output --partial "heroku-postdeploy-ran"
  conform 03-git-push-second "$mark"
  run app_http "$APP"
  assert_output --partial "sample v2"
}

@test "04 git push whose Procfile release task fails" {
  dokku config:set --no-restart "$APP" FAIL_RELEASE=1
  host_set_version "$SRC" v3
  mark="$(events_mark)"
  run host_push "$APP" "$SRC"
  assert_failure
  assert_output --partial " !     Execution of release task failed: /app/bin/release"
  conform 04-git-push-release-fails "$mark"
  dokku config:set --no-restart "$APP" FAIL_RELEASE=0
  run app_http "$APP"
  assert_output --partial "sample v2"
}

@test "05 git push whose Dockerfile build fails" {
  host_break_build "$SRC" "$APP"
  mark="$(events_mark)"
  run host_push "$APP" "$SRC"
  assert_failure
  assert_output --partial "Retagging old image"
  assert_output --partial "App build failed"
  conform 05-git-push-build-fails "$mark"
  run app_http "$APP"
  assert_output --partial "sample v2"
}

@test "06 git push whose app.json health check fails" {
  host_sample_dockerfile >"$SRC/Dockerfile"
  sed -i 's|"path": "/health"|"path": "/does-not-exist"|' "$SRC/app.json"
  host_commit "$SRC" "health check on a missing path"
  mark="$(events_mark)"
  run host_push "$APP" "$SRC"
  assert_failure
  assert_output --partial "Could not start due to 1 failed checks (web.1)"
  conform 06-git-push-healthcheck-fails "$mark"
  run app_http "$APP"
  assert_output --partial "sample v2"
}

@test "07 git push whose scripts.dokku.postdeploy fails" {
  cp "$HOST_SAMPLE_APP/app.json" "$SRC/app.json"
  dokku config:set --no-restart "$APP" FAIL_POSTDEPLOY=1
  host_set_version "$SRC" v4
  mark="$(events_mark)"
  run host_push "$APP" "$SRC"
  assert_failure
  assert_output --partial "Execution of postdeploy task failed: /app/bin/postdeploy"
  conform 07-git-push-postdeploy-fails "$mark"
  run app_http "$APP" # the new code is live anyway
  assert_output --partial "sample v4"
}

@test "07r restore push" {
  dokku config:set --no-restart "$APP" FAIL_POSTDEPLOY=0
  host_set_version "$SRC" v5
  mark="$(events_mark)"
  run host_push "$APP" "$SRC"
  assert_success
  conform 07r-restore-push "$mark"
}

@test "08 config:set" {
  mark="$(events_mark)"
  run dokku config:set "$APP" FOO=bar
  assert_success
  conform 08-config-set "$mark"
}

@test "09 ps:rebuild" {
  mark="$(events_mark)"
  run dokku ps:rebuild "$APP"
  assert_success
  conform 09-ps-rebuild "$mark"
}

@test "10 ps:restart" {
  mark="$(events_mark)"
  run dokku ps:restart "$APP"
  assert_success
  conform 10-ps-restart "$mark"
}

@test "11 git:from-image" {
  host_sample_dockerfile | docker image build -q -t "$PROMO_IMAGE" -f - "$HOST_SAMPLE_APP" >/dev/null
  mark="$(events_mark)"
  run dokku git:from-image "$APP" "$PROMO_IMAGE"
  assert_success
  assert_output --partial "Image exists on host, skipping pull"
  conform 11-git-from-image "$mark"
}

@test "12 dokku deploy APP latest" {
  mark="$(events_mark)"
  run dokku deploy "$APP" latest
  assert_success
  conform 12-deploy-cli "$mark"
}

@test "13a plugin:trigger release-and-deploy APP latest" {
  mark="$(events_mark)"
  run dokku plugin:trigger release-and-deploy "$APP" latest
  assert_success
  conform 13a-plugin-trigger-release-and-deploy "$mark"
}

@test "13b plugin:trigger release-and-deploy APP latest SOURCE" {
  mark="$(events_mark)"
  run dokku plugin:trigger release-and-deploy "$APP" latest my-custom-source
  assert_success
  assert_output --partial "builds-record-start: unknown source \"my-custom-source\""
  conform 13b-plugin-trigger-release-and-deploy-source-arg "$mark"
}

@test "14 apps:clone" {
  mark="$(events_mark)"
  run dokku apps:clone "$APP" "$CLONE"
  assert_success
  conform 14-apps-clone "$mark"
}

@test "15 apps:rename" {
  mark="$(events_mark)"
  run dokku apps:rename "$CLONE" "$RENAMED"
  assert_success
  conform 15-apps-rename "$mark"
}

@test "16 apps:destroy --force" {
  mark="$(events_mark)"
  run dokku apps:destroy "$RENAMED" --force
  assert_success
  conform 16-apps-destroy "$mark"
  assert [ ! -d "$DOKKU_ROOT/$RENAMED" ]
}

# Not from a trace: the config plugin's file and export formats, from Dokku 0.38.27's source
# (plugins/config/environment.go, functions.go:export; godotenv v1.5.1's Marshal and parser).
# ownstack reads config through config-export, so the test host must print what Dokku prints.
@test "config: the ENV file and every config-export format are Dokku 0.38's" {
  local app
  app="$(host_app_name cfg)"
  host_create_app "$app"
  run dokku config:set --no-restart "$app" 'SP=a b' 'Q=say "hi" now' 'D=$HOME ${X}' 'E=a=b' 'B=c:\d \n' \
    "NL=one
two" 'N=007' 'M=-0' "S=it's" 'H=<a&b>' 'EMPTY='
  assert_success
  run cat "$DOKKU_LIB_ROOT/config/$app/ENV"
  assert_output 'B="c:\\d \\n"
D="\$HOME \${X}"
E="a=b"
EMPTY=""
H="<a&b>"
M=0
N=7
NL="one\ntwo"
Q="say \"hi\" now"
S="it'"'"'s"
SP="a b"'
  assert_equal "$(stat -c %a "$DOKKU_LIB_ROOT/config/$app/ENV")" 600

  # each format with its trailing separator made visible
  export_of() { dokku plugin:trigger config-export "$app" false true "$1"; printf '|'; }
  assert_equal "$(export_of envfile)" "$(cat "$DOKKU_LIB_ROOT/config/$app/ENV")
|"
  assert_equal "$(export_of exports)" "export B='c:\\d \\n'
export D='\$HOME \${X}'
export E='a=b'
export EMPTY=''
export H='<a&b>'
export M='0'
export N='7'
export NL='one
two'
export Q='say \"hi\" now'
export S='it'\\''s'
export SP='a b'
|"
  assert_equal "$(export_of shell)" "B='c:\\d \\n' D='\$HOME \${X}' E='a=b' EMPTY='' H='<a&b>' M='0' N='7' NL='one
two' Q='say \"hi\" now' S='it'\\''s' SP='a b' |"
  assert_equal "$(export_of docker-args-keys)" "--env=B --env=D --env=E --env=EMPTY --env=H --env=M --env=N --env=NL --env=Q --env=S --env=SP
|"
  assert_equal "$(export_of pack-keys)" "--env B --env D --env E --env EMPTY --env H --env M --env N --env NL --env Q --env S --env SP
|"
  assert_equal "$(export_of json)" '{"B":"c:\\d \\n","D":"$HOME ${X}","E":"a=b","EMPTY":"","H":"\u003ca\u0026b\u003e","M":"0","N":"7","NL":"one\ntwo","Q":"say \"hi\" now","S":"it'"'"'s","SP":"a b"}
|'
  assert_equal "$(dokku config:export "$app" --format json-list | jq -c '.[0], length')" '{"name":"B","value":"c:\\d \\n"}
11'
  run dokku plugin:trigger config-export "$app" false true no-such-format
  assert_failure

  # godotenv's reading: a value ending in a quote loses it; one ending in a backslash takes the
  # next line with it, and the app's config can no longer be read at all
  dokku config:set --no-restart "$app" 'TQ=end"' >/dev/null
  assert_equal "$(dokku config:get "$app" TQ)" 'end\'
  dokku config:set --no-restart "$app" 'A_TB=end\' >/dev/null
  run dokku config:export "$app" --format json
  assert_failure

  # an app with no config: a lone newline, {} and null
  local empty
  empty="$(host_app_name cfgempty)"
  host_create_app "$empty"
  assert_equal "$(dokku plugin:trigger config-export "$empty" false true envfile | od -c | head -1)" "0000000  \\n"
  assert_equal "$(dokku plugin:trigger config-export "$empty" false true json)" '{}'
  assert_equal "$(dokku plugin:trigger config-export "$empty" false true json-list)" 'null'
}

# Not traced: read from Dokku 0.38.27's plugins/storage (subcommands.go mountLegacyColon,
# storage.go VerifyPaths/ParseMountPath, triggers.go buildDockerVFlag): the colon form with an
# absolute host path (the host has no named volumes or storage entries), `:ro` kept.
@test "storage:mount: the colon form with :ro, storage:list's JSON, and -v in docker-args-deploy" {
  local app dir
  app="$(host_app_name stor)"
  dir="$HOST_SANDBOX/stor"
  host_create_app "$app"
  run dokku storage:mount "$app" "$dir/ro:/srv/ro:ro"
  assert_success
  run dokku storage:mount "$app" "$dir/rw:/srv/rw"
  assert_success
  # the same host and container paths again, even with other options: refused
  run dokku storage:mount "$app" "$dir/ro:/srv/ro"
  assert_failure
  assert_output " !     Mount path already exists."
  run dokku storage:mount "$app" "/only-one-path"
  assert_failure
  assert_output " !     Storage path must be two valid paths divided by colon."
  # options before the app, as Go's flag package parses them
  assert_equal "$(dokku storage:list --format json "$app")" "[{\"host_path\":\"$dir/ro\",\"container_path\":\"/srv/ro\",\"readonly\":true},{\"host_path\":\"$dir/rw\",\"container_path\":\"/srv/rw\"}]"
  assert_equal "$(dokku plugin:trigger docker-args-deploy "$app" latest)" " -v $dir/ro:/srv/ro:ro -v $dir/rw:/srv/rw"
  # destroying the app forgets its mounts (storage's post-delete)
  dokku apps:destroy --force "$app" >/dev/null
  host_create_app "$app"
  assert_equal "$(dokku storage:list --format json "$app")" "[]"
}

# Not traced: read from Dokku 0.38.27's plugins/ssh-keys (add, remove, list) and sshcommand's
# acl-add, acl-remove, acl-remove-by-fingerprint and list: each key is one forced-command line in
# the system user's authorized_keys, named by NAME, which sshd hands to `dokku` (as SSH_NAME).
@test "ssh-keys:add/list/remove: sshcommand's authorized_keys lines, duplicate names refused, JSON list" {
  local dir="$HOST_SANDBOX/ssh-keys" fp_a fp_b
  mkdir -p "$dir"
  ssh-keygen -q -t ed25519 -N '' -C a -f "$dir/a"
  ssh-keygen -q -t ed25519 -N '' -C b -f "$dir/b"
  fp_a="$(ssh-keygen -lf "$dir/a.pub" | awk '{print $2}')"
  fp_b="$(ssh-keygen -lf "$dir/b.pub" | awk '{print $2}')"
  run dokku ssh-keys:add key-a "$dir/a.pub"
  assert_success
  assert_output "$fp_a"
  # from a pipe, as `cat key.pub | dokku ssh-keys:add NAME`
  run bash -c 'cat "$1" | dokku ssh-keys:add key-b' _ "$dir/b.pub"
  assert_success
  assert_equal "$(sed -n 1p "$DOKKU_ROOT/.ssh/authorized_keys")" \
    "command=\"FINGERPRINT=$fp_a NAME=\\\"key-a\\\" \`cat $DOKKU_ROOT/.sshcommand\` \$SSH_ORIGINAL_COMMAND\",no-agent-forwarding,no-user-rc,no-X11-forwarding,no-port-forwarding $(cat "$dir/a.pub")"
  run dokku ssh-keys:add key-a "$dir/b.pub"
  assert_failure
  assert_output --partial "Duplicate ssh key name"
  echo "not a key" >"$dir/bad.pub"
  run dokku ssh-keys:add key-c "$dir/bad.pub"
  assert_failure
  assert_output --partial "not a valid ssh public key"
  run dokku ssh-keys:list
  assert_success
  assert_line "$fp_b NAME=\"key-b\" SSHCOMMAND_ALLOWED_KEYS=\"no-agent-forwarding,no-user-rc,no-X11-forwarding,no-port-forwarding\""
  assert_equal "$(dokku ssh-keys:list --format json | jq -c 'map([.name, .fingerprint])')" "[[\"key-a\",\"$fp_a\"],[\"key-b\",\"$fp_b\"]]"
  assert_equal "$(dokku ssh-keys:list --format json key-b | jq -r '.[0]["public-key"]')" "$(cat "$dir/b.pub")"
  run dokku ssh-keys:remove key-a
  assert_success
  assert_equal "$(dokku ssh-keys:list --format json | jq -r 'map(.name) | join(" ")')" key-b
  run dokku ssh-keys:remove --fingerprint "$fp_b"
  assert_success
  run dokku ssh-keys:list
  assert_failure
  run dokku ssh-keys:remove key-b
  assert_failure
  assert_output --partial "No public keys found."
}

# Not from a trace (the traces have no git:sync): Dokku 0.38's cmd-git-sync (plugins/git) on an
# app with code fetches the repository, points the deploy branch at the ref, and with --build
# runs the same build as ps:rebuild through receive-app, with the build capture's source git:sync
# and the resolved SHA, then sets the source to git-sync "REPOSITORY#SHA". So the expected trace is
# ps:rebuild's, with those three differences.
@test "git:sync --build APP REPOSITORY SHA: ps:rebuild's build, as git:sync, then deploy-source-set git-sync" {
  load helpers/git-http
  git_http_start
  host_set_version "$SRC" v-sync >/dev/null
  local url sha trace_sha=50a0bad75c6a35f48b56a1ca488eb328e3fe45ce expected="$HOST_SANDBOX/git-sync.enter.log"
  url="$(git_http_publish "$SRC" sample)"
  sha="$(host_git "$SRC" rev-parse HEAD)"
  host_set_version "$SRC" v-later >/dev/null
  git_http_publish "$SRC" sample >/dev/null
  # a fetch without --build builds nothing (Dokku still opens its build capture, as in cmd-git-sync)
  mark="$(events_mark)"
  run dokku git:sync "$APP" "$url"
  assert_success
  assert_equal "$(events_triggers_since "$mark" | grep -c -x -e receive-app -e deploy-source-set)" 0
  mark="$(events_mark)"
  run dokku git:sync --build "$APP" "$url" "$sha"
  git_http_stop
  assert_success
  assert_equal "$(app_http "$APP")" "sample v-sync greeting=none"
  # the app's deploy branch is the SHA asked for, not the repository's newer main
  assert_equal "$(git -C "$DOKKU_ROOT/$APP" rev-parse refs/heads/main)" "$sha"
  sed -e 's/DOKKU_BUILD_SOURCE=ps:rebuild/DOKKU_BUILD_SOURCE=git:sync/' \
    -e 's/^\([0-9]* builds-record-start argv=\[.*\)"ps:rebuild"\]/\1"git:sync"]/' \
    -e "s/^\\([0-9]* receive-app argv=\\)\\[\"t1\"\\]/\\1[\"t1\",\"$trace_sha\"]/" \
    "$HOST_TRACES/09-ps-rebuild.enter.log" >"$expected"
  grep -q '"git:sync"\]' "$expected" && grep -q "receive-app argv=\[\"t1\",\"$trace_sha\"\]" "$expected" || fail "the trace was not rewritten: $(grep -e builds-record-start -e receive-app "$expected")"
  printf '%s deploy-source-set argv=["t1","git-sync","%s#%s"] user=dokku DOKKU_PID=14649 DOKKU_BUILD_ID=mwv7tnf3hshj4j DOKKU_BUILD_SOURCE=git:sync\n' \
    0 "$url" "$trace_sha" >>"$expected"
  events_since "$mark" >"$HOST_SANDBOX/git-sync.log"
  run node "$BATS_TEST_DIRNAME/helpers/compare-events.mjs" "$expected" "$HOST_SANDBOX/git-sync.log" --map "$APP=t1" --map "$sha=$trace_sha"
  assert_success
  # a missing repository is Dokku's one line
  run dokku git:sync "$APP"
  assert_failure
  assert_output --partial "Missing GIT_REMOTE parameter"
}
