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
source "$HOST_LIB/git.bash"
source "$HOST_LIB/release.bash"
source "$HOST_LIB/scheduler.bash"
source "$HOST_LIB/commands.bash"
