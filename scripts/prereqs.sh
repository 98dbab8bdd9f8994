#!/usr/bin/env bash
# Brings a fresh Debian machine to what the demo and the tests need: npm dependencies, the
# Docker engine (installed and running), busybox-static for the local base image, git, curl,
# jq, flock, sudo (test/e2e/polish.bats runs a command through it), and chromium (the dashboard's
# browser tests).
# Idempotent and quick when everything is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf -- '-----> %s\n' "$*"; }
die() { printf -- ' !     %s\n' "$*" >&2; exit 1; }

packages=()
command -v dockerd >/dev/null 2>&1 || packages+=(docker.io)
[[ -x /bin/busybox ]] || packages+=(busybox-static)
command -v git >/dev/null 2>&1 || packages+=(git)
command -v curl >/dev/null 2>&1 || packages+=(curl)
command -v jq >/dev/null 2>&1 || packages+=(jq)
command -v flock >/dev/null 2>&1 || packages+=(util-linux)
command -v parallel >/dev/null 2>&1 || packages+=(parallel)   # bats --jobs
command -v docker-registry >/dev/null 2>&1 || packages+=(docker-registry)   # stacks: a real registry
command -v ip >/dev/null 2>&1 || packages+=(iproute2)   # stacks: a bridge for the second engine
[[ -x /usr/sbin/sshd ]] || packages+=(openssh-server)        # real ssh to the test host
command -v ssh >/dev/null 2>&1 || packages+=(openssh-client)
command -v sudo >/dev/null 2>&1 || packages+=(sudo)
command -v chromium >/dev/null 2>&1 || packages+=(chromium)   # the dashboard's tests: a real browser
if ((${#packages[@]})); then
  [[ $(id -u) -eq 0 ]] || die "missing ${packages[*]}: install them (apt-get install ${packages[*]}) or run as root"
  say "Installing ${packages[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${packages[@]}" >/dev/null
fi

if ! docker info >/dev/null 2>&1; then
  [[ $(id -u) -eq 0 ]] || die "the Docker engine is not running: start dockerd"
  say "Starting dockerd"
  (dockerd >/var/log/dockerd-ownstack.log 2>&1 &)
  for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && break; sleep 1; done
  docker info >/dev/null 2>&1 || die "dockerd did not start (see /var/log/dockerd-ownstack.log)"
fi

# Reinstall when package-lock.json changed since the last install.
if [[ ! -f node_modules/.package-lock.json || package-lock.json -nt node_modules/.package-lock.json ]]; then
  say "npm ci"
  npm ci --no-audit --no-fund --loglevel=error
fi
