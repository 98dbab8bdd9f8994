#!/usr/bin/env bats
# Issue 18 item 1: the dashboard served the Dokku way. `ownstack:dashboard:enable` builds an image
# from the installed binary (no network, FROM scratch), deploys it as a Dokku app with
# `git:from-image`, mounts the store read-only and the dashboard's own directory read-write
# (storage:mount), and the app runs as Dokku's system user with no Docker socket. A browser signs
# in through the app's URL and reads the Deployments page. The app acts over real ssh to this
# host's sshd (reached on the docker bridge's gateway) with its own key, registered as
# `ownstack-dashboard`: a browser promotes staging to production, rolls back, and is refused as a
# viewer or without a CSRF token. With this host as a stack of its own (over its sshd) and a stack
# whose host accepts connections and never speaks, the Pipelines and Stacks pages answer at once,
# then show the one unreachable and the other's release and version. Disable removes the app and
# its key. Tests run in order.

bats_require_minimum_version 1.5.0
load helpers/host
load helpers/ownstack
load helpers/stack
load helpers/browser
load helpers/sshd
load helpers/git-http

# not system-user.bats's user: each file's sandbox is its user's home
SYSTEM_USER=ownstack-dash

setup_file() {
  # a login user, as Dokku's package makes `dokku`: sshd runs the keys' forced commands through its shell
  sshd_system_user "$SYSTEM_USER"
  ownstack_setup_file "$SYSTEM_USER"
  # the host's sshd, as the app's containers reach it: on the bridge's gateway, with the host's own key
  export SSHD_ALSO_LISTEN SSHD_HOST_KEY=/etc/ssh/ssh_host_ed25519_key
  SSHD_ALSO_LISTEN="$(docker_bridge_gateway)"
  sshd_start
  export APP="$(host_app_name dapp)" STG="$(host_app_name dstage)" DASH="$(host_app_name dashboard)"
  host_create_app "$APP"
  host_create_app "$STG"
  dokku checks:set "$APP" wait-to-retire 1 >/dev/null
  dokku checks:set "$STG" wait-to-retire 1 >/dev/null
  host_sample_app "$HOST_SANDBOX/src" v1 none
  chown -R "$SYSTEM_USER:" "$HOST_SANDBOX/src"
  host_push "$APP" "$HOST_SANDBOX/src" >"$HOST_SANDBOX/push.log" || { cat "$HOST_SANDBOX/push.log" >&3; return 1; }
  host_set_version "$HOST_SANDBOX/src" v2 >/dev/null
  host_push "$STG" "$HOST_SANDBOX/src" >"$HOST_SANDBOX/push.log" || { cat "$HOST_SANDBOX/push.log" >&3; return 1; }
  dokku pipeline:create "$APP" >/dev/null
  dokku pipeline:add-staging "$APP" "$STG" >/dev/null
  dokku ownstack:set --global dashboard-ssh-host "$SSHD_ALSO_LISTEN:$SSHD_PORT" >/dev/null
  export DASHBOARD_STATE="$HOST_SANDBOX/browser-state.json"
  export DASHBOARD_ARTIFACTS="$HOST_REPO_ROOT/artifacts/dashboard-app"
  browser_start
}

teardown_file() {
  git_http_stop
  # after a failed run: the app and the images it left (disable is the last test)
  dokku ownstack:dashboard:disable >/dev/null 2>&1 || true
  stop_pid_file "$HOST_SANDBOX/dark/pid"
  browser_stop
  sshd_stop
  ownstack_teardown_file
}

@test "report before enable: not enabled" {
  run dokku ownstack:dashboard:report --format json
  assert_success
  assert_equal "$(jq -r .enabled <<<"$output")" false
  assert_equal "$(jq -r .app <<<"$output")" ownstack
}

@test "enable refuses an app of that name that is not the dashboard, and changes nothing" {
  run dokku ownstack:dashboard:enable --app "$APP"
  assert_failure
  assert_output --partial "App $APP exists and is not the ownstack dashboard"
  assert_equal "${#lines[@]}" 1
  run dokku storage:list --format json "$APP"
  assert_output "[]"
}

@test "enable builds the image from the installed binary and deploys it as an app" {
  run dokku ownstack:dashboard:enable --app "$DASH"
  assert_success
  local image
  image="$(jq -r .image <<<"$(dokku ownstack:dashboard:report --format json)")"
  [[ "$image" == ownstack/dashboard:* ]] || fail "image: $image"
  # the image: the installed binary and its libraries, nothing else (no shell)
  assert_equal "$(docker image inspect --format '{{index .Config.Labels "com.ownstack.version"}}' "$image")" "$("$HOST_SANDBOX/ownstack-plugin/build/ownstack" --version)"
  assert_equal "$(docker image inspect --format '{{json .Config.Entrypoint}}' "$image")" '["/ownstack","dashboard","serve"]'
  docker create --name "$DASH-probe" "$image" >/dev/null
  docker export "$DASH-probe" | tar -t >"$HOST_SANDBOX/image-files"
  docker rm "$DASH-probe" >/dev/null
  ! grep -qE '(^|/)(sh|bash|busybox)$' "$HOST_SANDBOX/image-files" || fail "a shell in the image: $(cat "$HOST_SANDBOX/image-files")"
  cmp <(docker run --rm --entrypoint /ownstack "$image" --version) <("$HOST_SANDBOX/ownstack-plugin/build/ownstack" --version)
  # nothing names the app's URL in the settings: sign-in links ask Dokku for it when they are minted
  assert_equal "$(dokku ownstack:report --global --ownstack-global-dashboard-url)" ""
}

@test "the app's container runs as the system user, the store read-only, no Docker socket" {
  local cid
  cid="$(cat "$DOKKU_ROOT/$DASH/CONTAINER.web.1")"
  assert_equal "$(docker container inspect --format '{{.State.Running}}' "$cid")" true
  assert_equal "$(docker container inspect --format '{{.Config.User}}' "$cid")" "$(id -u "$SYSTEM_USER"):$(id -g "$SYSTEM_USER")"
  docker container inspect --format '{{json .Mounts}}' "$cid" >"$HOST_SANDBOX/mounts.json"
  assert_equal "$(jq -r --arg d "$DOKKU_LIB_ROOT/data/ownstack" '.[] | select(.Destination == $d) | "\(.Source) \(.RW)"' "$HOST_SANDBOX/mounts.json")" "$DOKKU_LIB_ROOT/data/ownstack false"
  assert_equal "$(jq -r --arg d "$DOKKU_LIB_ROOT/data/ownstack-dashboard" '.[] | select(.Destination == $d) | "\(.Source) \(.RW)"' "$HOST_SANDBOX/mounts.json")" "$DOKKU_LIB_ROOT/data/ownstack-dashboard true"
  assert_equal "$(jq 'length' "$HOST_SANDBOX/mounts.json")" 2
  ! grep -q docker.sock "$HOST_SANDBOX/mounts.json" || fail "docker.sock is mounted"
  assert_equal "$(docker container inspect --format '{{.HostConfig.Privileged}}' "$cid")" false
}

@test "the app's URL answers the sign-in page; a minted link opens the Deployments page with the pushed app" {
  local url link
  url="$(app_url "$DASH")"
  run curl -s -o /dev/null -w '%{http_code}' "$url/deployments"
  assert_output 401
  link="$(NAME=alice dokku ownstack:dashboard:login --format json | jq -r .url)"
  [[ "$link" == "$url/login/"* ]] || fail "link: $link"
  DASHBOARD_URL="$url" run browser sign-in "$link" alice
  assert_success
  DASHBOARD_URL="$url" run browser pages "$APP" 1 "Step 1/"
  assert_success
  # the session the app wrote is the system user's, owner-only, in the dashboard's own directory
  run find "$DOKKU_LIB_ROOT/data/ownstack-dashboard" -type f \( ! -user "$SYSTEM_USER" -o -perm /077 \)
  assert_output ""
}

@test "enable again is idempotent: same app, one mount each, still serving" {
  # Dokku's own global form: a leading --app is taken off the command line and exported
  run dokku --app "$DASH" ownstack:dashboard:enable
  assert_success
  assert_equal "$(dokku storage:list --format json "$DASH" | jq length)" 2
  run curl -s -o /dev/null -w '%{http_code}' "$(app_url "$DASH")/deployments"
  assert_output 401
  # a second dashboard under another name is refused while this one is enabled
  run dokku ownstack:dashboard:enable --app "other-$DASH"
  assert_failure
  assert_output --partial "already enabled as app $DASH"
}

@test "report shows the app, its URL, image and running state" {
  run dokku ownstack:dashboard:report --format json
  assert_success
  assert_equal "$(jq -r '[.app, .enabled, .running] | join(" ")' <<<"$output")" "$DASH true true"
  assert_equal "$(jq -r .url <<<"$output")" "$(app_url "$DASH")"
  run dokku ownstack:dashboard:report
  assert_output --partial "=====> Ownstack dashboard information"
  assert_output --regexp "Dashboard running: +true"
}

@test "enable registers the dashboard's own key with Dokku and records this host's sshd key" {
  local dir="$DOKKU_LIB_ROOT/data/ownstack-dashboard/ssh"
  run dokku ssh-keys:list --format json ownstack-dashboard
  assert_success
  assert_equal "$(jq length <<<"$output")" 1
  assert_equal "$(jq -r '.[0]["public-key"]' <<<"$output")" "$(cat "$dir/id_ed25519.pub")"
  # the private key: the system user's, owner-only, in the dashboard's own directory
  assert_equal "$(stat -c '%U %a' "$dir/id_ed25519")" "$SYSTEM_USER 600"
  grep -qF "ownstack-dokku-host $(cut -d' ' -f1,2 /etc/ssh/ssh_host_ed25519_key.pub)" "$dir/known_hosts" || fail "known_hosts: $(cat "$dir/known_hosts")"
  assert_equal "$(dokku ownstack:dashboard:report --format json | jq -r '."ssh-host"')" "$SSHD_ALSO_LISTEN:$SSHD_PORT"
  # enabled again above: replaced, never added twice
  assert_equal "$(dokku ssh-keys:list --format json | jq '[.[] | select(.name == "ownstack-dashboard")] | length')" 1
}

@test "over real ssh: --web-user names the web user only from the dashboard's key" {
  sshd_add_key mallory
  run ssh_dokku mallory ownstack:history "$APP" --web-user alice
  assert_failure
  assert_output " !     --web-user is accepted only from the dashboard's ssh key (ownstack-dashboard)"
  # the dashboard's key (read here as root) may, and the name becomes the release's WHO
  local key="$DOKKU_LIB_ROOT/data/ownstack-dashboard/ssh/id_ed25519"
  run ssh -i "$key" -p "$SSHD_PORT" -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o BatchMode=yes -o LogLevel=ERROR \
    "$SYSTEM_USER@127.0.0.1" ownstack:history "$APP" --web-user 'bad;name'
  assert_failure
  assert_output --partial 'Invalid web user "bad;name"'
}

@test "a browser promotes staging to production: the confirmation, the new release's log, the card and the app's answer" {
  assert_equal "$(app_http "$APP")" "sample v1 greeting=none"
  DASHBOARD_URL="$(app_url "$DASH")" run browser promote "$STG" "$APP" 2 "alice (dashboard)"
  assert_success
  assert_equal "$(app_http "$APP")" "sample v2 greeting=none"
  run dokku ownstack:history "$APP" --format json
  assert_equal "$(jq -r '.[0] | "\(.id) \(.kind) \(.status) \(.who)"' <<<"$output")" "2 promote succeeded alice (dashboard)"
  # the confirmation's read and the promotion rode on one ssh connection, whose socket the dashboard
  # keeps in its own ssh directory, the system user's alone
  local socket="$DOKKU_LIB_ROOT/data/ownstack-dashboard/ssh/mux-$SYSTEM_USER@$SSHD_ALSO_LISTEN-$SSHD_PORT"
  [[ -S "$socket" ]] || fail "no shared ssh connection: $(ls -la "$DOKKU_LIB_ROOT/data/ownstack-dashboard/ssh")"
  assert_equal "$(stat -c '%U %a' "$socket")" "$SYSTEM_USER 600"
}

@test "a browser rolls production back; the rollback is the web user's" {
  DASHBOARD_URL="$(app_url "$DASH")" run browser rollback "$APP" 1 2 3
  assert_success
  assert_equal "$(app_http "$APP")" "sample v1 greeting=none"
  run dokku ownstack:history "$APP" --format json
  assert_equal "$(jq -r '.[0] | "\(.id) \(.kind) \(.status) \(.who)"' <<<"$output")" "3 rollback succeeded alice (dashboard)"
}

@test "Deploy now rebuilds the app through ownstack:rebuild (ps:rebuild); the rebuild is the web user's" {
  DASHBOARD_URL="$(app_url "$DASH")" run browser deploy "$STG" 2
  assert_success
  run dokku ownstack:history "$STG" --format json
  assert_equal "$(jq -r '.[0] | "\(.id) \(.status) \(.who)"' <<<"$output")" "2 succeeded alice (dashboard)"
  assert_equal "$(app_http "$STG")" "sample v2 greeting=none"
}

@test "with an approval guard: the requester's own approval is refused, a second user's deploys" {
  local pipeline link
  pipeline="$(dokku pipeline:list --format json | jq -r --arg app "$APP" '.[] | select(.stages.production | index($app)) | .name')"
  dokku pipeline:set "$pipeline" promote-approval production >/dev/null
  DASHBOARD_URL="$(app_url "$DASH")" run browser request "$STG" "$APP"
  assert_success
  assert_equal "$(dokku pipeline:requests "$pipeline" --format json | jq -r '.[0] | "\(.status) \(.requested_by)"')" "pending alice (dashboard)"
  DASHBOARD_URL="$(app_url "$DASH")" run browser approve r1 "$APP" refused
  assert_success
  link="$(NAME=bob dokku ownstack:dashboard:login --format json | jq -r .url)"
  link="$(app_url "$DASH")/login/${link##*/}"
  DASHBOARD_STATE="$HOST_SANDBOX/bob-state.json" DASHBOARD_URL="$(app_url "$DASH")" run browser sign-in "$link" bob
  assert_success
  DASHBOARD_STATE="$HOST_SANDBOX/bob-state.json" DASHBOARD_URL="$(app_url "$DASH")" run browser approve r1 "$APP" 4
  assert_success
  assert_equal "$(app_http "$APP")" "sample v2 greeting=none"
  assert_equal "$(dokku pipeline:requests "$pipeline" --format json | jq -r '.[0] | "\(.status) \(.decided_by)"')" "approved bob (dashboard)"
  dokku pipeline:set "$pipeline" promote-approval >/dev/null
}

@test "a viewer sees no action and their hand-made posts are refused; a deployer's post without CSRF is refused" {
  local link
  DASHBOARD_URL="$(app_url "$DASH")" run browser action-csrf "$APP"
  assert_success
  # the restart of "enable again" published the app on another port: the link follows it
  link="$(NAME=alice dokku ownstack:dashboard:login --viewer carol --format json | jq -r .url)"
  [[ "$link" == "$(app_url "$DASH")/login/"* ]] || fail "link: $link, app: $(app_url "$DASH")"
  DASHBOARD_STATE="$HOST_SANDBOX/viewer-state.json" DASHBOARD_URL="$(app_url "$DASH")" run browser sign-in "$link" carol
  assert_success
  DASHBOARD_STATE="$HOST_SANDBOX/viewer-state.json" DASHBOARD_URL="$(app_url "$DASH")" run browser no-actions "$APP" "$STG"
  assert_success
  # nothing ran: production's history ends with the approved promotion
  assert_equal "$(dokku ownstack:history "$APP" --format json | jq -r '.[0].id')" 4
}

@test "apps on other stacks: one that does not answer is shown unreachable and holds no page; the Stacks and Deployments pages, ownstack:history and deploy-log <app>@<stack>" {
  local key="$DOKKU_ROOT/.ssh/id_ed25519" dir="$HOST_SANDBOX/dark" pipeline port current version newest line
  # this host as a stack of its own: its sshd, with the Dokku user's key (a reachable stack, no second host)
  [[ -f "$key" ]] || ssh-keygen -q -t ed25519 -N '' -C this-host -f "$key"
  chown "$SYSTEM_USER:" "$key" "$key.pub"
  sshd_add_key this-host "$key"
  run --separate-stderr dokku stacks:add self "$SYSTEM_USER@127.0.0.1:$SSHD_PORT"
  assert_success
  # a stack whose host answers while its app is added, then accepts connections and never speaks
  mkdir -p "$dir"
  node -e "const net=require('net');const s=net.createServer((c)=>{const u=net.connect($SSHD_PORT,'127.0.0.1');c.pipe(u).pipe(c);u.on('error',()=>c.destroy());c.on('error',()=>u.destroy());}).listen(0,'127.0.0.1',()=>require('fs').writeFileSync('$dir/port',String(s.address().port)))" >/dev/null 2>&1 3>&- &
  echo $! >"$dir/pid"
  stack_wait_for 30 test -s "$dir/port"
  port="$(cat "$dir/port")"
  run --separate-stderr dokku stacks:add dark "$SYSTEM_USER@127.0.0.1:$port"
  assert_success
  pipeline="$(dokku pipeline:list --format json | jq -r --arg app "$APP" '.[] | select(.stages.production | index($app)) | .name')"
  dokku pipeline:add "$pipeline" "$APP" --stack self --stage production >/dev/null
  dokku pipeline:add "$pipeline" "$APP" --stack dark --stage production >/dev/null
  stop_pid_file "$dir/pid"
  node -e "require('net').createServer(()=>{}).listen($port,'127.0.0.1')" >/dev/null 2>&1 3>&- &
  echo $! >"$dir/pid"
  stack_wait_for 30 bash -c "exec 3<>/dev/tcp/127.0.0.1/$port"

  current="$(dokku ownstack:info "$APP" --format json | jq -r '.current | "v\(.id) · \(.kind)"')"
  version="$(dokku ownstack:version --format json | jq -r .version)"
  DASHBOARD_URL="$(app_url "$DASH")" run browser other-stacks "$APP" self dark "$version" "$current"
  assert_success
  # the Promote confirmation names each target on another stack with what it runs
  DASHBOARD_URL="$(app_url "$DASH")" run browser promote-targets "$STG" "$APP@self" "$APP@dark"
  assert_success
  # the Deployments page: the releases of $APP@self among the rows, $APP@dark unreachable, no page held;
  # the newest one's log link shows a line of its log as this host prints it
  newest="$(dokku ownstack:history "$APP" --format json | jq -r '.[0].id')"
  line="$(dokku ownstack:deploy-log "$APP" "$newest" | grep -m1 -E '^[[:print:]]*[[:alnum:]][[:print:]]*$')"
  [[ -n "$line" ]]
  DASHBOARD_URL="$(app_url "$DASH")" run browser deployments-other-stacks "$APP" self dark "$(dokku ownstack:history "$APP" --format json | jq -r '[.[].id] | join(",")')" "$line"
  assert_success
  # ownstack:deploy-log <app>@<stack> <id>: that stack's log of the release
  run --separate-stderr dokku ownstack:deploy-log "$APP@self" "$newest"
  assert_success
  assert_line "$line"
  run --separate-stderr dokku ownstack:deploy-log "$APP@nowhere" "$newest"
  assert_failure
  [[ "$(printf '%s\n' "$stderr" | wc -l)" == 1 ]]
  # ownstack:history <app>@<stack>: that stack's own answer, in the shape of the local one
  assert_equal "$(dokku ownstack:history "$APP@self" --format json --limit 3 | jq -c '[.[] | keys]')" "$(dokku ownstack:history "$APP" --format json --limit 3 | jq -c '[.[] | keys]')"
  assert_equal "$(dokku ownstack:history "$APP@self" --format json | jq -c '[.[] | {id, status, current}]')" "$(dokku ownstack:history "$APP" --format json | jq -c '[.[] | {id, status, current}]')"
  run --separate-stderr dokku ownstack:history "$APP@self"
  assert_success
  assert_line --index 0 --regexp "^=====> $APP@self Releases - Current: v[0-9]+$"
  run --separate-stderr dokku ownstack:history "$APP@nowhere"
  assert_failure
  [[ "$(printf '%s\n' "$stderr" | wc -l)" == 1 ]]
  stop_pid_file "$dir/pid"
  dokku pipeline:remove "$APP@self" >/dev/null
  dokku pipeline:remove "$APP@dark" >/dev/null
  dokku stacks:remove self >/dev/null
  dokku stacks:remove dark >/dev/null
}

# ---- GitHub push webhooks (issue 18 item 5): curl plays GitHub ------------------------------

# push_payload REF SHA URL: the fields of GitHub's push event the dashboard reads
push_payload() { jq -cn --arg ref "$1" --arg sha "$2" --arg url "$3" '{ref: $ref, after: $sha, deleted: false, repository: {clone_url: $url, default_branch: "main"}, head_commit: {message: "<script>x</script>"}}'; }
# deliver SECRET DELIVERY-ID BODY: POSTs as GitHub does; prints the status and the answer's line
deliver() {
  local signature code answer="$BATS_TEST_TMPDIR/answer"
  signature="sha256=$(printf '%s' "$3" | openssl dgst -sha256 -hmac "$1" -r | cut -d' ' -f1)"
  code="$(curl -s -o "$answer" -w '%{http_code}' -H 'Content-Type: application/json' -H 'X-GitHub-Event: push' -H "X-GitHub-Delivery: $2" \
    -H "X-Hub-Signature-256: $signature" --data-binary "$3" "$(app_url "$DASH")/hooks/github/$APP")"
  printf '%s %s\n' "$code" "$(cat "$answer")"
}
# The dashboard answers 202 at once and records the outcome when git:sync ends: polls for it (a
# build's time, bounded), as notify.bats waits for its background deliveries.
wait_for_delivery_end() {
  local i
  for ((i = 0; i < 1500; i++)); do
    [[ "$(dokku ownstack:dashboard:deliveries "$APP" --format json | jq -r --arg id "$1" '.[] | select(.delivery == $id) | .outcome')" != started ]] && return 0
    sleep 0.2
  done
  fail "delivery $1 still started after 300 s"
}

@test "github-webhook-secret: read from stdin only, never shown, kept owner-only where the dashboard reads it" {
  run dokku ownstack:set "$APP" github-webhook-secret "whsec-on-the-command-line"
  assert_failure
  assert_output --partial "github-webhook-secret is read from standard input only"
  run bash -c 'printf "%s\n" "$1" | dokku ownstack:set "$2" github-webhook-secret -' _ "whsec-$HOST_TOKEN-0123456789" "$APP"
  assert_success
  refute_output --partial "whsec-"
  assert_equal "$(dokku ownstack:report "$APP" --ownstack-github-webhook-secret)" '********'
  assert_equal "$(stat -c '%U %a' "$DOKKU_LIB_ROOT/data/ownstack/$APP/github-webhook-secret")" "$SYSTEM_USER 600"
}

@test "a forged push gets 401 and runs nothing; a push to another branch is ignored; a signed push to main deploys it as github (dashboard)" {
  local secret="whsec-$HOST_TOKEN-0123456789" url sha body
  git_http_start
  host_set_version "$HOST_SANDBOX/src" v3 >/dev/null
  url="$(git_http_publish "$HOST_SANDBOX/src" "$APP")"
  sha="$(host_git "$HOST_SANDBOX/src" rev-parse HEAD)"
  body="$(push_payload refs/heads/main "$sha" "$url")"

  run deliver "not-the-secret-$HOST_TOKEN" forged-1 "$body"
  assert_output "401 Refused: no valid X-Hub-Signature-256 for this app (check the webhook secret)"
  run deliver "$secret" other-branch-1 "$(push_payload refs/heads/feature "$sha" "$url")"
  assert_output "200 Ignored: a push to feature; $APP deploys main"
  # nothing ran: production's history still ends with the approved promotion
  assert_equal "$(dokku ownstack:history "$APP" --format json | jq -r '.[0].id')" 4

  run deliver "$secret" signed-1 "$body"
  assert_output "202 Started: deploying ${sha:0:7} of main (git:sync --build)"
  wait_for_delivery_end signed-1
  git_http_stop
  assert_equal "$(app_http "$APP")" "sample v3 greeting=none"
  run dokku ownstack:history "$APP" --format json
  assert_equal "$(jq -r '.[0] | "\(.id) \(.status) \(.who) \(.git_sha) \(.source) \(.source_metadata)"' <<<"$output")" \
    "5 succeeded github (dashboard) $sha git-sync $url#$sha"
  # the same delivery again (a replay) runs nothing
  run deliver "$secret" signed-1 "$body"
  assert_output "200 Ignored: delivery signed-1 already started a deploy"
}

@test "ownstack:dashboard:deliveries lists each delivery and its outcome, never the secret or the body" {
  run dokku ownstack:dashboard:deliveries "$APP" --format json
  assert_success
  assert_equal "$(jq -r 'map("\(.delivery) \(.outcome)") | join(", ")' <<<"$output")" \
    "signed-1 ignored, signed-1 succeeded, other-branch-1 ignored, forged-1 refused"
  assert_equal "$(jq -r '.[1].reason' <<<"$output")" deployed
  assert_equal "$(jq -r '.[3].reason' <<<"$output")" "the signature does not match the app's github-webhook-secret"
  run dokku ownstack:dashboard:deliveries "$APP"
  assert_success
  assert_line --index 0 "=====> $APP GitHub webhook deliveries"
  assert_line --regexp "other-branch-1 +push +refs/heads/feature +[0-9a-f]{7} +ignored +a push to feature; $APP deploys main$"
  # the file: the dashboard's own, owner-only, with no secret and no payload
  local file="$DOKKU_LIB_ROOT/data/ownstack-dashboard/deliveries/$APP.json"
  assert_equal "$(stat -c '%U %a' "$file")" "$SYSTEM_USER 600"
  run grep -c -e "whsec-" -e script "$file"
  assert_output 0
}

@test "disable destroys the app and its images, keeps the sessions" {
  local image
  image="$(jq -r .image <<<"$(dokku ownstack:dashboard:report --format json)")"
  run dokku ownstack:dashboard:disable
  assert_success
  [[ ! -d "$DOKKU_ROOT/$DASH" ]] || fail "the app is still there"
  run docker image inspect "$image"
  assert_failure
  assert_equal "$(docker container ls -aq --filter "label=com.dokku.app-name=$DASH")" ""
  run dokku ownstack:dashboard:report --format json
  assert_equal "$(jq -r '[.enabled, .running] | join(" ")' <<<"$output")" "false false"
  run dokku ownstack:dashboard:sessions --format json
  assert_equal "$(jq -r '[.[].name] | sort | join(" ")' <<<"$output")" "alice bob carol"
  # its key is gone from Dokku, and its key pair from the disk
  assert_equal "$(dokku ssh-keys:list --format json 2>/dev/null | jq '[.[] | select(.name == "ownstack-dashboard")] | length')" 0
  [[ ! -e "$DOKKU_LIB_ROOT/data/ownstack-dashboard/ssh" ]] || fail "the dashboard's key pair is still there"
}
