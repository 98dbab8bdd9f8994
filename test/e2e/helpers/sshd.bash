# shellcheck shell=bash
# Real ssh into this file's sandbox, as Dokku's users reach a host: Debian's openssh-server on a
# free 127.0.0.1 port, keys added exactly as sshcommand's acl-add adds them (a forced command that
# runs `dokku $SSH_ORIGINAL_COMMAND` with FINGERPRINT and NAME set), and the sandbox's Dokku
# system user as the login user. Load after helpers/host.
#
#   setup_file() {
#     sshd_system_user ownstack-ssh          # a login user, as Dokku's package makes `dokku`
#     host_setup_file ownstack-ssh           # the sandbox runs Dokku's commands as that user
#     sshd_start && sshd_add_key admin
#   }
#   teardown_file() { sshd_stop; host_teardown_file; }
#
#   ssh_dokku admin apps:list               # ssh -i ... dokku@127.0.0.1 apps:list
#   ssh_git admin -C DIR push "$(ssh_git_url APP)" main:main

SSHD_USERS_LOCK=/run/lock/ownstack-test-users.lock
# The users' homes are links here, pointed at each run's DOKKU_ROOT by sshd_start: /etc/passwd is
# written once, and never while a process of the user (a retire timer of an earlier run) lives.
SSHD_HOMES=/run/ownstack-test-homes

# A system user with a login shell (sshd runs forced commands through it) in the docker group,
# as Dokku's package makes `dokku`; its home is DOKKU_ROOT (through a link, see SSHD_HOMES).
# Files run in parallel, so changes to /etc/passwd are serialized.
sshd_system_user() {
  declare USER_NAME="$1"
  mkdir -p "${SSHD_USERS_LOCK%/*}" "$SSHD_HOMES"
  # "*": no password, but not locked (sshd without PAM refuses locked accounts)
  flock "$SSHD_USERS_LOCK" bash -c '
    home="$2/$1"
    if ! id "$1" >/dev/null 2>&1; then
      useradd --system --user-group --no-create-home --home-dir "$home" --shell /bin/bash --groups docker -p "*" "$1"
    elif [[ "$(getent passwd "$1" | cut -d: -f6,7)" != "$home:/bin/bash" ]]; then
      usermod --home "$home" --shell /bin/bash "$1"
    fi
    # a user made earlier without a password (useradd locks it: "!") would be refused by sshd
    [[ "$(getent shadow "$1" | cut -d: -f2)" != "!"* ]] || usermod -p "*" "$1"
  ' _ "$USER_NAME" "$SSHD_HOMES"
}

# SSHD_ALSO_LISTEN: another address to listen on (e.g. the docker bridge's gateway, for an app's
# containers); SSHD_HOST_KEY: a host key to use instead of a fresh one (e.g. the host's own
# /etc/ssh/ssh_host_ed25519_key, which is what a plugin reads as this host's key).
sshd_start() {
  local dir="$HOST_SANDBOX/sshd" user="$DOKKU_SYSTEM_USER" port host_key
  [[ "$user" != "$(id -un)" ]] || { echo "sshd_start: make the sandbox with a system user (host_setup_file USER)" >&2 && return 1; }
  mkdir -p "$dir/keys" /run/sshd
  chmod 755 "$dir"
  [[ "$(getent passwd "$user" | cut -d: -f6)" == "$SSHD_HOMES/$user" ]] || { echo "sshd_start: make $user with sshd_system_user" >&2 && return 1; }
  ln -sfn "$DOKKU_ROOT" "$SSHD_HOMES/$user"
  host_key="${SSHD_HOST_KEY:-$dir/host_key}"
  [[ -n "${SSHD_HOST_KEY:-}" ]] || ssh-keygen -q -t ed25519 -N '' -C "sandbox-host" -f "$dir/host_key"
  # sshd hands a forced command its own environment, not the test's: the sandbox's `dokku`
  # finds the sandbox through its env file.
  cat >"$dir/dokku" <<EOF
#!/usr/bin/env bash
source "$DOKKU_ROOT/dokkurc"
exec "$HOST_DIR/bin/dokku" "\$@"
EOF
  chmod 755 "$dir/dokku"
  echo "$dir/dokku" >"$DOKKU_ROOT/.sshcommand"
  mkdir -p "$DOKKU_ROOT/.ssh"
  : >"$DOKKU_ROOT/.ssh/authorized_keys"
  chown -R "$user:$DOKKU_SYSTEM_GROUP" "$DOKKU_ROOT/.sshcommand" "$DOKKU_ROOT/.ssh"
  chmod 700 "$DOKKU_ROOT/.ssh"
  chmod 600 "$DOKKU_ROOT/.ssh/authorized_keys"
  port="$(node -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); })')"
  cat >"$dir/sshd_config" <<EOF
Port $port
ListenAddress 127.0.0.1
${SSHD_ALSO_LISTEN:+ListenAddress $SSHD_ALSO_LISTEN}
HostKey $host_key
PidFile none
AuthorizedKeysFile $DOKKU_ROOT/.ssh/authorized_keys
AllowUsers $user
PermitRootLogin no
UsePAM no
StrictModes no
PasswordAuthentication no
KbdInteractiveAuthentication no
PubkeyAuthentication yes
LogLevel INFO
EOF
  /usr/sbin/sshd -D -e -f "$dir/sshd_config" 2>"$dir/sshd.log" &
  export SSHD_PID=$! SSHD_PORT="$port" SSHD_DIR="$dir"
  sshd_wait_listening
}

# sshd says when its socket is bound: wait for that line (or for sshd to die), at most 30 s.
sshd_wait_listening() {
  local i
  for ((i = 0; i < 300; i++)); do
    grep -q "Server listening on 127.0.0.1 port $SSHD_PORT" "$SSHD_DIR/sshd.log" &&
      grep -q "Server listening on ${SSHD_ALSO_LISTEN:-127.0.0.1} port $SSHD_PORT" "$SSHD_DIR/sshd.log" && return 0
    kill -0 "$SSHD_PID" 2>/dev/null || break
    sleep 0.1
  done
  echo "sshd did not start:" >&2
  cat "$SSHD_DIR/sshd.log" >&2
  return 1
}

sshd_stop() {
  [[ -n "$SSHD_PID" ]] || return 0
  kill "$SSHD_PID" 2>/dev/null || true
  wait "$SSHD_PID" 2>/dev/null || true
  unset SSHD_PID
}

# A client key named NAME, authorized the way `sshcommand acl-add dokku NAME` authorizes it; a
# new one, or the private key KEY (another host's, whose KEY.pub is authorized).
sshd_add_key() {
  declare NAME="$1" KEY="${2:-}"
  local key="${KEY:-$SSHD_DIR/keys/$NAME}" fingerprint
  [[ -n "$KEY" ]] || ssh-keygen -q -t ed25519 -N '' -C "$NAME" -f "$key"
  fingerprint="$(ssh-keygen -lf "$key.pub" | awk '{print $2}')"
  printf 'command="FINGERPRINT=%s NAME=\\"%s\\" `cat %s/.sshcommand` $SSH_ORIGINAL_COMMAND",no-agent-forwarding,no-user-rc,no-X11-forwarding,no-port-forwarding %s\n' \
    "$fingerprint" "$NAME" "$DOKKU_ROOT" "$(cat "$key.pub")" >>"$DOKKU_ROOT/.ssh/authorized_keys"
}

sshd_client_command() {
  echo "ssh -i $SSHD_DIR/keys/$1 -p $SSHD_PORT -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o BatchMode=yes -o LogLevel=ERROR"
}

# ssh_dokku KEYNAME ARGS...: as `ssh dokku@host ARGS...` (ssh joins ARGS with blanks).
ssh_dokku() {
  declare NAME="$1"
  shift
  $(sshd_client_command "$NAME") "$DOKKU_SYSTEM_USER@127.0.0.1" "$@"
}

# Dokku's remote form, user@host:APP (the port comes with ssh_git's ssh command).
ssh_git_url() { echo "$DOKKU_SYSTEM_USER@127.0.0.1:$1"; }

# ssh_git KEYNAME GIT-ARGS...: git with its ssh transport using KEYNAME's key.
ssh_git() {
  declare NAME="$1"
  shift
  GIT_SSH_COMMAND="$(sshd_client_command "$NAME")" git -c safe.directory='*' "$@"
}

# The host as containers on Docker's default bridge reach it: the gateway the network's IPAM config
# names, else (an engine whose config holds only the subnet) the bridge interface's own address.
docker_bridge_gateway() {
  local gateway bridge
  gateway="$(docker network inspect bridge --format '{{range .IPAM.Config}}{{.Gateway}}{{end}}')"
  if [[ -z "$gateway" ]]; then
    bridge="$(docker network inspect bridge --format '{{index .Options "com.docker.network.bridge.name"}}')"
    gateway="$(ip -4 -o addr show dev "$bridge" | awk '{ sub(/\/.*/, "", $4); print $4; exit }')"
  fi
  [[ -n "$gateway" ]] || { echo "no gateway found for Docker's bridge network" >&2; return 1; }
  echo "$gateway"
}
