#!/usr/bin/env bats
# The plugin as users get it: the release tarball installed on a host with no Node, a git install
# without the binary, Dokku's command dispatch and help, and `ownstack:report`/`ownstack:set`.
# "No Node" is real here: a private mount namespace in which node, npm, npx and corepack do not
# exist at all (not merely off PATH), so `command -v node` fails as on a bare Dokku host.

bats_require_minimum_version 1.5.0
load helpers/host

setup_file() {
  host_setup_file
  local repo="$HOST_REPO_ROOT"
  export VERSION="$(jq -r .version "$repo/package.json")"
  if [[ -x "$repo/build/ownstack" ]]; then
    (cd "$repo" && npm run --silent package -- --no-build >/dev/null)
  else
    (cd "$repo" && npm run --silent package >/dev/null)
  fi
  # a private copy: other test files may package again while this one runs
  export TARBALL="$HOST_SANDBOX/ownstack-$VERSION.tgz"
  cp "$repo/dist/ownstack-$VERSION.tgz" "$TARBALL"
  export APP="$(host_app_name settings)"
}

teardown_file() {
  host_teardown_file
}

# Runs "$@" in a private mount namespace where /usr/bin (= /bin) holds links to everything except
# node, nodejs, npm, npx and corepack, with every PATH entry that has a node or npm dropped.
without_node() {
  local real rc=0
  real="$(mktemp -d "$HOST_SANDBOX/usr-bin.XXXXXX")"
  unshare -m --propagation private bash -c '
    set -e
    real="$1"; shift
    mount --bind /usr/bin "$real"
    mount -t tmpfs -o mode=0755 tmpfs /usr/bin
    "$real/ln" -s "$real"/* /usr/bin/
    "$real/rm" -f /usr/bin/node /usr/bin/nodejs /usr/bin/npm /usr/bin/npx /usr/bin/corepack
    path=""
    IFS=: read -ra dirs <<<"$PATH"
    for dir in "${dirs[@]}"; do [[ -e "$dir/node" || -e "$dir/npm" ]] || path+="${path:+:}$dir"; done
    export PATH="$path"
    exec "$@"' bash "$real" "$@" || rc=$?
  rmdir "$real"
  return "$rc"
}

# proof, inside without_node, that no node can run
no_node_here() {
  ! command -v node >/dev/null && ! command -v npm >/dev/null && ! node --version >/dev/null 2>&1 &&
    ! /usr/bin/node --version >/dev/null 2>&1 && ! /bin/node --version >/dev/null 2>&1
}
export -f no_node_here

config_files() { find "$DOKKU_LIB_ROOT/config/ownstack" -type f 2>/dev/null | sort; }

@test "npm run package makes dist/ownstack-<version>.tgz with the binary, the shims and the root trigger links" {
  run tar -tzvf "$TARBALL"
  assert_success
  assert_line --regexp '^-rwx.* ownstack/build/ownstack$'
  assert_line --regexp '^-rwx.* ownstack/commands$'
  assert_line --regexp '^-rwx.* ownstack/triggers/install$'
  assert_line --regexp '^l.* ownstack/post-deploy -> triggers/post-deploy$'
  assert_line --regexp '^-.* ownstack/plugin.toml$'
  refute_line --regexp 'node_modules|/src/'
}

@test "the tarball's MANIFEST lists exactly the paths it ships (plugin:install removes any other)" {
  run tar -xzOf "$TARBALL" ownstack/MANIFEST
  assert_success
  assert_line --index 0 "# ownstack release files"
  assert_equal "$(tail -n +2 <<<"$output" | sort)" "$(tar -tzf "$TARBALL" | sed -n 's#^ownstack/##p' | sed 's#/$##' | grep -v '^$' | sort)"
  assert_line "build/ownstack"
  assert_line "triggers/install"
}

@test "the release tarball installs and runs on a host with no Node" {
  run without_node bash -c 'no_node_here && echo "no node"; dokku plugin:install "file://$1" --name ownstack' bash "$TARBALL"
  assert_success
  assert_line "no node"
  assert_line "-----> Plugin ownstack enabled"
  run without_node bash -c 'no_node_here || exit 99; dokku ownstack:help'
  assert_success
  assert_line "Usage: dokku ownstack[:COMMAND]"
  local plugin="$PLUGIN_AVAILABLE_PATH/ownstack" trigger
  assert [ -x "$plugin/build/ownstack" ]
  for trigger in "$plugin"/triggers/*; do
    assert_equal "$(readlink "$plugin/${trigger##*/}")" "triggers/${trigger##*/}"
  done
  assert_equal "$(readlink "$plugin/post-deploy")" "triggers/post-deploy"
  assert [ -L "$PLUGIN_ENABLED_PATH/ownstack" ]
}

# A git repository of the plugin's committed source (HEAD of this checkout), without build/.
plugin_git_source() {
  local src="$HOST_SANDBOX/git-src"
  if [[ ! -d "$src/.git" ]]; then
    mkdir -p "$src"
    git -C "$HOST_REPO_ROOT" archive HEAD | tar -x -C "$src"
    rm -rf "$src/build"
    host_git "$src" init -q -b main
    host_commit "$src" "ownstack source" >/dev/null
  fi
  echo "$src"
}

@test "a git install without build/ and without Node stops with one line pointing to the tarball" {
  local src
  src="$(plugin_git_source)"
  # a sandbox of its own, so this half-installed copy never meets the tarball install's
  run --separate-stderr without_node bash -c '
    no_node_here || exit 99
    source "$("$1/bin/dokku-host-setup" "$2")"
    dokku plugin:install "file://$3" --name ownstack
  ' bash "$HOST_DIR" "$HOST_SANDBOX/git-root" "$src"
  assert_failure 1
  assert_equal "${#stderr_lines[@]}" 1
  assert_equal "$stderr" "!     ownstack: build/ownstack is missing and node/npm are not installed; install the release tarball instead: dokku plugin:install file:///path/to/ownstack-<version>.tgz --name ownstack"
  refute_output --partial "Building ownstack"
  run ls "$HOST_SANDBOX/git-root/var/lib/dokku/plugins/available/ownstack/build"
  assert_failure
}

@test "a git install with Node builds the binary in the install trigger (npm ci, then the build without the type-check)" {
  local src root="$HOST_SANDBOX/git-node-root"
  src="$(plugin_git_source)"
  # about 25 s with a warm npm cache; npm ci needs the registry (or that cache)
  run --separate-stderr bash -c '
    source "$("$1/bin/dokku-host-setup" "$2")"
    dokku plugin:install "file://$3" --name ownstack && dokku ownstack:help
  ' bash "$HOST_DIR" "$root" "$src"
  # CI reaches the npm registry; if it cannot, this fails loudly rather than hiding the gap.
  [[ "$status" -eq 0 ]] || echo "install failed: $stderr" >&3
  assert_success
  assert_line "-----> Building ownstack (build/ownstack is missing)"
  assert_line "Usage: dokku ownstack[:COMMAND]"
  # the install builds; it does not type-check (scripts/build.mjs prints this step when it does)
  [[ "$stderr" != *"type-checking"* ]] || fail "the install trigger type-checked: $stderr"
  run "$root/var/lib/dokku/plugins/available/ownstack/build/ownstack" --version
  assert_output "$VERSION"
}

@test "build/ownstack --version answers with no node on the filesystem and an empty environment" {
  run without_node bash -c 'no_node_here || exit 99; env -i PATH=/nonexistent "$1" --version' bash "$PLUGIN_AVAILABLE_PATH/ownstack/build/ownstack"
  assert_success
  assert_output "$VERSION"
  run without_node env -i PATH=/nonexistent "$HOST_REPO_ROOT/build/ownstack" --version
  assert_success
  assert_output "$VERSION"
}

@test "ownstack:version names the version and the commit the binary was built from" {
  run dokku ownstack:version
  assert_success
  assert_output --regexp "^ownstack $VERSION \(commit [0-9a-f]{7,}(-dirty)?\)$"
  run dokku ownstack:version --format json
  assert_success
  assert_equal "$(jq -c '[.version, (.commit | test("^[0-9a-f]{7,}(-dirty)?$")), (.schema_versions | keys)]' <<<"$output")" "[\"$VERSION\",true,[\"pipelines\",\"releases\",\"stacks\"]]"
  # the commit is one of this repository's
  git -C "$HOST_REPO_ROOT" cat-file -e "$(jq -r '.commit | sub("-dirty$"; "")' <<<"$output")^{commit}"
}

@test "ownstack:help and pipeline:help print Dokku-style help" {
  run dokku ownstack:help
  assert_success
  assert_line "Usage: dokku ownstack[:COMMAND]"
  assert_line --regexp '^Additional commands:$'
  local cmd
  for cmd in history info deploy-log rollback report set purge; do
    assert_line --regexp "^    ownstack:$cmd( |$)"
  done
  run dokku ownstack
  assert_success
  assert_line "Usage: dokku ownstack[:COMMAND]"
  run dokku pipeline:help
  assert_success
  assert_line "Usage: dokku pipeline[:COMMAND]"
  for cmd in create add-staging add remove info list destroy promote diff report set requests approve reject; do
    assert_line --regexp "^    pipeline:$cmd( |$)"
  done
  run dokku review-apps:help
  assert_success
  assert_line "Usage: dokku review-apps[:COMMAND]"
  for cmd in create destroy list expire; do
    assert_line --regexp "^    review-apps:$cmd( |$)"
  done
  run dokku review-apps
  assert_success
  assert_line "Usage: dokku review-apps[:COMMAND]"
}

@test "dokku help lists the ownstack and pipeline topics" {
  run dokku help
  assert_success
  assert_line --regexp '^ +ownstack +[A-Z]'
  assert_line --regexp '^ +pipeline +[A-Z]'
  assert_line --regexp '^ +review-apps +[A-Z]'
}

@test "a command that is not ours: our commands file exits 10, the host refuses it with exit 1" {
  run env DOKKU_NOT_IMPLEMENTED_EXIT=10 "$PLUGIN_ENABLED_PATH/ownstack/commands" nosuchtopic:cmd
  assert_failure 10
  assert_output ""
  run dokku nosuchtopic:cmd
  assert_failure 1
  assert_output --partial "\`nosuchtopic:cmd\` is not a dokku command."
}

@test "ownstack:set APP retention, shown by ownstack:report as stdout, json and a bare flag" {
  host_create_app "$APP"
  run dokku ownstack:set "$APP" retention 3
  assert_success
  run dokku ownstack:report "$APP"
  assert_success
  assert_line "=====> $APP ownstack information"
  assert_line --regexp '^ +Ownstack retention: +3$'
  assert_line --regexp '^ +Ownstack computed retention: +3$'
  assert_line --regexp '^ +Ownstack global retention: *$'
  assert_line --regexp '^ +Ownstack computed lock wait: +600$'
  run dokku ownstack:report "$APP" --format json
  assert_success
  assert_equal "$(jq -r '.retention + " " + .["computed-retention"] + " " + .["global-retention"] + "|" + .["computed-lock-wait"]' <<<"$output")" "3 3 |600"
  run stat -c '%a %U' "$DOKKU_LIB_ROOT/config/ownstack/$APP/retention"
  assert_output "600 $(id -un)"
  assert_equal "$(cat "$DOKKU_LIB_ROOT/config/ownstack/$APP/retention")" "3"
  run --separate-stderr dokku ownstack:report "$APP" --ownstack-computed-retention
  assert_success
  assert_output "3"
}

@test "ownstack:set --global lock-wait shows in the global report and as the app's computed value" {
  run dokku ownstack:set --global lock-wait 30
  assert_success
  run dokku ownstack:report --global
  assert_success
  assert_line "=====> Global ownstack information"
  assert_line --regexp '^ +Ownstack global lock wait: +30$'
  run dokku ownstack:report "$APP" --format json
  assert_equal "$(jq -r '.["global-lock-wait"] + " " + .["computed-lock-wait"]' <<<"$output")" "30 30"
  run stat -c '%a' "$DOKKU_LIB_ROOT/config/ownstack/--global/lock-wait"
  assert_output "600"
  run --separate-stderr dokku ownstack:report --global --ownstack-global-lock-wait
  assert_success
  assert_output "30"
}

@test "an empty value unsets a setting" {
  run dokku ownstack:set "$APP" retention ""
  assert_success
  assert [ ! -e "$DOKKU_LIB_ROOT/config/ownstack/$APP/retention" ]
  run dokku ownstack:report "$APP" --format json
  assert_equal "$(jq -r '.retention + "|" + .["computed-retention"]' <<<"$output")" "|5"
  run dokku ownstack:set --global lock-wait
  assert_success
  assert [ ! -e "$DOKKU_LIB_ROOT/config/ownstack/--global/lock-wait" ]
  run dokku ownstack:report "$APP" --format json
  assert_equal "$(jq -r '.["global-lock-wait"] + "|" + .["computed-lock-wait"]' <<<"$output")" "|600"
}

@test "bad ownstack:set input: one line on stderr, non-zero exit, no file written" {
  local before args
  dokku ownstack:set "$APP" retention 4 >/dev/null
  before="$(config_files; cat $(config_files))"
  local -a cases=(
    "$APP|nosuchkey|1"
    "$APP|retention|0"
    "$APP|retention|abc"
    "$APP|retention|-1"
    "$APP|lock-wait|86401"
    "no-such-app-$HOST_TOKEN|retention|3"
    "../x|retention|3"
    '$(id)|retention|3'
    "$(printf 'a\nb')|retention|3"
    "--global|retention|0"
  )
  for args in "${cases[@]}"; do
    IFS='|' read -r -d '' -a argv < <(printf '%s' "$args") || true
    run --separate-stderr dokku ownstack:set "${argv[@]}"
    [[ "$status" -ne 0 ]] || fail "exit 0 for ownstack:set ${argv[*]@Q}"
    [[ "${#stderr_lines[@]}" -eq 1 ]] || fail "ownstack:set ${argv[*]@Q}: ${#stderr_lines[@]} stderr lines: $stderr"
    assert_equal "$(config_files; cat $(config_files))" "$before"
  done
  assert [ ! -e "$DOKKU_LIB_ROOT/config/ownstack/x" ]
  assert [ ! -e "$DOKKU_LIB_ROOT/config/x" ]
  run dokku ownstack:report "$APP" --format json
  assert_equal "$(jq -r .retention <<<"$output")" "4"
}
