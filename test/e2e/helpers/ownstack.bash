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
