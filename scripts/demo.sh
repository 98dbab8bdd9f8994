#!/usr/bin/env bash
# The sandbox demo: installs the release tarball into a Dokku-compatible test host under a
# temporary root, then push to staging -> promote to production -> history -> rollback, asking
# the running app over HTTP at every step. KEEP=1 leaves the sandbox and its apps in place.
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$PWD"

headline() { printf '\n\033[1m### %s\033[0m\n' "$*"; }
run() { printf '\033[2m$ %s\033[0m\n' "$*"; "$@"; }
answer() { local url; url="$(app-url "$1")"; printf '\033[2m$ curl %s\033[0m\n' "$url"; curl -fsS --max-time 5 "$url"; }

bash scripts/prereqs.sh
node scripts/package.mjs
version="$(node -p 'require("./package.json").version')"

root="$(mktemp -d /tmp/ownstack-demo.XXXXXX)"
# The second Dokku host is the test suite's: the same test host under another root, on a Docker
# engine of its own, reached over real ssh, with a real registry between the two.
HOST_SANDBOX="$root" HOST_TOKEN="$(printf '%06x' $((RANDOM * RANDOM % 16777216)))"
HOST_DIR="$repo/test/host" HOST_REPO_ROOT="$repo"
source test/e2e/helpers/ownstack.bash
source test/e2e/helpers/sshd.bash
source test/e2e/helpers/stack.bash
dashboard_pid=""
cleanup() {
  [[ "${KEEP:-}" == 1 ]] && { echo "Sandbox kept: source $root/host/env${dashboard_pid:+ (the dashboard runs as pid $dashboard_pid)}"; return; }
  [[ -z "$dashboard_pid" ]] || kill "$dashboard_pid" 2>/dev/null || true
  dokku --force apps:destroy demo >/dev/null 2>&1 || true
  dokku --force apps:destroy demo-staging >/dev/null 2>&1 || true
  [[ ! -d "$root/stack-eu" ]] || on_stack eu dokku --force apps:destroy demo-eu >/dev/null 2>&1 || true
  stack_teardown >/dev/null 2>&1 || true
  rm -rf "$root"
}
# shellcheck disable=SC1090
source "$(test/host/bin/dokku-host-setup "$root/host")"
trap cleanup EXIT
test/host/bin/base-image >/dev/null

headline "Install ownstack from its release tarball"
run dokku plugin:install "file://$repo/dist/ownstack-$version.tgz" --name ownstack

headline "Two apps, one pipeline: demo-staging -> demo"
for app in demo demo-staging; do
  dokku apps:create "$app" >/dev/null
  dokku scheduler:set "$app" shell /bin/sh >/dev/null # the sample image has busybox, no bash
done
dokku config:set --no-restart demo GREETING=hello-from-production >/dev/null
dokku config:set --no-restart demo-staging GREETING=hello-from-staging >/dev/null
run dokku pipeline:create demo
run dokku pipeline:add-staging demo demo-staging

src="$root/src"
cp -r test/fixtures/sample-app "$src"
git -C "$src" init -q -b main
git -C "$src" -c user.name=Demo -c user.email=demo@example.com add -A
git -C "$src" -c user.name=Demo -c user.email=demo@example.com commit -qm "v1"

push() { NAME=alice git -C "$src" push -q "$DOKKU_ROOT/$1" main:main 2>&1 | grep -E '^(remote: )?(-----|=====| !)' | sed 's/^remote: //' || true; }

headline "git push staging main (v1)"
push demo-staging
answer demo-staging

headline "Promote staging -> production: the same image, production's own config"
run dokku pipeline:promote demo-staging
answer demo

headline "A second release (v2), promoted the same way"
echo "v2" >"$src/VERSION"
git -C "$src" -c user.name=Demo -c user.email=demo@example.com commit -qam "v2"
push demo-staging
run dokku pipeline:promote demo-staging
answer demo

headline "History of production"
run dokku ownstack:history demo
run dokku ownstack:info demo

headline "Roll production back to the previous release, without a rebuild"
run dokku ownstack:rollback demo
answer demo
run dokku ownstack:history demo

headline "A second Dokku host: its own Docker engine, reached over ssh; images travel through a registry"
registry_start
engine_start eu
stack_host_setup eu --ssh
stack_authorize_this_host eu
on_stack eu dokku apps:create demo-eu >/dev/null
on_stack eu dokku scheduler:set demo-eu shell /bin/sh >/dev/null
on_stack eu dokku config:set --no-restart demo-eu GREETING=hello-from-eu >/dev/null
run dokku stacks:add eu "$(stack_address eu)"
run dokku pipeline:add demo demo-eu --stage production --stack eu
run dokku pipeline:set demo registry "$REGISTRY/demo"

headline "Promote staging to both production hosts: pushed once, pulled by digest on eu"
run dokku pipeline:promote demo-staging
answer demo
printf '\033[2m$ curl (on eu) \033[0m\n'; on_stack eu curl -fsS --max-time 5 "$(on_stack eu app-url demo-eu)"
run dokku pipeline:info demo
printf '\033[2m$ ssh %s ownstack:history demo-eu\033[0m\n' "$(stack_address eu)"
on_stack eu dokku ownstack:history demo-eu

headline "The dashboard: the same binary as a web process, signed in with a single-use link"
port="$(free_port)"
run dokku ownstack:set --global dashboard-url "http://127.0.0.1:$port"
"$PLUGIN_AVAILABLE_PATH/ownstack/build/ownstack" dashboard serve --listen 127.0.0.1 --port "$port" >"$root/dashboard.log" 2>&1 &
dashboard_pid=$!
stack_wait_for 30 curl -s -o /dev/null "http://127.0.0.1:$port/"
NAME=alice run dokku ownstack:dashboard:login
if [[ -t 0 && "${KEEP:-}" != 1 ]]; then
  read -rp "Open the link in a browser on this machine, then press Enter to stop the dashboard and remove the sandbox. "
fi
