# shellcheck shell=bash
# Shared by the plugin's own bats files (load after helpers/host). The test host knows nothing
# of ownstack; what is specific to the plugin lives here.

# The plugin as a release tarball lays it out (shims, trigger links, the built binary), installed
# into this file's sandbox. The binary is rebuilt only when a source file is newer; it is copied,
# so a concurrent `npm run build` cannot swap it under a running test.
ownstack_install() { ownstack_install_into "$HOST_SANDBOX/ownstack-plugin"; }

# The same into another plugin directory (a second test host has its own).
ownstack_install_into() {
  local repo="$HOST_REPO_ROOT" plugin="$1" trigger
  if [[ ! -x "$repo/build/ownstack" ]] || [[ -n "$(find "$repo/src" -newer "$repo/build/ownstack" \( -name '*.ts' -o -name '*.tsx' \) -print -quit)" ]]; then
    (cd "$repo" && node scripts/build.mjs --skip-typecheck >/dev/null)
  fi
  mkdir -p "$plugin/build"
  cp -a "$repo/plugin.toml" "$repo/commands" "$repo/subcommands" "$repo/triggers" "$repo/relay-functions" "$repo/note-functions" "$plugin/"
  cp "$repo/build/ownstack" "$plugin/build/ownstack"
  for trigger in "$plugin"/triggers/*; do ln -s "triggers/${trigger##*/}" "$plugin/${trigger##*/}"; done
  dokku plugin:install "$plugin" --name ownstack >/dev/null
}

ownstack_setup_file() {
  host_setup_file "$@"
  ownstack_install
}

# ownstack_setup_file_as USER: the sandbox as a packaged Dokku runs it, with USER as its system
# user (in the docker group, DOKKU_ROOT as its home). Each file needs a USER of its own: the home
# is this file's DOKKU_ROOT. /etc/passwd changes are serialized with helpers/sshd.bash's, since
# files run side by side.
ownstack_setup_file_as() {
  declare USER_NAME="$1"
  local lock=/run/lock/ownstack-test-users.lock
  flock "$lock" bash -c 'id "$1" >/dev/null 2>&1 ||
    useradd --system --user-group --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin --groups docker "$1"' _ "$USER_NAME"
  ownstack_setup_file "$USER_NAME"
  flock "$lock" usermod --home "$DOKKU_ROOT" "$USER_NAME"
}

# Holders of retained images deliberately carry no Dokku app label, so the host's teardown cannot
# find them: remove those of every app this file created, by our own label.
ownstack_teardown_file() {
  local app
  for app in $(sort -u "$HOST_SANDBOX/apps" 2>/dev/null); do
    docker container ls -aq --filter "label=com.ownstack.app=$app" | xargs -r docker container rm --force --volumes >/dev/null 2>&1 || true
  done
  # renamed apps keep the file's token in their new names
  docker container ls -aq --filter "label=com.ownstack.app" --filter "name=$HOST_TOKEN" | xargs -r docker container rm --force --volumes >/dev/null 2>&1 || true
  host_teardown_file
}
