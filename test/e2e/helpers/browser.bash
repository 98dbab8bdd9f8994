# shellcheck shell=bash
# The dashboard's browser scenarios (helpers/dashboard-browser.mjs), with one chromium and one Node
# for the whole file: browser_start in setup_file (after helpers/stack, for stack_wait_for and
# stop_pid_file), browser_stop in teardown_file. Each `browser SCENARIO …` hands the scenario, its
# arguments and the DASHBOARD_* variables to that process (curl over its Unix socket), which runs
# it in a browser context of its own; a failure is printed on stderr and returns 1, as a scenario
# run alone (`node dashboard-browser.mjs SCENARIO …`) does.

browser_start() {
  export DASHBOARD_BROWSER="$HOST_SANDBOX/browser/endpoint"
  mkdir -p "${DASHBOARD_BROWSER%/*}"
  node "$HOST_REPO_ROOT/test/e2e/helpers/dashboard-browser.mjs" serve "$DASHBOARD_BROWSER" \
    >"$HOST_SANDBOX/browser/serve.log" 2>&1 3>&- &
  echo $! >"$HOST_SANDBOX/browser/pid"
  stack_wait_for 60 test -s "$DASHBOARD_BROWSER" || { cat "$HOST_SANDBOX/browser/serve.log" >&3; return 1; }
}

browser_stop() { stop_pid_file "$HOST_SANDBOX/browser/pid"; }

browser() {
  local answer code word named=() i=0
  [[ -s "$DASHBOARD_BROWSER" ]] || { echo "browser: no browser was started (browser_start)" >&2; return 1; }
  # each word as a named value (0, 1, …, kept in that order), so that any of them may be empty,
  # hold a newline or start with a dash (jq 1.6 reads a word after --args as an option)
  for word in "$@"; do named+=(--arg "$((i++))" "$word"); done
  answer="$(jq -cn "${named[@]}" '[$ARGS.named[]] as $words
      | {scenario: $words[0], args: $words[1:], env: env | {DASHBOARD_URL, DASHBOARD_STATE, DASHBOARD_ARTIFACTS} | with_entries(select(.value != null))}' |
    curl -sS --unix-socket "$(cat "$DASHBOARD_BROWSER")" --data-binary @- -w '\n%{http_code}' http://browser/scenario)" || {
    echo "browser: the browser process did not answer (curl's exit code $?)" >&2
    return 1
  }
  code="${answer##*$'\n'}" answer="${answer%$'\n'*}"
  [[ "$code" == 200 ]] && return 0
  printf '%s\n' "${answer:-browser: $1 answered $code}" >&2
  return 1
}
