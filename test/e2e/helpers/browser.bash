# shellcheck shell=bash
# The dashboard's browser scenarios (helpers/dashboard-browser.mjs), with one chromium for the whole
# file: browser_start in setup_file (after helpers/stack, for stack_wait_for and stop_pid_file),
# browser_stop in teardown_file. Each `browser SCENARIO …` connects to it with a context of its own.

browser_start() {
  export DASHBOARD_BROWSER="$HOST_SANDBOX/browser/endpoint"
  mkdir -p "${DASHBOARD_BROWSER%/*}"
  node "$HOST_REPO_ROOT/test/e2e/helpers/dashboard-browser.mjs" serve "$DASHBOARD_BROWSER" \
    >"$HOST_SANDBOX/browser/serve.log" 2>&1 3>&- &
  echo $! >"$HOST_SANDBOX/browser/pid"
  stack_wait_for 60 test -s "$DASHBOARD_BROWSER" || { cat "$HOST_SANDBOX/browser/serve.log" >&3; return 1; }
}

browser_stop() { stop_pid_file "$HOST_SANDBOX/browser/pid"; }

browser() { node "$HOST_REPO_ROOT/test/e2e/helpers/dashboard-browser.mjs" "$@"; }
