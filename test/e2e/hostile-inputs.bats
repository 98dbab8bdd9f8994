#!/usr/bin/env bats
# The hostile-input corpus (test/fixtures/hostile-inputs.jsonl) through the host's `dokku` and the
# compiled binary, with real state behind it: each case must be refused with a non-zero exit and
# exactly one stderr line, and change nothing under DOKKU_LIB_ROOT and no Docker image
# (test/e2e/helpers/run-hostile-inputs.mjs). Every argument list of the corpus runs so in-process
# through the binary's command path (test/unit/hostile-inputs.test.ts); this file runs the cases
# that read standard input or hold a config value, and for each command its first case and its
# first case of each kind of character that bash or ssh could mangle on the way (newline, quotes,
# $, backtick, …: refusedThroughTheHost in helpers/hostile-corpus.mjs). Its hostile config values
# (cases with `config_file`: spaces, quotes, $, =, backslashes, newlines) go the other way:
# config-push must keep each exactly as Dokku's config holds it, print none, and see no change on
# a second push.
#
# The corpus names its apps; the runner gives each name this file's token (hx-app becomes
# hx-app-<token>), so runs in other checkouts on the same engine never meet these apps:
#   hx-app   deployed once from the sample app (one succeeded release), production of pipeline hx-pipe
#   hx-free  an app in no pipeline, never deployed
#   hx-none  must not exist
# The Docker check covers only what the plugin could touch: these apps' images and containers and
# their retained-image holders. Other work on the same engine cannot fail it, and the corpus test
# runs while this file itself builds and removes unrelated images; the last test shows that the
# check still fails when a sandbox app's image or holder really changes.

bats_require_minimum_version 1.5.0
load helpers/host
load helpers/ownstack


setup_file() {
  host_setup_file
  export HX_APP="hx-app-$HOST_TOKEN" HX_FREE="hx-free-$HOST_TOKEN" HX_NONE="hx-none-$HOST_TOKEN" HX_PIPE="hx-pipe-$HOST_TOKEN"
  printf '%s\n' "$HX_APP" "$HX_FREE" "$HX_NONE" >>"$HOST_SANDBOX/apps"
  ownstack_install
  host_create_app "$HX_APP"
  host_create_app "$HX_FREE"
  host_sample_app "$HOST_SANDBOX/src" v1 none
  host_push "$HX_APP" "$HOST_SANDBOX/src" >"$HOST_SANDBOX/push.log" || { cat "$HOST_SANDBOX/push.log" >&3; return 1; }
  dokku pipeline:create "$HX_APP" --name "$HX_PIPE" >/dev/null
}

teardown_file() { ownstack_teardown_file; }

@test "the state the corpus assumes: hx-app with one succeeded release in pipeline hx-pipe, hx-free alone" {
  run app_http "$HX_APP"
  assert_output "sample v1 greeting=none"
  run dokku ownstack:history "$HX_APP" --format json
  assert_success
  assert_equal "$(jq -c '[.[] | {id, status}]' <<<"$output")" '[{"id":1,"status":"succeeded"}]'
  run dokku pipeline:info "$HX_PIPE" --format json
  assert_success
  assert_output --partial "\"$HX_APP\""
  refute_output --partial "\"$HX_FREE\""
  run dokku apps:exists "$HX_NONE"
  assert_failure
}

run_corpus() { HOSTILE_NAME_SUFFIX="-$HOST_TOKEN" node "$HOST_REPO_ROOT/test/e2e/helpers/run-hostile-inputs.mjs" "$1" "$2" "$HX_APP,$HX_FREE,$HX_NONE"; }

# Another user of the engine: at each of the runner's Docker comparisons (a line on standard input,
# the FIFO HOSTILE_TICKS) builds an image of its own and removes the one before, so that between any
# two comparisons an unrelated image appears and another goes, while the next cases run. It counts
# what it finished, and ends when the runner closes the FIFO.
churn_images() {
  local dir="$BATS_TEST_TMPDIR/churn" i=0 tag previous=""
  while read -r _; do
    i=$((i + 1))
    tag="hx-churn-$HOST_TOKEN:$i"
    # its own failures (the engine is shared) are written down, not fatal: it is only load
    docker build -q --build-arg "N=$i" -t "$tag" "$dir/context" >/dev/null 2>>"$dir/errors" || continue
    [[ -z "$previous" ]] || docker image rm "$previous" >/dev/null 2>>"$dir/errors"
    previous="$tag"
    echo "$i" >>"$dir/done"
  done
  [[ -z "$previous" ]] || docker image rm "$previous" >/dev/null 2>>"$dir/errors"
}

@test "the host's sample of hostile inputs is refused with one stderr line and changes nothing, while other images come and go" {
  local count sample churn ticks="$BATS_TEST_TMPDIR/ticks" fd
  count="$(grep -c . "$HOST_REPO_ROOT/test/fixtures/hostile-inputs.jsonl")"
  assert [ "$count" -ge 200 ]
  sample="$(node --input-type=module -e "import { readCorpus, refusedThroughTheHost } from '$HOST_REPO_ROOT/test/e2e/helpers/hostile-corpus.mjs'; console.log(refusedThroughTheHost(readCorpus()).length)")"
  assert [ "$sample" -ge 250 ]
  mkdir -p "$BATS_TEST_TMPDIR/churn/context"
  # a new image each time, through a build step's intermediate container, as a RUN gives, without
  # starting that container
  printf 'FROM %s\nARG N\nLABEL churn=$N\n' "$HOST_APP_BASE" >"$BATS_TEST_TMPDIR/churn/context/Dockerfile"
  mkfifo "$ticks"
  churn_images <"$ticks" &
  churn=$!
  HOSTILE_TICKS="$ticks" run run_corpus "$HOST_DIR/bin/dokku" "$HOST_REPO_ROOT/test/fixtures/hostile-inputs.jsonl"
  # a runner that died before opening the FIFO leaves the churn waiting to open it: a writer that
  # comes and goes (read-write never blocks) lets it see the end
  exec {fd}<>"$ticks"
  exec {fd}>&-
  wait "$churn"
  echo "$output" # bats shows it when the test fails: the failing cases, one a line
  assert_line --index 0 "$sample of $count hostile inputs through the host, 0 failing"
  assert_success
  # the engine really changed under the corpus: images were built and removed meanwhile
  [[ "$(grep -c . "$BATS_TEST_TMPDIR/churn/done" 2>/dev/null)" -ge 2 ]] || fail "the churn finished fewer than 2 builds: $(tail -n 3 "$BATS_TEST_TMPDIR/churn/errors" 2>/dev/null)"
}

@test "the corpus check fails when a command changes a sandbox app's image or holder (a test of the test)" {
  local fake="$BATS_TEST_TMPDIR/dokku-that-changes" corpus="$BATS_TEST_TMPDIR/one-case.jsonl"
  echo '{"args": ["ownstack:history", "$HX_APP"], "why": "changes an image"}' >"$corpus"
  printf '#!/usr/bin/env bash\ndocker image tag dokku/$HX_APP:latest dokku/$HX_APP:hostile-probe >/dev/null\necho " !     refused" >&2\nexit 1\n' >"$fake"
  chmod +x "$fake"
  run run_corpus "$fake" "$corpus"
  docker image rm dokku/$HX_APP:hostile-probe >/dev/null 2>&1 || true
  assert_failure
  assert_line --index 0 "1 of 1 hostile inputs through the host, 1 failing"
  assert_output --partial "images or containers of $HX_APP, $HX_FREE, "$HX_NONE" changed"

  printf '#!/usr/bin/env bash\ndocker container create --name ownstack-retain.$HX_APP.v99 dokku-test/busybox:latest true >/dev/null\necho " !     refused" >&2\nexit 1\n' >"$fake"
  run run_corpus "$fake" "$corpus"
  docker container rm --force ownstack-retain.$HX_APP.v99 >/dev/null 2>&1 || true
  assert_failure
  assert_output --partial "images or containers of $HX_APP, $HX_FREE, "$HX_NONE" changed"

  # and the same command that touches only another app's image passes
  printf '#!/usr/bin/env bash\ndocker image tag dokku-test/busybox:latest hx-other-%s:probe >/dev/null\necho " !     refused" >&2\nexit 1\n' "$HOST_TOKEN" >"$fake"
  run run_corpus "$fake" "$corpus"
  docker image rm "hx-other-$HOST_TOKEN:probe" >/dev/null 2>&1 || true
  assert_success
  assert_line --index 0 "1 of 1 hostile inputs through the host, 0 failing"
}

@test "a corrupt setting file does not break ownstack:report, which shows the raw value" {
  local file="$DOKKU_LIB_ROOT/config/ownstack/$HX_APP/retention"
  mkdir -p "${file%/*}"
  printf 'banana!!\n' >"$file"
  run --separate-stderr dokku ownstack:report "$HX_APP"
  assert_success
  assert_line --regexp '^ +Ownstack retention: +banana!!$'
  assert_line --regexp '^ +Ownstack computed retention: +5$'
  run --separate-stderr dokku ownstack:report "$HX_APP" --format json
  assert_success
  assert_equal "$(jq -r '.retention + "|" + .["computed-retention"]' <<<"$output")" "banana!!|5"
  # and a deploy-time reader (ownstack:info, history) is not broken by it either
  run --separate-stderr dokku ownstack:history "$HX_APP" --format json
  assert_success
  rm -f "$file"
}
