# Test host library: sourced by bin/dokku, by lib/hook (every emulated core
# trigger and subcommand) and, through plugins/common/functions, by plugins.
# Nothing in here may know about a particular third-party plugin.
# (parameter expansion instead of dirname: this runs for every trigger, and each process counts)
# lib/hook sources this by its resolved path already: readlink only for another way in
HOST_LIB="${BASH_SOURCE[0]}"
[[ "$HOST_LIB" == /* && "$HOST_LIB" != */../* && "$HOST_LIB" != */./* && ! -L "$HOST_LIB" ]] || HOST_LIB="$(readlink -f "$HOST_LIB")"
HOST_LIB="${HOST_LIB%/*}"
HOST_BIN="${HOST_LIB%/*}/bin"
source "$HOST_LIB/user-name.bash"
source "$HOST_LIB/common.bash"

# The other modules load when one of their functions is first called. Every emulated trigger is a
# bash of its own that sources this file, ~85 in a push, and parsing all 94 KB took ~6 ms of each;
# most triggers call into one module or none. A sandbox's env names its stub file, written by
# dokku-host-setup: a stub per function, `NAME() { host_autoload MODULE NAME "$@"; }`. Without
# one, everything is sourced.
HOST_LIB_MODULES=(git release scheduler commands)
declare -gA HOST_LIB_LOADED=()

# host_autoload MODULE FUNCTION [ARG…]: sources MODULE, whose definitions replace its stubs, then
# calls FUNCTION. A stub whose function MODULE does not define fails instead of calling itself.
host_autoload() {
  local module="$1"
  if [[ -n "${HOST_LIB_LOADED[$module]:-}" ]]; then
    echo " !     test host: $2 is not defined in lib/$module.bash (a stale stub file?)" >&2
    return 1
  fi
  HOST_LIB_LOADED[$module]=1
  source "$HOST_LIB/$module.bash"
  "${@:2}"
}

if [[ "${TEST_HOST_AUTOLOAD:-}" == /* && -f "$TEST_HOST_AUTOLOAD" ]]; then
  source "$TEST_HOST_AUTOLOAD"
else
  for host_lib_module in "${HOST_LIB_MODULES[@]}"; do source "$HOST_LIB/$host_lib_module.bash"; done
  unset host_lib_module
fi
