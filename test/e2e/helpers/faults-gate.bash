#!/usr/bin/env bash
# A stand-in for `docker`, `flock`, `curl` and `plugn` (linked under those names into a directory that is
# put first on PATH) that runs the real tool, except that once per armed gate it stops: before or
# after the real tool runs, it writes its pid to $FAULT_GATE_DIR/reached and waits until
# $FAULT_GATE_DIR/go exists. That lets test/e2e/faults.bats stop a promotion or a rollback at an
# exact point (after the deploy lock, after the image tag, in the release task, in the health
# check, after the traffic switch, inside a record write) and kill -9 it there.
#
# The gate is armed by $FAULT_GATE_DIR/rule, a bash file defining:
#   GATE_WHEN=before|after
#   gate_match   returns 0 for the call to stop at; it sees GATE_TOOL (docker|flock|curl|plugn), the
#                call's arguments as "$@", GATE_FD3 (what fd 3 names; set for flock only) and
#                GATE_PARENT (the caller's command line).
# It fires once: the first matching call takes $FAULT_GATE_DIR/fired (mkdir is atomic).

# Every call of the tool in the command under test comes through here first, a few hundred in a
# deploy: what follows starts no process of its own until the gate fires, but readlink for flock.
GATE_TOOL="${0##*/}"
# the PATH entry this was found in, as PATH spells it (execvp puts it in $0)
gate_bin="${0%/*}"
clean_path=":$PATH:"
# every occurrence (an env file sourced twice puts the directory on PATH twice)
while [[ "$clean_path" == *":$gate_bin:"* ]]; do clean_path="${clean_path//:$gate_bin:/:}"; done
real=""
IFS=: read -ra gate_path_dirs <<<"$clean_path"
for gate_dir in "${gate_path_dirs[@]}"; do
  [[ -n "$gate_dir" && -f "$gate_dir/$GATE_TOOL" && -x "$gate_dir/$GATE_TOOL" ]] && real="$gate_dir/$GATE_TOOL" && break
done
[[ -n "$real" ]] || { echo "faults-gate: no real $GATE_TOOL" >&2; exit 127; }

gate_armed=false
if [[ -n "$FAULT_GATE_DIR" && -f "$FAULT_GATE_DIR/rule" && ! -e "$FAULT_GATE_DIR/fired" ]]; then
  GATE_FD3="" GATE_PARENT=""
  [[ "$GATE_TOOL" != flock ]] || GATE_FD3="$(readlink /proc/$$/fd/3 2>/dev/null || true)"
  # the caller's command line, its arguments each followed by a space
  while IFS= read -r -d '' gate_arg; do GATE_PARENT+="$gate_arg "; done 2>/dev/null <"/proc/$PPID/cmdline" || true
  GATE_WHEN=before
  # shellcheck disable=SC1091
  source "$FAULT_GATE_DIR/rule"
  if gate_match "$@" && mkdir "$FAULT_GATE_DIR/fired" 2>/dev/null; then gate_armed=true; fi
fi

gate_wait() {
  {
    echo "$$ $GATE_TOOL $GATE_WHEN $*"
  } >"$FAULT_GATE_DIR/reached.tmp" && mv "$FAULT_GATE_DIR/reached.tmp" "$FAULT_GATE_DIR/reached"
  until [[ -e "$FAULT_GATE_DIR/go" ]]; do sleep 0.05; done
}

if ! $gate_armed; then exec "$real" "$@"; fi
if [[ "$GATE_WHEN" == before ]]; then
  gate_wait "$@"
  exec "$real" "$@"
fi
"$real" "$@"
code=$?
gate_wait "$@"
exit "$code"
