# Helpers for bats tests that run against the Dokku test host (test/host).
#
#   load helpers/host            # at the top of a .bats file (loads bats-support/assert too)
#   setup_file()    { host_setup_file; }      # new sandbox + env, base image
#   teardown_file() { host_teardown_file; }   # removes this file's containers/images/sandbox
#
# App names must be unique per file (sandboxes share one docker engine):
# use APP="$(host_app_name web)" and host_create_app "$APP".

HOST_REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
HOST_DIR="$HOST_REPO_ROOT/test/host"
HOST_SAMPLE_APP="$HOST_REPO_ROOT/test/fixtures/sample-app"
HOST_TRACES="$HOST_REPO_ROOT/test/fixtures/traces"

# bats-support, then bats-assert: the files their load.bash sources (function definitions only),
# sourced here without its `dirname` process per file (15 a test, ~4,000 in a run of the suite).
for host_helper_file in "$HOST_REPO_ROOT"/node_modules/bats-support/src/*.bash "$HOST_REPO_ROOT"/node_modules/bats-assert/src/*.bash; do
  source "$host_helper_file"
done
unset host_helper_file

# Creates the sandbox and exports its environment (DOKKU_ROOT, PATH with the
# host's dokku/plugn, ...) to every test of the file.
# With a USER, the sandbox runs Dokku's commands as that system user, as a real host runs them as
# `dokku`; pushes then arrive as that user too, as they do over ssh.
host_setup_file() {
  declare USER_NAME="${1:-}"
  local token="" i
  for i in 1 2 3 4 5 6; do token+="$(printf '%x' $((RANDOM % 16)))"; done
  export HOST_TOKEN="$token"
  export HOST_SANDBOX="$(mktemp -d "${TMPDIR:-/tmp}/dokku-host.XXXXXX")"
  "$HOST_DIR/bin/base-image" >/dev/null
  export HOST_APP_BASE="dokku-test/busybox-app-$token:1"
  host_hold_app_base || return 1
  if [[ -n "$USER_NAME" ]]; then
    chmod 755 "$HOST_SANDBOX"
    source "$("$HOST_DIR/bin/dokku-host-setup" "$HOST_SANDBOX/root" --user "$USER_NAME")"
  else
    source "$("$HOST_DIR/bin/dokku-host-setup" "$HOST_SANDBOX/root")"
  fi
  : >"$HOST_SANDBOX/apps"
  : >"$HOST_SANDBOX/images"
}

# This file's own app base, HOST_APP_BASE, on the engine of DOCKER_HOST: an image of the shared
# one (test/host/bin/base-image) that every build of the file's sample apps starts FROM. Docker's
# legacy builder, looking for a cached step, reads every child of the step's parent and fails the
# build ("unable to find image") when one of them is removed meanwhile; test files share one
# engine and remove their images as they go. On a parent of its own, a file's builds read only its
# own images. Built without the cache, so that making it reads no children either.
host_hold_app_base() {
  printf 'FROM dokku-test/busybox-app:1\nLABEL com.dokku-test.sandbox=%s\n' "$HOST_TOKEN" |
    docker image build -q --no-cache -t "$HOST_APP_BASE" - >/dev/null
}

# The sample app's Dockerfile, on this file's app base.
host_sample_dockerfile() { sed "s|^FROM dokku-test/busybox-app:1\$|FROM $HOST_APP_BASE|" "$HOST_SAMPLE_APP/Dockerfile"; }

# Removes what this file's apps left on the docker engine, then the sandbox.
host_teardown_file() {
  [[ -n "$HOST_SANDBOX" ]] || return 0
  local app ids images=""
  for app in $(sort -u "$HOST_SANDBOX/apps"); do
    ids="$(docker container ls -aq --filter "label=com.dokku.app-name=$app"; docker container ls -aq --filter "name=^/$app\.")"
    # failed `docker build` steps carry no label; host_break_build names the app in them
    ids+=" $(docker container ls -a --no-trunc --filter status=exited --format '{{.ID}} {{.Command}}' | grep -F -- "$app" | cut -d' ' -f1 || true)"
    [[ -z "${ids// /}" ]] || docker container rm --force $ids >/dev/null 2>&1 || true
    images+=" $(docker image ls -q --filter "label=com.dokku.app-name=$app"; docker image ls -q "dokku/$app")"
  done
  # Every image built on this file's app base carries its label: a build's intermediate images
  # too, and the base itself.
  images+=" $(docker image ls -aq --filter "label=com.dokku-test.sandbox=$HOST_TOKEN")"
  # All the apps' images at once, newest first: a promotion's release image (the target app's) is
  # built on the promoted app's image, and an image cannot be removed before its children.
  ids="$(tr -s ' ' '\n' <<<"$images" | sort -u | grep . || true)"
  [[ -z "$ids" ]] || ids="$(docker image inspect --format '{{.Created}} {{.Id}}' $ids 2>/dev/null | sort -r | cut -d' ' -f2 || true)"
  [[ -z "$ids" ]] || docker image rm --force $ids >/dev/null 2>&1 || true
  for app in $(sort -u "$HOST_SANDBOX/images"); do docker image rm --force "$app" >/dev/null 2>&1 || true; done
  rm -rf "$HOST_SANDBOX"
}

# Unique name for this file's sandbox; remembered for teardown.
host_app_name() {
  echo "$1-$HOST_TOKEN" | tee -a "$HOST_SANDBOX/apps"
}

# An image the test builds or tags itself, removed at teardown.
host_track_image() { echo "$1" >>"$HOST_SANDBOX/images"; }

# apps:create plus the busybox shell for app.json/Procfile tasks
host_create_app() {
  dokku apps:create "$1" >/dev/null
  dokku scheduler:set "$1" shell /bin/sh >/dev/null
}

# safe.directory: in a sandbox with a system user, checkouts and repos have different owners.
host_git() { git -C "$1" -c safe.directory='*' -c user.name=host-test -c user.email=host-test@example.com "${@:2}"; }

# A fresh git checkout of test/fixtures/sample-app (branch main) in DIR. TASKS (default all) are
# the deploy tasks it keeps: see host_sample_app_tasks.
host_sample_app() {
  declare DIR="$1" VERSION="${2:-v1}" TASKS="${3:-all}"
  mkdir -p "$DIR"
  cp -a "$HOST_SAMPLE_APP/." "$DIR/"
  host_sample_dockerfile >"$DIR/Dockerfile"
  [[ "$TASKS" == all ]] || host_sample_app_tasks "$DIR" "$TASKS" || return 1
  echo "$VERSION" >"$DIR/VERSION"
  host_git "$DIR" init -q -b main
  host_commit "$DIR" "$VERSION"
}

# Keeps only TASKS of the sample app's deploy tasks: comma-separated from predeploy
# (scripts.dokku.predeploy), release (the Procfile's), postdeploy (scripts.dokku.postdeploy) and
# heroku-postdeploy (scripts.postdeploy), or none. Every task is a container of its own in every
# deploy, promotion and rollback, and predeploy's is committed into the image: an app without them
# deploys in about half the time and CPU, so a file that tests none of them leaves them out.
host_sample_app_tasks() {
  declare DIR="$1" TASKS="$2"
  local task keep=",$TASKS," program=. tasks
  IFS=, read -ra tasks <<<"$TASKS"
  for task in "${tasks[@]}"; do
    case "$task" in
      none | predeploy | release | postdeploy | heroku-postdeploy) ;;
      *) echo "host_sample_app: no such task: $task" >&2 && return 1 ;;
    esac
  done
  [[ "$keep" == *,release,* ]] || sed -i '/^release:/d' "$DIR/Procfile"
  [[ "$keep" == *,predeploy,* ]] || program+=' | del(.scripts.dokku.predeploy)'
  [[ "$keep" == *,postdeploy,* ]] || program+=' | del(.scripts.dokku.postdeploy)'
  [[ "$keep" == *,heroku-postdeploy,* ]] || program+=' | del(.scripts.postdeploy)'
  program+=' | if .scripts.dokku == {} then del(.scripts.dokku) else . end | if .scripts == {} then del(.scripts) else . end'
  host_edit_app_json "$DIR" "$program"
}

# Rewrites the app.json of the checkout in DIR with jq: host_edit_app_json DIR [jq option…] PROGRAM
host_edit_app_json() {
  declare DIR="$1"
  jq "${@:2}" "$DIR/app.json" >"$DIR/app.json.new" && mv "$DIR/app.json.new" "$DIR/app.json"
}

host_commit() {
  host_git "$1" add -A
  host_git "$1" commit -q --allow-empty -m "${2:-change}"
}

host_set_version() {
  echo "$2" >"$1/VERSION"
  host_commit "$1" "$2"
}

# Makes the next build fail in a RUN step that names the app (for teardown).
host_break_build() {
  echo "RUN echo build-step-about-to-fail-$2 && false" >>"$1/Dockerfile"
  host_commit "$1" "break the build"
}

# git push to the app's bare repo, whose pre-receive hook runs `dokku git-hook`
host_push() {
  declare APP="$1" DIR="$2" REF="${3:-HEAD}"
  local -a as_pusher=()
  [[ "$DOKKU_SYSTEM_USER" == "$(id -un)" ]] ||
    as_pusher=(env HOME="$DOKKU_ROOT" setpriv --reuid="$DOKKU_SYSTEM_USER" --regid="$DOKKU_SYSTEM_GROUP" --init-groups)
  "${as_pusher[@]}" git -C "$DIR" -c safe.directory='*' push "$DOKKU_ROOT/$APP" "$REF:refs/heads/main" 2>&1
}

app_url() { "$HOST_DIR/bin/app-url" "$1"; }

# GET on the app's web.1 container through its published loopback port
app_http() {
  local url
  url="$(app_url "$1")" || return 1
  curl -s --max-time 5 "$url${2:-/}"
}

# All build logs of an app, oldest first.
host_build_logs() { cat $(ls -tr "$DOKKU_LIB_ROOT/data/builds/$1"/*.log 2>/dev/null) /dev/null; }

# events_mark, then events_since MARK: the trigger lines fired in between
events_mark() { wc -l <"$DOKKU_EVENTS_LOGFILE"; }
events_since() { tail -n +"$(($1 + 1))" "$DOKKU_EVENTS_LOGFILE"; }
events_triggers_since() { events_since "$1" | cut -d' ' -f2; }
