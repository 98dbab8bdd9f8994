#!/usr/bin/env bats
# Behaviour of the Dokku test host with real containers: deploys and their
# failures, Dokku's image cleanup, plugin installs and command dispatch.

load helpers/host

setup_file() {
  host_setup_file
  export APP="$(host_app_name web)" SRC="$HOST_SANDBOX/src"
  host_sample_app "$SRC" v1
  host_create_app "$APP"

  # A plugin whose name sorts between the core plugins "network" and "ps":
  # what it sees tells in which order plugn ran the implementations.
  export PROBE="probe-$HOST_TOKEN" PROBE_LOG="$HOST_SANDBOX/probe.log"
  local probe="$HOST_SANDBOX/$PROBE"
  mkdir -p "$probe"
  cat >"$probe/core-post-deploy" <<EOF
#!/usr/bin/env bash
# app-json already promoted app.json; ps has not promoted the Procfile yet,
# scheduler-docker-local has not renamed the new container yet
ls "\$DOKKU_LIB_ROOT/data/ps/\$1/" | grep -q "Procfile\\.\$DOKKU_PID\$" && echo "core-post-deploy: Procfile not promoted yet" >>"$PROBE_LOG"
[[ -f "\$DOKKU_LIB_ROOT/data/app-json/\$1/app.json.\$DOKKU_PID" ]] || echo "core-post-deploy: app.json promoted" >>"$PROBE_LOG"
docker container inspect --format '{{.Name}}' "\$(cat "\$DOKKU_ROOT/\$1/CONTAINER.web.1")" | grep -q upcoming && echo "core-post-deploy: container not renamed yet" >>"$PROBE_LOG"
exit 0
EOF
  cat >"$probe/post-release-builder" <<EOF
#!/usr/bin/env bash
[[ "\$(cat "\$DOKKU_LIB_ROOT/config/ps/\$2/can-scale")" == true ]] && echo "post-release-builder: after app-json (\$*)" >>"$PROBE_LOG"
echo "post-release-builder: build \$DOKKU_BUILD_ID source \$DOKKU_BUILD_SOURCE pid \$DOKKU_PID" >>"$PROBE_LOG"
EOF
  chmod +x "$probe"/*
  dokku plugin:install "$probe" >/dev/null
}

teardown_file() {
  host_teardown_file
}

running_image() { docker container inspect --format '{{.Image}}' "$(cat "$DOKKU_ROOT/$APP/CONTAINER.web.1")"; }

# No timing assertion: how long a deploy takes is the benchmark's business (npm run bench), and a
# busy machine must not fail the suite.
@test "a git push builds, releases and serves the app on 127.0.0.1" {
  run host_push "$APP" "$SRC"
  assert_success
  assert_output --partial "-----> Cleaning up..."
  assert_output --partial "release-task-ran version=v1"
  assert_output --partial "heroku-postdeploy-ran version=v1"
  assert_output --partial "dokku-postdeploy-ran version=v1"
  run app_http "$APP" /
  assert_output "sample v1 greeting=none"
  run app_http "$APP" /health
  assert_output '{"status":"ok"}'
  run docker container inspect --format '{{.Name}} {{index .Config.Labels "com.dokku.dyno"}} {{index .Config.Labels "com.dokku.process-type"}} {{index .Config.Labels "com.dokku.container-type"}}' "$(cat "$DOKKU_ROOT/$APP/CONTAINER.web.1")"
  assert_output "/$APP.web.1 web.1 web deploy"
  run cat "$DOKKU_LIB_ROOT/data/ps/$APP/Procfile"
  assert_output --partial "release: /app/bin/release"
  run jq -r '.status + " " + .source + " " + .kind' "$DOKKU_LIB_ROOT"/data/builds/"$APP"/*.json
  assert_output "succeeded git-hook build"
}

@test "the file's builds start from its own app base, not the base other files build on" {
  # Docker's legacy builder fails a cached build when a sibling of its parent is removed meanwhile
  # (host_hold_app_base): another file's removals must never be siblings of this file's layers.
  local shared own
  shared="$(docker image inspect --format '{{.Id}}' dokku-test/busybox-app:1)"
  own="$(docker image inspect --format '{{.Id}}' "$HOST_APP_BASE")"
  assert_equal "$(docker image inspect --format '{{.Parent}}' "$own")" "$shared"
  # the running image descends from it, and carries its label (teardown removes by that label)
  run docker image history -q --no-trunc "$(running_image)"
  assert_line "$own"
  run docker image inspect --format '{{index .Config.Labels "com.dokku-test.sandbox"}}' "$(running_image)"
  assert_output "$HOST_TOKEN"
}

@test "a third-party plugin's triggers run in Dokku's order among the core plugins" {
  run cat "$PROBE_LOG"
  assert_line "core-post-deploy: Procfile not promoted yet"
  assert_line "core-post-deploy: app.json promoted"
  assert_line "core-post-deploy: container not renamed yet"
  assert_line "post-release-builder: after app-json (dockerfile $APP dokku/$APP:latest)"
  assert_line --regexp "^post-release-builder: build [0-9a-z]{14} source git-hook pid [0-9]+$"
}

@test "config:set redeploys with the new config in the container's environment" {
  run dokku config:set "$APP" GREETING=hello
  assert_success
  assert_output --partial "GREETING:  hello"
  assert_output --partial "-----> Restarting app $APP"
  run app_http "$APP"
  assert_output "sample v1 greeting=hello"
  run dokku config:get "$APP" GREETING
  assert_output "hello"
}

@test "a failing Procfile release task fails the push while the old container keeps answering" {
  local before
  before="$(running_image)"
  dokku config:set --no-restart "$APP" FAIL_RELEASE=1
  host_set_version "$SRC" v2
  run host_push "$APP" "$SRC"
  assert_failure
  assert_output --partial " !     Execution of release task failed: /app/bin/release"
  assert_output --partial "[remote rejected]"
  run app_http "$APP"
  assert_output "sample v1 greeting=hello"
  assert_equal "$(running_image)" "$before"
  # Dokku leaves dokku/APP:latest on the failed release image
  assert [ "$(docker image inspect --format '{{.Id}}' "dokku/$APP:latest")" != "$before" ]
  run docker image inspect --format '{{index .Config.Labels "com.dokku.image-stage"}}' "dokku/$APP:latest"
  assert_output "release"
  run dokku builds:list "$APP" --format json
  assert_success
  assert_equal "$(jq -r '.[0].status + " " + (.[0].exit_code | tostring)' <<<"$output")" "failed 1"
  dokku config:set --no-restart "$APP" FAIL_RELEASE=0
}

@test "a failing health check keeps the old container serving" {
  local before new
  before="$(cat "$DOKKU_ROOT/$APP/CONTAINER.web.1")"
  dokku config:set --no-restart "$APP" FAIL_HEALTH=1
  host_set_version "$SRC" v3
  run host_push "$APP" "$SRC"
  assert_failure
  assert_output --partial "Failure in name='web check': unexpected status code: 404"
  assert_output --partial "Could not start due to 1 failed checks (web.1)"
  assert_equal "$(cat "$DOKKU_ROOT/$APP/CONTAINER.web.1")" "$before"
  run app_http "$APP"
  assert_output "sample v1 greeting=hello"
  # the new container is stopped, kept, and recorded with an empty app (Dokku's bug)
  new="$(cut -d' ' -f1 "$DOKKU_LIB_ROOT/data/scheduler-docker-local/failed-containers" | tail -n1)"
  run docker container inspect --format '{{.State.Status}} {{.State.ExitCode}} {{.Name}}' "$new"
  assert_output --regexp "^exited 143 /$APP\.web\.1\.upcoming-[0-9]+$"
  run grep -c "^ $new " "$DOKKU_LIB_ROOT/data/scheduler-docker-local/dead-containers"
  assert_output 1
  dokku config:set --no-restart "$APP" FAIL_HEALTH=0
}

@test "ps:restart deploys whatever dokku/APP:latest is, without a release phase" {
  # after the failed health check, latest is that deploy's image (Dokku quirk)
  run dokku ps:restart "$APP"
  assert_success
  refute_output --partial "Checking for release task"
  assert_output --partial "Checking for postdeploy task"
  run app_http "$APP"
  assert_output "sample v3 greeting=hello"
  run jq -r 'select(.source == "ps:restart") | .status' "$DOKKU_LIB_ROOT"/data/builds/"$APP"/*.json
  assert_output "running" # never finalized, as in Dokku
}

@test "cleanup prunes unused app images exactly like Dokku" {
  local base unused kept
  base="$(running_image)"
  unused="$(printf 'FROM %s\nLABEL host-test=unused\n' "$base" | docker image build -q -t "unused-$HOST_TOKEN/img:1" -)"
  kept="$(printf 'FROM %s\nLABEL host-test=kept\n' "$base" | docker image build -q -t "kept-$HOST_TOKEN/img:a" -)"
  docker image tag "$kept" "kept-$HOST_TOKEN/img:b"
  docker image tag "$kept" "kept2-$HOST_TOKEN/other:c"
  docker container create --name "$APP.keeper" "$kept" >/dev/null # created, never started
  run dokku cleanup "$APP"
  assert_success
  assert_output "-----> Cleaning up..."
  run docker image inspect "$unused"
  assert_failure
  run docker image inspect --format '{{len .RepoTags}}' "$kept"
  assert_success
  assert_output 1
  assert_equal "$(running_image)" "$base"
}

@test "a push while the deploy lock is held fails at once with Dokku's message" {
  local fd
  exec {fd}>"$DOKKU_LIB_ROOT/data/apps/$APP/.deploy.lock"
  flock -n "$fd"
  host_set_version "$SRC" v4
  run host_push "$APP" "$SRC"
  exec {fd}>&-
  assert_failure
  assert_output --partial " !     $APP currently has a deploy lock in place. Exiting..."
  assert_output --partial " !     Run 'apps:unlock' to release the existing deploy lock"
  refute_output --partial "Cleaning up..."
}

@test "plugin:install from a directory fires install and dispatches subcommands" {
  local plugin="$HOST_SANDBOX/demo-plugin" name="dirdemo-$HOST_TOKEN"
  write_demo_plugin "$plugin"
  run dokku plugin:install "$plugin" --name "$name"
  assert_success
  assert [ -f "$DOKKU_LIB_ROOT/data/$name-installed" ]
  run dokku "$name"
  assert_output "demo default $name"
  run dokku "$name:hello" world
  assert_output "hello from $name:hello world"
}

@test "plugin:install from tarballs, files at the root or under one folder" {
  local plugin="$HOST_SANDBOX/demo-plugin" layout name
  write_demo_plugin "$plugin"
  tar -C "$HOST_SANDBOX" -czf "$HOST_SANDBOX/folder.tgz" demo-plugin
  tar -C "$plugin" -czf "$HOST_SANDBOX/root.tgz" .
  for layout in folder root; do
    name="$layout-$HOST_TOKEN"
    run dokku plugin:install "file://$HOST_SANDBOX/$layout.tgz" --name "$name"
    assert_success
    assert [ -f "$DOKKU_LIB_ROOT/data/$name-installed" ]
    run dokku "$name:hello" tar
    assert_output "hello from $name:hello tar"
  done
}

@test "plugin:install over an enabled plugin: unpacked into its directory unflattened, then refused like Dokku" {
  local plugin="$HOST_SANDBOX/over/demo-plugin" name="over-$HOST_TOKEN" dest
  dest="$DOKKU_LIB_ROOT/plugins/available/$name"
  write_demo_plugin "$plugin"
  tar -C "$HOST_SANDBOX/over" -czf "$HOST_SANDBOX/over-v1.tgz" demo-plugin
  printf '#!/usr/bin/env bash\necho "v2 hello from $*"\n' >"$plugin/subcommands/hello"
  printf '#!/usr/bin/env bash\necho "uninstall $*" >>"$DOKKU_LIB_ROOT/data/$(basename "$(dirname "$0")")-uninstalled"\n' >"$plugin/uninstall"
  chmod +x "$plugin/uninstall"
  tar -C "$HOST_SANDBOX/over" -czf "$HOST_SANDBOX/over-v2.tgz" demo-plugin
  run dokku plugin:install "file://$HOST_SANDBOX/over-v1.tgz" --name "$name"
  assert_success
  rm "$DOKKU_LIB_ROOT/data/$name-installed"

  run dokku plugin:install "file://$HOST_SANDBOX/over-v2.tgz" --name "$name"
  assert_failure 1
  assert_line "-----> Cloning plugin repo file://$HOST_SANDBOX/over-v2.tgz to $dest"
  assert_line " !     Plugin already enabled"
  # plugn unpacked v2 next to v1 (the folder is not flattened into a non-empty directory) ...
  assert [ -x "$dest/demo-plugin/subcommands/hello" ]
  assert [ -x "$dest/demo-plugin/uninstall" ]
  assert [ ! -e "$dest/uninstall" ]
  # ... the install trigger did not run, and v1 still answers
  assert [ ! -e "$DOKKU_LIB_ROOT/data/$name-installed" ]
  run dokku "$name:hello" x
  assert_output "hello from $name:hello x"

  # plugin:uninstall fires uninstall NAME, removes the plugin's files and keeps its data
  mkdir -p "$DOKKU_LIB_ROOT/data/$name" && echo kept >"$DOKKU_LIB_ROOT/data/$name/state"
  run dokku plugin:uninstall "$name"
  assert_success
  assert [ ! -e "$dest" ]
  assert [ ! -e "$DOKKU_LIB_ROOT/plugins/enabled/$name" ]
  assert_equal "$(cat "$DOKKU_LIB_ROOT/data/$name/state")" kept
  run dokku plugin:install "file://$HOST_SANDBOX/over-v2.tgz" --name "$name"
  assert_success
  assert [ -f "$DOKKU_LIB_ROOT/data/$name-installed" ]
  run dokku "$name:hello" x
  assert_output "v2 hello from $name:hello x"
  run dokku plugin:uninstall "$name"
  assert_success
  # every enabled plugin's uninstall trigger gets the name: this one was enabled then
  assert_equal "$(cat "$DOKKU_LIB_ROOT/data/$name-uninstalled")" "uninstall $name"
}

@test "dispatch: commands files answer or exit 10, unknown commands fail like Dokku" {
  local name="dirdemo-$HOST_TOKEN"
  run dokku "$name:ping"
  assert_success
  assert_output "pong"
  run dokku "$name:broken"
  assert_failure 3
  run dokku "no-such-command-$HOST_TOKEN" arg
  assert_failure 1
  assert_output --partial " !     \`no-such-command-$HOST_TOKEN arg\` is not a dokku command."
  run dokku help
  assert_output --partial "$name:ping"
}

@test "docker-args-build output reaches docker image build as Dokku parses it (--no-cache, --build-arg)" {
  # what a bench-only plugin does to time cold builds: print --no-cache from docker-args-build
  local app plugin="$HOST_SANDBOX/nocache-plugin" flag="$HOST_SANDBOX/nocache-on" seen="$HOST_SANDBOX/nocache.log"
  app="$(host_app_name nocache)"
  mkdir -p "$plugin"
  printf '[plugin]\ndescription = "no-cache probe"\nversion = "0.1.0"\n[plugin.config]\n' >"$plugin/plugin.toml"
  {
    echo '#!/usr/bin/env bash'
    echo "echo \"docker-args-build \$*\" >>'$seen'"
    echo "# Dokku keeps only the flags docker image build takes: --publish is dropped"
    echo "[[ ! -f '$flag' ]] || echo '--no-cache --build-arg=NOCACHE_PROBE=1 --publish 80:80'"
  } >"$plugin/docker-args-build"
  chmod +x "$plugin/docker-args-build"
  dokku plugin:install "$plugin" --name "nocache-$HOST_TOKEN" >/dev/null
  host_create_app "$app"
  host_push "$app" "$SRC" >/dev/null

  run dokku ps:rebuild "$app"
  assert_success
  assert_output --partial "Using cache"
  refute_output --partial "NOCACHE_PROBE"

  touch "$flag"
  run dokku ps:rebuild "$app"
  rm -f "$flag"
  assert_success
  refute_output --partial "Using cache"
  # the legacy builder names a build-arg that no ARG consumed
  assert_output --partial "[NOCACHE_PROBE]"
  refute_output --partial "80:80"
  run app_http "$app"
  assert_output --regexp "^sample v[0-9]+ greeting=none$"
  run cat "$seen"
  assert_line "docker-args-build $app dockerfile"
}

write_demo_plugin() {
  local dir="$1"
  mkdir -p "$dir/subcommands"
  printf '[plugin]\ndescription = "demo plugin"\nversion = "0.1.0"\n[plugin.config]\n' >"$dir/plugin.toml"
  printf '#!/usr/bin/env bash\necho "demo default $*"\n' >"$dir/subcommands/default"
  printf '#!/usr/bin/env bash\necho "hello from $*"\n' >"$dir/subcommands/hello"
  printf '#!/usr/bin/env bash\ntouch "$DOKKU_LIB_ROOT/data/$(basename "$(dirname "$0")")-installed"\n' >"$dir/install"
  cat >"$dir/commands" <<'EOF'
#!/usr/bin/env bash
name="$(basename "$(dirname "$0")")"
case "$1" in
  help) echo "    $name:ping, answers pong" ;;
  "$name:ping") echo pong ;;
  "$name:broken") exit 3 ;;
  *) exit "$DOKKU_NOT_IMPLEMENTED_EXIT" ;;
esac
EOF
  chmod +x "$dir/subcommands"/* "$dir/install" "$dir/commands"
}
