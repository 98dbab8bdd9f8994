# A repository served over loopback HTTP with git's dumb protocol (helpers/git-http-server.mjs),
# as `git:sync` fetches one from GitHub: http(s) only, no ssh.
#   git_http_start           serves $HOST_SANDBOX/git-http/; sets GIT_HTTP_URL (http://127.0.0.1:PORT)
#   git_http_publish SRC NAME  every branch of SRC, as it is, in NAME.git there; prints its URL
#   git_http_stop
git_http_start() {
  local dir="$HOST_SANDBOX/git-http" fifo="$HOST_SANDBOX/git-http.fifo" port
  mkdir -p "$dir"
  rm -f "$fifo" && mkfifo "$fifo"
  node "$HOST_REPO_ROOT/test/e2e/helpers/git-http-server.mjs" "$dir" >"$fifo" 2>"$HOST_SANDBOX/git-http.log" 3>&- &
  echo $! >"$HOST_SANDBOX/git-http.pid"
  read -r port <"$fifo"
  export GIT_HTTP_URL="http://127.0.0.1:$port"
}

git_http_publish() {
  declare SRC="$1" NAME="$2"
  local bare="$HOST_SANDBOX/git-http/$NAME.git"
  [[ -d "$bare" ]] || git init -q --bare "$bare"
  host_git "$SRC" push -q --force "$bare" 'refs/heads/*:refs/heads/*'
  git -C "$bare" update-server-info
  # the repository is read by the Dokku system user's git (git:sync), whoever made it
  chmod -R a+rX "$bare"
  echo "$GIT_HTTP_URL/$NAME.git"
}

git_http_stop() {
  [[ ! -s "$HOST_SANDBOX/git-http.pid" ]] || kill "$(cat "$HOST_SANDBOX/git-http.pid")" 2>/dev/null || true
}
