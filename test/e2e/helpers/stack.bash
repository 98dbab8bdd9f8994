# shellcheck shell=bash
# A second Dokku host for the tests: the same test host (test/host) under another root, on a
# second Docker engine of its own, so that an image can reach it only through a real registry.
#
#   engine_start NAME            a dockerd with its own data root, exec root, pid file, socket,
#                                bridge and loopback address for published ports; exports
#                                ENGINE_<NAME>_HOST (a DOCKER_HOST value) and ENGINE_<NAME>_PUBLISH_IP
#   engine_stop NAME
#   registry_start / registry_stop   Debian's docker-registry (the Distribution registry) on a
#                                loopback port, storage in the sandbox; exports REGISTRY=127.0.0.1:PORT
#   stack_host_setup NAME        a sandbox root for host NAME on engine NAME, ownstack installed;
#                                exports STACK_<NAME>_ENV (its env file, DOCKER_HOST included)
#   on_stack NAME CMD…           runs CMD as on that host (its dokku, its engine)
#
# Everything lives under $HOST_SANDBOX and stops in stack_teardown (call it from teardown_file).

# A free TCP port on 127.0.0.1 for a server to listen on, below the kernel's ephemeral range. A port
# in that range found free can be taken before the server binds it: the kernel hands those out to
# every listen(0) and outgoing connection, and Docker publishes the containers' ports there one
# after another (another server took the dashboard's port once, and every page answered 404).
free_port() {
  node -e '
    const net = require("net");
    const ephemeral = Number(require("fs").readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/)[0]);
    const low = 1024, high = ephemeral - 1;
    const attempt = () => {
      const port = low + Math.floor(Math.random() * (high - low + 1));
      const server = net.createServer().once("error", attempt);
      server.listen(port, "127.0.0.1", () => server.close(() => console.log(port)));
    };
    attempt();'
}

# Polls (0.1 s steps) until the command succeeds; gives up after $1 seconds.
stack_wait_for() {
  local deadline=$((SECONDS + $1))
  shift
  until "$@" >/dev/null 2>&1; do
    ((SECONDS < deadline)) || return 1
    sleep 0.1
  done
}

ENGINE_NET_LOCK=/run/lock/ownstack-test-engine-net.lock

engine_start() {
  local name="$1" dir="$HOST_SANDBOX/engine-$1" bridge="os${HOST_TOKEN}${1:0:5}" net="" n net_lock
  mkdir -p "$dir"
  # A /24 of our own for the bridge: the first one no interface uses yet. Choosing and taking it
  # happen under one machine-wide lock, so test files starting engines side by side (bats --jobs)
  # never pick the same one.
  exec {net_lock}>"$ENGINE_NET_LOCK"
  flock "$net_lock"
  for n in $(seq 200 254); do
    ip -4 addr show | grep -q " 172\.31\.$n\." || { net="172.31.$n"; break; }
  done
  [[ -n "$net" ]] || { exec {net_lock}>&-; echo "no free 172.31.x.0/24 for engine $name" >&2; return 1; }
  ip link add name "$bridge" type bridge
  ip addr add "$net.1/24" dev "$bridge"
  exec {net_lock}>&-
  ip link set "$bridge" up
  echo "$bridge" >"$dir/bridge"
  # Its own iptables rules would fight the first engine's: published ports go through
  # docker-proxy on a loopback address instead, which is all the tests use. The address is the
  # engine's own (127.31.N.1 beside its bridge's 172.31.N.0/24): every engine takes random host
  # ports from the same range, in the same order, without knowing the others', so on a shared
  # 127.0.0.1 a second engine's deploy finds its first ports taken by the first engine's
  # containers and fails ("bind: address already in use").
  dockerd --data-root "$dir/data" --exec-root "$dir/exec" --pidfile "$dir/docker.pid" \
    --host "unix://$dir/docker.sock" --bridge "$bridge" --iptables=false --ip-masq=false \
    --ip "127.${net#172.}.1" >"$dir/dockerd.log" 2>&1 &
  echo $! >"$dir/dockerd.pid"
  local var="ENGINE_${name^^}_HOST"
  export "$var=unix://$dir/docker.sock" "ENGINE_${name^^}_PUBLISH_IP=127.${net#172.}.1"
  stack_wait_for 60 env DOCKER_HOST="unix://$dir/docker.sock" docker info || {
    tail -n 20 "$dir/dockerd.log" >&2
    return 1
  }
}

engine_stop() {
  local dir="$HOST_SANDBOX/engine-$1" pid
  [[ -f "$dir/dockerd.pid" ]] || return 0
  pid="$(cat "$dir/dockerd.pid")"
  DOCKER_HOST="unix://$dir/docker.sock" docker container rm --force $(DOCKER_HOST="unix://$dir/docker.sock" docker container ls -aq) >/dev/null 2>&1 || true
  kill "$pid" 2>/dev/null || true
  # dockerd unmounts its layers as it stops; wait for it (bounded) before removing its root
  local deadline=$((SECONDS + 60))
  while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.1; done
  kill -9 "$pid" 2>/dev/null || true
  grep -o " $dir/[^ ]*" /proc/mounts | sort -r | xargs -r -n1 umount -l 2>/dev/null || true
  [[ ! -f "$dir/bridge" ]] || ip link del "$(cat "$dir/bridge")" 2>/dev/null || true
  rm -f "$dir/dockerd.pid"
}

registry_start() {
  local dir="$HOST_SANDBOX/registry" port="${REGISTRY_PORT:-}"
  mkdir -p "$dir/storage"
  [[ -n "$port" ]] || port="$(free_port)"
  cat >"$dir/config.yml" <<YAML
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $dir/storage
  delete:
    enabled: true
http:
  addr: 127.0.0.1:$port
YAML
  docker-registry serve "$dir/config.yml" >>"$dir/registry.log" 2>&1 &
  echo $! >"$dir/pid"
  export REGISTRY="127.0.0.1:$port" REGISTRY_PORT="$port"
  stack_wait_for 30 curl -sf "http://$REGISTRY/v2/" || { tail -n 20 "$dir/registry.log" >&2; return 1; }
}

# Stops the process whose pid FILE holds, waits until it is gone, removes FILE.
stop_pid_file() {
  local pid
  [[ -f "$1" ]] || return 0
  pid="$(cat "$1")"
  kill "$pid" 2>/dev/null || true
  while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
  rm -f "$1"
}

registry_stop() { stop_pid_file "$HOST_SANDBOX/registry/pid"; }

# stack_host_setup NAME [--ssh]: with --ssh the host runs Dokku's commands as a system user of
# its own, and answers over real ssh (helpers/sshd.bash) as `ssh <user>@127.0.0.1 -p PORT`.
stack_host_setup() {
  local name="$1" root="$HOST_SANDBOX/stack-$1" env_file engine_var="ENGINE_${1^^}_HOST" user=""
  if [[ "${2:-}" == --ssh ]]; then
    user="os${name:0:4}${HOST_TOKEN}"
    sshd_system_user "$user"
    echo "$user" >>"$HOST_SANDBOX/stack-users"
    # the system user must reach its root through the sandbox
    chmod 755 "$HOST_SANDBOX" && mkdir -p "$root" && chmod 755 "$root"
    env_file="$("$HOST_DIR/bin/dokku-host-setup" "$root" --user "$user")"
  else
    env_file="$("$HOST_DIR/bin/dokku-host-setup" "$root")"
  fi
  local publish_var="ENGINE_${1^^}_PUBLISH_IP"
  echo "export DOCKER_HOST=\"${!engine_var}\" DOKKU_TEST_PUBLISH_IP=\"${!publish_var}\"" >>"$env_file"
  export "STACK_${name^^}_ENV=$env_file"
  on_stack "$name" "$HOST_DIR/bin/base-image" >/dev/null
  on_stack "$name" host_hold_app_base
  on_stack "$name" ownstack_install_into "$root/ownstack-plugin"
  [[ -z "$user" ]] || stack_sshd_start "$name"
}

# sshd for stack NAME; its port and pid are kept in the stack's sshd directory.
stack_sshd_start() {
  local root="$HOST_SANDBOX/stack-$1"
  on_stack "$1" env HOST_DIR="$HOST_DIR" bash -c 'HOST_SANDBOX="$1"; source "$2"; { sshd_start >"$1/sshd-start.log" 2>&1 || { cat "$1/sshd-start.log" >&2; exit 1; }; } && echo "$SSHD_PORT" >"$1/sshd/port" && echo "$SSHD_PID" >"$1/sshd/pid"' _ "$root" "$HOST_REPO_ROOT/test/e2e/helpers/sshd.bash"
}

stack_sshd_stop() { stop_pid_file "$HOST_SANDBOX/stack-$1/sshd/pid"; }

# sshd again on the same port (after stack_sshd_stop).
stack_sshd_restart() {
  local dir="$HOST_SANDBOX/stack-$1/sshd"
  /usr/sbin/sshd -D -e -f "$dir/sshd_config" 2>>"$dir/sshd.log" &
  echo $! >"$dir/pid"
  local port
  port="$(cat "$dir/port")"
  stack_wait_for 30 bash -c "exec 3<>/dev/tcp/127.0.0.1/$port"
}

# `user@127.0.0.1:port`, as stacks:add takes it.
stack_address() {
  local var="STACK_${1^^}_ENV"
  echo "$(source "${!var}" && echo "$DOKKU_SYSTEM_USER")@127.0.0.1:$(cat "$HOST_SANDBOX/stack-$1/sshd/port")"
}

# Lets this host's Dokku user (its key in $DOKKU_ROOT/.ssh, made here once) in on stack NAME.
stack_authorize_this_host() {
  local key="$DOKKU_ROOT/.ssh/id_ed25519"
  mkdir -p "$DOKKU_ROOT/.ssh"
  [[ -f "$key" ]] || ssh-keygen -q -t ed25519 -N '' -C "this-host" -f "$key"
  on_stack "$1" bash -c 'source "$1"; SSHD_DIR="$2"; sshd_add_key this-host "$3"' _ "$HOST_REPO_ROOT/test/e2e/helpers/sshd.bash" "$HOST_SANDBOX/stack-$1/sshd" "$key"
}

on_stack() {
  local var="STACK_${1^^}_ENV"
  (
    # shellcheck disable=SC1090
    source "${!var}"
    "${@:2}"
  )
}

stack_teardown() {
  local dir name user
  registry_stop
  for dir in "$HOST_SANDBOX"/stack-*; do
    [[ -d "$dir" ]] && stack_sshd_stop "${dir##*/stack-}"
  done
  for dir in "$HOST_SANDBOX"/engine-*; do
    [[ -d "$dir" ]] || continue
    name="${dir##*/engine-}"
    engine_stop "$name"
  done
  # the system users the ssh stacks ran as
  [[ ! -f "$HOST_SANDBOX/stack-users" ]] || while read -r user; do
    flock "$SSHD_USERS_LOCK" userdel "$user" 2>/dev/null || true
  done <"$HOST_SANDBOX/stack-users"
}
