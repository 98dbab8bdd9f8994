# Core subcommands ("<plugin>:<name>" functions, args after the command) and
# core trigger implementations ("<plugin>/<trigger>" functions). lib/hook maps
# each file under plugins/ to one of these; "generic/<trigger>" covers the
# per-app data and property housekeeping most core plugins do alike.

# --- apps ---
create_app() {
  declare APP="$1"
  is_valid_app_name "$APP" || dokku_log_fail "App name must begin with lowercase alphanumeric character, and may only contain lowercase alphanumerics, dots, and hyphens"
  [[ ! -d "$DOKKU_ROOT/$APP" ]] || dokku_log_fail "Name is already taken"
  dokku_log_info1_quiet "Creating $APP..."
  mkdir -p "$DOKKU_ROOT/$APP"
  prop_set apps "$APP" created-at "$(date +%s)"
  plugn trigger post-create "$APP"
}

destroy_app() {
  declare APP="$1"
  local answer tag=latest
  if [[ "$DOKKU_APPS_FORCE_DELETE" != "1" ]]; then
    dokku_log_warn "WARNING: Potentially Destructive Action"
    dokku_log_warn "This command will destroy app $APP."
    dokku_log_warn "To proceed, type \"$APP\""
    read -r answer || true
    [[ "$answer" == "$APP" ]] || dokku_log_fail "Confirmation did not match $APP. Aborted."
  fi
  dokku_log_info1 "Destroying $APP (including all add-ons)"
  plugn trigger pre-delete "$APP" "$tag"
  plugn trigger scheduler-stop "$(app_scheduler "$APP")" "$APP" true
  plugn trigger scheduler-post-delete "$(app_scheduler "$APP")" "$APP" "$tag"
  plugn trigger post-delete "$APP" "$tag"
  docker_cleanup "$APP" true
  dokku_log_info1 "Retiring old containers and images"
  plugn trigger scheduler-retire docker-local "$APP"
  rm -rf "${DOKKU_ROOT:?}/$APP"
}

apps:create() { create_app "$1"; }
apps:exists() { verify_app_name "$1"; }
apps:list() {
  dokku_log_info2_quiet "My Apps"
  find "$DOKKU_ROOT" -mindepth 1 -maxdepth 1 -type d ! -name '.*' -printf '%f\n' | LC_ALL=C sort
}

apps:destroy() {
  local args=() arg
  for arg in "$@"; do [[ "$arg" == "--force" ]] && export DOKKU_APPS_FORCE_DELETE=1 || args+=("$arg"); done
  verify_app_name "${args[0]}"
  destroy_app "${args[0]}"
}

# clone and rename share: create NEW, setup trigger, [destroy OLD], git-has-code, rebuild trigger
copy_app() {
  declare MODE="$1"
  shift
  local args=() arg
  for arg in "$@"; do
    case "$arg" in
      --skip-deploy) export SKIP_REBUILD=true ;;
      --ignore-existing) local ignore_existing=true ;;
      *) args+=("$arg") ;;
    esac
  done
  local old="${args[0]}" new="${args[1]}"
  [[ -n "$old" ]] || dokku_log_fail "Please specify an app to run the command on"
  [[ -n "$new" ]] || dokku_log_fail "Please specify an new app name"
  verify_app_name "$old"
  is_valid_app_name "$new" || dokku_log_fail "App name must begin with lowercase alphanumeric character, and may only contain lowercase alphanumerics, dots, and hyphens"
  if [[ -d "$DOKKU_ROOT/$new" ]]; then
    [[ "$ignore_existing" == "true" ]] && dokku_log_warn "Name is already taken" && return 0
    dokku_log_fail "Name is already taken"
  fi
  if [[ "$MODE" == "clone" ]]; then dokku_log_info1_quiet "Cloning $old to $new"; else dokku_log_info1_quiet "Renaming $old to $new"; fi
  create_app "$new"
  plugn trigger "post-app-$MODE-setup" "$old" "$new"
  if [[ "$MODE" == "rename" ]]; then
    export DOKKU_APPS_FORCE_DELETE=1
    destroy_app "$old"
  fi
  plugn trigger git-has-code "$new" || export SKIP_REBUILD=true
  plugn trigger "post-app-$MODE" "$old" "$new"
}

apps:clone() { copy_app clone "$@"; }
apps:rename() { copy_app rename "$@"; }

# --- config ---
config:set() { config_set "$@"; }
config:unset() { config_unset "$@"; }
config:get() {
  local args=() arg
  for arg in "$@"; do [[ "$arg" == --* ]] || args+=("$arg"); done
  verify_app_name "${args[0]}"
  config_get "${args[0]}" "${args[1]}"
}
config:show() {
  local key width=0
  verify_app_name "$1"
  config_load "$1"
  dokku_log_info2_quiet "$1 env vars"
  for key in "${!CONFIG[@]}"; do ((${#key} + 1 > width)) && width=$((${#key} + 1)); done
  for key in $(printf '%s\n' "${!CONFIG[@]}" | LC_ALL=C sort); do printf '%-*s  %s\n' "$width" "$key:" "${CONFIG[$key]}"; done
}
config:default() { config:show "$@"; }
config:export() {
  local format=exports app="" merged=false
  while (($#)); do
    case "$1" in --format) format="$2" && shift ;; --format=*) format="${1#*=}" ;; --merged) merged=true ;; --*) ;; *) app="$1" ;; esac
    shift
  done
  verify_app_name "$app"
  export_config "$app" "$format" "$merged"
}

# export_config APP FORMAT [merged]: Dokku 0.38's config export (plugins/config/
# functions.go:export and environment.go:Env.Export), byte for byte
export_config() {
  declare APP="$1" FORMAT="$2" MERGED="${3:-false}"
  local key suffix=$'\n' keys=() entries=() quoted
  config_load "$APP" "$MERGED"
  mapfile -t keys < <(printf '%s\n' "${!CONFIG[@]}" | LC_ALL=C sort)
  [[ -n "${keys[0]}" ]] || keys=()
  for key in "${keys[@]}"; do
    quoted="'${CONFIG[$key]//\'/\'\\\'\'}'"
    case "$FORMAT" in
      exports) entries+=("export $key=$quoted") ;;
      docker-args) entries+=("--env=$key=$quoted") ;;
      shell) entries+=("$key=$quoted") ;;
      docker-args-keys) entries+=("--env=$key") ;;
      pack-keys) entries+=("--env $key") ;;
    esac
  done
  case "$FORMAT" in
    envfile) config_envfile && return ;;
    exports) join_lines $'\n' "${entries[@]}" ;;
    docker-args | docker-args-keys | pack-keys) join_lines ' ' "${entries[@]}" ;;
    shell) join_lines ' ' "${entries[@]}" && suffix=' ' ;;
    json) config_json '$ARGS.named' ;;
    json-list) config_json 'if $ARGS.named == {} then null else [$ARGS.named | to_entries[] | {name: .key, value}] end' ;;
    pretty) config_pretty ;;
    *) dokku_log_fail "Unknown export format: $FORMAT" ;;
  esac
  printf '%s' "$suffix"
}

join_lines() {
  local separator="$1"
  shift
  (($#)) || return 0
  printf '%s' "$1"
  shift
  (($#)) && printf "$separator%s" "$@"
  return 0
}

# CONFIG through a jq program, printed as Go's json.Marshal does: compact, keys
# sorted, <, >, & and U+2028/U+2029 escaped, DEL left as it is.
config_json() {
  local key args=()
  for key in $(printf '%s\n' "${!CONFIG[@]}" | LC_ALL=C sort); do args+=(--arg "$key" "${CONFIG[$key]}"); done
  jq -cjn "$1"' | tojson | gsub("<"; "\\u003c") | gsub(">"; "\\u003e") | gsub("&"; "\\u0026")
    | gsub("\u2028"; "\\u2028") | gsub("\u2029"; "\\u2029")
    | gsub("(?<!\\\\)(?<b>(\\\\\\\\)*)\\\\u007f"; "\(.b)\u007f")' "${args[@]}"
}

# columnize's two columns: KEY: padded to the widest, two spaces, the value
config_pretty() {
  local key width=0 lines=()
  for key in "${!CONFIG[@]}"; do ((${#key} + 1 > width)) && width=$((${#key} + 1)); done
  for key in $(printf '%s\n' "${!CONFIG[@]}" | LC_ALL=C sort); do lines+=("$(printf '%-*s  %s' "$width" "$key:" "${CONFIG[$key]}")"); done
  join_lines $'\n' "${lines[@]}"
}

# --- git ---
git/commands() {
  case "$1" in
    git-hook) git_hook "$2" ;;
    git-*) git_ssh_command "$@" ;;
    *) exit "$DOKKU_NOT_IMPLEMENTED_EXIT" ;;
  esac
}

git:from-image() {
  local args=() build_dir="" arg
  while (($#)); do
    case "$1" in
      --build-dir) build_dir="$2" && shift ;;
      --force) export DOKKU_APPS_FORCE_DELETE=1 ;;
      *) args+=("$1") ;;
    esac
    shift
  done
  verify_app_name "${args[0]}"
  [[ -n "${args[1]}" ]] || dokku_log_fail "Please specify a docker image"
  setup_build_capture "${args[0]}" "git:from-image"
  plugn trigger git-from-image "${args[0]}" "${args[1]}" "$build_dir" "${args[2]}" "${args[3]}" || return 1
  plugn trigger deploy-source-set "${args[0]}" docker-image "${args[1]}"
}

# `dokku git:sync [--build|--build-if-changes] [--skip-deploy-branch] APP REMOTE [REF]` (Dokku 0.38,
# plugins/git cmd-git-sync): an app without code is cloned from REMOTE, one with code fetches it
# (a mirror fetch) and points its deploy branch at REF. With --build (or --build-if-changes and a
# moved branch) the build runs through receive-app with the resolved SHA, under the build capture
# of source git:sync, and the source becomes git-sync "REMOTE#SHA".
git:sync() {
  local args=() flag="" skip_deploy_branch="" arg app remote ref root branch before after
  for arg in "$@"; do
    case "$arg" in
      --build | --build-if-changes) flag="$arg" ;;
      --skip-deploy-branch) skip_deploy_branch=true ;;
      *) args+=("$arg") ;;
    esac
  done
  app="${args[0]}" remote="${args[1]}" ref="${args[2]}"
  verify_app_name "$app"
  [[ -n "$remote" ]] || dokku_log_fail "Missing GIT_REMOTE parameter"
  root="$DOKKU_ROOT/$app"
  branch="$(git_deploy_branch "$app")"
  before="$(git -C "$root" rev-parse -q --verify "$branch" 2>/dev/null || true)"
  setup_build_capture "$app" git:sync
  if [[ -z "$before" ]]; then
    dokku_log_info1_quiet "Cloning $app from $remote#$ref"
    git_sync_clone "$app" "$remote" "$ref" "$skip_deploy_branch"
  else
    dokku_log_verbose "Fetching remote code for $app from $remote#$ref"
    git_sync_fetch "$app" "$remote" "$ref"
  fi
  branch="$(git_deploy_branch "$app")"
  after="$(git -C "$root" rev-parse -q --verify "$branch" 2>/dev/null || true)"
  case "$flag" in
    --build) ;;
    --build-if-changes)
      if [[ "$before" == "$after" ]]; then
        dokku_log_verbose "Skipping build as no changes were detected"
        return 0
      fi
      ;;
    *) return 0 ;;
  esac
  if [[ -n "$ref" ]]; then ref="$(git -C "$root" rev-parse "$ref")"; else ref="$after"; fi
  plugn trigger receive-app "$app" "$ref"
  plugn trigger deploy-source-set "$app" git-sync "$remote#$ref"
}

# A first sync: a clone of REMOTE at REF (a branch, which becomes the deploy branch unless told
# not to, or any other ref, checked out onto the deploy branch) becomes the app's bare repo.
git_sync_clone() {
  declare APP="$1" REMOTE="$2" REF="$3" SKIP_DEPLOY_BRANCH="$4"
  local root="$DOKKU_ROOT/$APP" clone is_ref=true branch
  [[ -n "$REF" ]] || REF="$(git_deploy_branch "$APP")"
  clone="$(mktemp -d "${TMPDIR:-/tmp}/dokku-$DOKKU_PID-git_sync_clone.XXXXXX")"
  HOST_TMP_DIRS+=("$clone")
  rmdir "$clone"
  if GIT_TERMINAL_PROMPT=0 git clone -q -n --branch "$REF" "$REMOTE" "$clone" 2>/dev/null; then
    is_ref=false
    if [[ "$SKIP_DEPLOY_BRANCH" != "true" ]]; then
      dokku_log_verbose "Detected branch, setting deploy-branch to $REF"
      prop_set git "$APP" deploy-branch "$REF"
    fi
  else
    GIT_TERMINAL_PROMPT=0 git clone -q -n "$REMOTE" "$clone" || dokku_log_fail "Unable to clone $REMOTE"
    git -C "$clone" checkout -q "$REF"
  fi
  branch="$(git_deploy_branch "$APP")"
  if [[ "$REF" != "$branch" ]]; then
    [[ "$is_ref" == "false" ]] || git -C "$clone" branch -q -D "$branch" 2>/dev/null || true
    git -C "$clone" checkout -q -b "$branch"
  fi
  mkdir -p "$root"
  cp -a "$clone/.git/." "$root/"
  git_write_hook "$APP"
  git -C "$root" config --add core.bare true
}

# A later sync: REMOTE's refs mirrored into the app's repo, the deploy branch set to REF's commit
# (without REF, only the deploy branch is fetched).
git_sync_fetch() {
  declare APP="$1" REMOTE="$2" REF="$3"
  local root="$DOKKU_ROOT/$APP" branch
  branch="$(git_deploy_branch "$APP")"
  if ! git -C "$root" check-ref-format --branch "$branch" &>/dev/null; then
    dokku_log_warn "Invalid branch name '$branch' specified via deploy-branch setting."
    return 0
  fi
  git -C "$root" remote rm remote &>/dev/null || true
  git -C "$root" remote add --mirror=fetch --no-tags remote "$REMOTE"
  if [[ -z "$REF" ]]; then
    GIT_TERMINAL_PROMPT=0 git -C "$root" fetch -q --update-head-ok remote "$branch"
  else
    GIT_TERMINAL_PROMPT=0 git -C "$root" fetch -q --update-head-ok remote
    git -C "$root" update-ref "refs/heads/$branch" "$REF^{commit}"
  fi
  git -C "$root" config --add core.bare true
}

git/receive-app() {
  setup_build_capture "$1" git-hook
  git_receive_app "$@"
}
git/git-from-image() { git_from_image "$@"; }
git/git-from-directory() { git_from_directory "$@"; }
git/git-has-code() { git -C "$DOKKU_ROOT/$1" rev-parse --verify -q "refs/heads/${2:-$(git_deploy_branch "$1")}" &>/dev/null; }
git/git-get-property() { prop_get git "$1" "$2"; }
git/post-create() { git_write_hook "$1"; }
git/deploy-source-set() { [[ "$2" == "docker-image" ]] || prop_set git "$1" source-image ""; }
git/post-app-clone-setup() {
  generic/post-app-clone-setup git "$@"
  cp -a "$DOKKU_ROOT/$1/." "$DOKKU_ROOT/$2/"
  git_write_hook "$2"
}
git/post-app-rename-setup() {
  git/post-app-clone-setup "$@"
  rm -rf "$DOKKU_LIB_ROOT/config/git/$1"
}

# --- ps ---
ps:rebuild() {
  verify_app_name "$1"
  plugn trigger receive-app "$1"
}

ps:restart() {
  verify_app_name "$1"
  if ! is_deployed "$1"; then
    dokku_log_warn "App $1 has not been deployed"
    return 0
  fi
  # no release phase and no builds-record-finalize, as in Dokku
  plugn trigger deploy "$1" latest
}

ps:retire() {
  dokku_log_info1 "Retiring old containers and images"
  plugn trigger scheduler-retire "$(app_scheduler "${1:---global}")" "$1"
  dokku_log_info1 "Retiring expired run and cron containers"
  plugn trigger scheduler-run-retire
}

ps/core-post-extract() { extract_app_file ps "$1" Procfile "$2"; }
ps/core-post-deploy() {
  promote_extracted_file ps "$1" Procfile
  prop_del ps "$1" scale.old
  prop_set ps "$1" restore true
}
ps/post-create() {
  generic/post-create ps "$1"
  prop_set ps "$1" scale "web=1"
}
ps/post-release-builder() { update_scale "$2"; }
ps/ps-can-scale() { prop_set ps "$1" can-scale "$2"; }
ps/post-app-clone() { [[ "$SKIP_REBUILD" == "true" ]] || plugn trigger receive-app "$2"; }
ps/post-app-rename() { ps/post-app-clone "$@"; }

# CorePostDeploy: the .$DOKKU_PID copy becomes the file; a .missing marker removes it
promote_extracted_file() {
  declare PLUGIN="$1" APP="$2" NAME="$3"
  local path="$DOKKU_LIB_ROOT/data/$PLUGIN/$APP/$NAME"
  if [[ -f "$path.$DOKKU_PID" ]]; then
    mv "$path.$DOKKU_PID" "$path"
  elif [[ -f "$path.$DOKKU_PID.missing" ]]; then
    rm -f "$path.$DOKKU_PID.missing" "$path"
  fi
}

# --- app-json, builder, builds, common, config, network, ports, registry, ... ---
app-json/core-post-extract() { extract_app_file app-json "$1" app.json "$2"; }
app-json/core-post-deploy() { promote_extracted_file app-json "$1" app.json; }
app-json/pre-release-builder() { run_app_task "$2" "$3" "${3##*:}" predeploy; }
app-json/post-release-builder() { app_json_post_release "$@"; }
app-json/post-deploy() { app_json_post_deploy "$@"; }

apps/app-exists() { verify_app_name "$1" 2>/dev/null; }
apps/deploy-source-set() {
  prop_set apps "$1" deploy-source "$2"
  prop_set apps "$1" deploy-source-metadata "$3"
}

builder/builder-set-property() { prop_set builder "$1" "$2" "$3"; }
builder/builder-get-property() { prop_get builder "$1" "$2"; }
builder-dockerfile/builder-detect() { [[ -f "$2/Dockerfile" ]] && echo dockerfile || true; }
builder-dockerfile/builder-build() { dockerfile_build "$@"; }
builder-dockerfile/builder-release() { dockerfile_release "$@"; }

builds/builds-generate-id() { generate_build_id; }
builds/builds-record-start() {
  declare APP="$1" ID="$2" PID="$3" SOURCE="$4"
  local kind=deploy
  case " git-hook ps:rebuild ps:restart ps:start deploy config-redeploy git:sync git:from-archive git:from-image git:load-image unknown " in
    *" $SOURCE "*) ;;
    *)
      dokku_log_warn "builds-record-start: unknown source \"$SOURCE\" for app $APP, recording as \"unknown\""
      SOURCE=unknown
      ;;
  esac
  [[ " git-hook ps:rebuild git:sync git:from-archive git:from-image git:load-image " == *" $SOURCE "* ]] && kind=build
  write_build_record "$APP" "$ID" "$(build_record_json "$ID" "$APP" "$kind" "$PID" "$(now_rfc3339)" running "$SOURCE")"
}
builds/builds-record-finalize() {
  declare APP="$1" ID="$2" EXIT_CODE="$3"
  local file status
  file="$(build_record_path "$APP" "$ID")"
  if [[ ! -f "$file" ]]; then
    dokku_log_warn "builds-record-finalize: no record for $APP/$ID, skipping"
    return 0
  fi
  local -A BUILD_RECORD=()
  read_build_record "$file" || return 1
  status="${BUILD_RECORD[status]}"
  if [[ "$status" == "running" ]]; then
    status=succeeded
    [[ "$EXIT_CODE" == "0" ]] || status=failed
    write_build_record "$APP" "$ID" "$(finished_build_record_json "$status" "$EXIT_CODE" "$(now_rfc3339)")"
  fi
  prune_build_records "$APP"
}

builds:list() {
  local app="" format=stdout file pid alive=() dir
  while (($#)); do
    case "$1" in --format) format="$2" && shift ;; --format=*) format="${1#*=}" ;; *) app="$1" ;; esac
    shift
  done
  verify_app_name "$app"
  dir="$DOKKU_LIB_ROOT/data/builds/$app"
  local -A BUILD_RECORD=()
  for file in "$dir"/*.json; do
    read_build_record "$file" 2>/dev/null || continue
    pid="${BUILD_RECORD[pid]}"
    kill -0 "$pid" 2>/dev/null && alive+=("$pid")
  done
  local json
  json="$(for file in "$dir"/*.json; do cat "$file"; done | jq -s --argjson alive "[$(
    IFS=,
    echo "${alive[*]}"
  )]" --arg now "$(now_rfc3339)" --arg dir "$dir" '
    def secs: sub("\\.[0-9]+Z$"; "Z") | fromdateiso8601;
    def dur: if . < 60 then "\(.)s" elif . < 3600 then "\(. / 60 | floor)m\(. % 60)s" else "\(. / 3600 | floor)h\(. % 3600 / 60 | floor)m\(. % 60)s" end;
    sort_by(.started_at) | reverse | map(. + {
      display_status: (if .status == "running" and (.pid as $p | $alive | any(. == $p) | not) then "abandoned" else .status end),
      duration: (((.finished_at // $now) | secs) - (.started_at | secs) | dur),
      log_path: "\($dir)/\(.id).log"})')"
  if [[ "$format" == "json" ]]; then
    jq -c . <<<"$json"
  else
    dokku_log_info2 "$app builds"
    jq -r '.[] | [.id, .kind, .display_status, .pid, .source, .started_at, .duration] | @tsv' <<<"$json" | column -t -s $'\t' -N "Build ID,Kind,Status,PID,Source,Started,Duration"
  fi
}

checks:skip() {
  local types="${2:-_all_}"
  verify_app_name "$1"
  dokku_log_info1 "Skipping zero downtime for app's ($1) proctypes ($types)"
  prop_set checks "$1" skipped "$types"
}
checks:set() { prop_set checks "$1" "$2" "$3"; }
# Dokku 0.38's builds:set (plugins/builds/set.go): only `retention`, a whole number >= 1; an empty
# value unsets it. Read by prune_build_records (app, then --global, then 20).
builds:set() {
  declare APP="$1" KEY="$2" VALUE="$3"
  [[ "$APP" == --global ]] || verify_app_name "$APP"
  [[ "$KEY" == retention ]] || dokku_log_fail "Invalid property \"$KEY\" (allowed: retention)"
  if [[ -z "$VALUE" ]]; then prop_del builds "$APP" retention && return 0; fi
  [[ "$VALUE" =~ ^[0-9]+$ ]] || dokku_log_fail "Invalid retention \"$VALUE\": must be a positive integer"
  ((VALUE >= 1)) || dokku_log_fail "Invalid retention $VALUE: must be >= 1"
  prop_set builds "$APP" retention "$VALUE"
}
# Dokku 0.38's checks:run (plugins/checks/subcommands/run): each running container of the
# current scale, or of the given process types (`web`, `web.1`), goes through check-deploy again;
# as in Dokku, check-deploy stops a container that fails, and the first failure ends the command.
checks:run() {
  declare APP="$1" PROC_TYPES="${2:-_all_}"
  verify_app_name "$APP"
  local entry
  dokku_log_info1 "Running pre-flight checks"
  if [[ "$PROC_TYPES" == "_all_" ]]; then
    checks_run_all "$APP"
    return
  fi
  for entry in ${PROC_TYPES//,/ }; do
    if [[ "$entry" == *.* ]]; then
      checks_run_container "$APP" "${entry%%.*}" "${entry#*.}"
    else
      checks_run_all "$APP" "$entry"
    fi
  done
}
checks_run_all() {
  declare APP="$1" ONLY="$2"
  local line type count index valid=false
  while read -r line; do
    type="${line%%=*}" count="${line#*=}"
    [[ -z "$ONLY" ]] || [[ "$ONLY" == "$type" ]] || continue
    valid=true
    if [[ "$(prop_get checks "$APP" disabled)" == "_all_" ]] || [[ ",$(prop_get checks "$APP" disabled)," == *",$type,"* ]]; then
      dokku_log_info1 "Zero downtime is disabled for app ($APP.$type). Skipping checks"
      continue
    fi
    for ((index = 1; index <= count; index++)); do checks_run_container "$APP" "$type" "$index"; done
  done < <(scale_formations "$APP")
  [[ "$valid" == "true" ]] || dokku_log_fail "Invalid process type specified ($APP.$ONLY)"
}
checks_run_container() {
  declare APP="$1" PROC_TYPE="$2" INDEX="$3"
  local file="$DOKKU_ROOT/$APP/CONTAINER.$PROC_TYPE.$INDEX" cid ip
  [[ -f "$file" ]] || dokku_log_fail "Invalid container index specified ($APP.$PROC_TYPE.$INDEX)"
  dokku_log_info1 "Running checks for app ($APP.$PROC_TYPE.$INDEX)"
  cid="$(<"$file")"
  ip="$(plugn trigger network-get-ipaddr "$APP" "$PROC_TYPE" "$cid")"
  plugn trigger check-deploy "$APP" "$cid" "$PROC_TYPE" "$(web_container_port "$APP")" "$ip"
}
scheduler:set() { prop_set scheduler "$1" "$2" "$3"; }

common/release-and-deploy() { release_and_deploy "$@"; }
common/deploy() { cmd_deploy "$@"; }
common/core-post-deploy() { prop_set common "$1" deployed true; }

config/config-get() { config_get "$1" "$2" || true; }
config/config-set() { config_set "$@"; }
config/config-export() {
  [[ "$2" != "true" ]] || set -- --global "$2" "$3" "$4"
  export_config "$1" "$4" "$3"
}
config/post-delete() { rm -rf "${DOKKU_LIB_ROOT:?}/config/$1"; }
config/post-app-clone-setup() { [[ ! -d "$DOKKU_LIB_ROOT/config/$1" ]] || cp -a "$DOKKU_LIB_ROOT/config/$1" "$DOKKU_LIB_ROOT/config/$2"; }
config/post-app-rename-setup() { config/post-app-clone-setup "$@"; }

domains/domains-urls() {
  local cid addr
  cid="$(cat "$DOKKU_ROOT/$1/CONTAINER.web.1" 2>/dev/null || true)"
  [[ -n "$cid" ]] && addr="$(container_host_addr "$cid" "$(web_container_port "$1")")"
  # test host: no nginx, the app is reached on its loopback-published port
  [[ -z "$addr" ]] || echo "http://$addr"
}

# --- storage: Dokku 0.38's colon form with a host path only (`storage:mount APP /host:/container[:ro]`), kept as
# one line per mount; its docker-args-deploy adds ` -v HOST:CONTAINER[:ro]` to deploy containers ---
storage_mounts() { echo "$DOKKU_LIB_ROOT/config/storage/$1/mounts"; }
storage:mount() {
  declare APP="$1" MOUNT="$2"
  local file
  verify_app_name "$APP"
  [[ "$MOUNT" =~ ^/.*:/ ]] || dokku_log_fail "Storage path must be two valid paths divided by colon."
  file="$(storage_mounts "$APP")"
  ! cut -d: -f1,2 "$file" 2>/dev/null | grep -qxF -- "$(cut -d: -f1,2 <<<"$MOUNT")" || dokku_log_fail "Mount path already exists."
  mkdir -p "${file%/*}"
  echo "$MOUNT" >>"$file"
}
storage:list() {
  local APP format=text line host container options json="" sep=""
  [[ "$1" != "--format" ]] || { format="$2" && shift 2; } # Go's flag package: options before the app
  APP="$1"
  verify_app_name "$APP"
  if [[ "$format" == "json" ]]; then
    while IFS=: read -r host container options; do
      json+="$sep{\"host_path\":\"$host\",\"container_path\":\"$container\"${options:+,\"readonly\":true}}" sep=","
    done < <(cat "$(storage_mounts "$APP")" 2>/dev/null)
    echo "[$json]"
    return
  fi
  dokku_log_info1_quiet "$APP volume bind-mounts:"
  while IFS= read -r line; do dokku_log_verbose "$line"; done < <(cat "$(storage_mounts "$APP")" 2>/dev/null)
}

network/network-get-ipaddr() { docker container inspect --format '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' "$3" 2>/dev/null || true; }
network/network-write-ipaddr() { echo "$4" >"$DOKKU_ROOT/$1/IP.$2.$3"; }
network/network-write-port() { echo "$4" >"$DOKKU_ROOT/$1/PORT.$2.$3"; }
ports/ports-set-detected() { prop_set ports "$1" map-detected "$2"; }

registry/post-release-builder() {
  trigger_implemented pre-deploy || return 0
  dokku_log_warn "Deprecated: please upgrade plugin to use 'pre-release-builder' plugin trigger instead of pre-deploy"
  plugn trigger pre-deploy "$2" "${3##*:}"
}

scheduler/scheduler-detect() { app_scheduler "${1:---global}"; }

scheduler-docker-local/scheduler-deploy() { scheduler_deploy "$@"; }
scheduler-docker-local/check-deploy() { check_deploy "$@"; }
scheduler-docker-local/core-post-deploy() { rename_containers "$1"; }
scheduler-docker-local/scheduler-register-retired() { register_retired "$@"; }
scheduler-docker-local/scheduler-stop() { scheduler_stop "$@"; }
scheduler-docker-local/scheduler-retire() { retire_queued "$2"; }
scheduler-docker-local/post-release-builder() {
  dokku_log_info2 "Processing deployment checks"
  if [[ -z "$(app_json_get "$2" '.healthchecks.web' healthchecks)" ]]; then
    dokku_log_verbose "No web healthchecks found in app.json. Simple container checks will be performed."
  fi
}
scheduler-docker-local/post-delete() {
  generic/post-delete scheduler-docker-local "$1"
  docker container ls --filter "label=com.dokku.app-name=$1" -q | xargs -r docker container rm --force &>/dev/null || true
}
scheduler-docker-local/post-app-clone-setup() {
  generic/post-app-clone-setup scheduler-docker-local "$@"
  rm -f "$DOKKU_ROOT/$2"/CONTAINER.*
}

# --- per-app data/<plugin>/APP and config/<plugin>/APP housekeeping ---
generic/post-create() { mkdir -p "$DOKKU_LIB_ROOT/data/$1/$2"; }
generic/post-delete() { rm -rf "${DOKKU_LIB_ROOT:?}/data/$1/$2" "${DOKKU_LIB_ROOT:?}/config/$1/$2"; }
generic/post-app-clone-setup() {
  declare PLUGIN="$1" OLD="$2" NEW="$3"
  local kind
  for kind in config data; do
    [[ -d "$DOKKU_LIB_ROOT/$kind/$PLUGIN/$OLD" ]] || continue
    mkdir -p "$DOKKU_LIB_ROOT/$kind/$PLUGIN/$NEW"
    cp -a "$DOKKU_LIB_ROOT/$kind/$PLUGIN/$OLD/." "$DOKKU_LIB_ROOT/$kind/$PLUGIN/$NEW/"
  done
}
generic/post-app-rename-setup() {
  generic/post-app-clone-setup "$@"
  rm -rf "${DOKKU_LIB_ROOT:?}/config/$1/$2"
}
generic/post-app-rename() { :; }

# --- 00_dokku-standard ---
00_dokku-standard:deploy() { cmd_deploy "$@"; }
00_dokku-standard:cleanup() {
  local app
  # Dokku's global cleanup would touch every dokku container on the docker
  # host; the test host limits it to this sandbox's apps.
  for app in ${1:-$(apps:list 2>/dev/null | grep -v '^=====>')}; do docker_cleanup "$app" true; done
}

# --- plugin ---
plugin:install() {
  local source="" name="" skip_install=false path dest dirs files
  while (($#)); do
    case "$1" in
      --name) name="$2" && shift ;;
      --name=*) name="${1#*=}" ;;
      --committish) shift ;;
      --skip-install-trigger) skip_install=true ;;
      *) source="$1" ;;
    esac
    shift
  done
  if [[ -z "$source" ]]; then
    plugn trigger install
    return
  fi
  path="${source#file://}"
  if [[ -z "$name" ]]; then
    name="$(basename "$path")" && name="${name%.tgz}" && name="${name%.tar.gz}" && name="${name%.git}" && name="${name#dokku-}"
  fi
  [[ "$name" =~ ^[0-9a-zA-Z_-]+$ ]] || dokku_log_fail "Invalid plugin name: $name"
  dest="$PLUGIN_AVAILABLE_PATH/$name"
  dokku_log_info1_quiet "Cloning plugin repo $source to $dest"
  case "$path" in
    *.tgz | *.tar.gz)
      [[ -f "$path" ]] || dokku_log_fail "Plugin archive not found: $path"
      # plugn's install: the archive is unpacked into the plugin's directory, existing or not;
      # a single top-level folder is flattened only when it is all the directory then holds, so
      # over an installed plugin the new files land in a subfolder.
      mkdir -p "$dest" && tar -xzf "$path" -C "$dest"
      mapfile -t dirs < <(find "$dest" -mindepth 1 -maxdepth 1 -type d)
      mapfile -t files < <(find "$dest" -mindepth 1 -maxdepth 1 -type f)
      if ((${#dirs[@]} == 1 && ${#files[@]} == 0)); then
        find "${dirs[0]}" -mindepth 1 -maxdepth 1 -exec mv -f {} "$dest/" \;
        rmdir "${dirs[0]}"
      fi
      ;;
    *)
      [[ -d "$path" ]] || dokku_log_fail "Plugin source not found: $source"
      [[ ! -e "$dest" ]] || dokku_log_fail "fatal: destination path '$name' already exists and is not an empty directory."
      # file:// is a git clone in Dokku (committed files only); a bare path is copied
      if [[ "$source" == file://* ]]; then git clone -q "$path" "$dest"; else cp -a "$path/." "$dest/"; fi
      ;;
  esac
  [[ ! -e "$PLUGIN_ENABLED_PATH/$name" ]] || dokku_log_fail "Plugin already enabled"
  ln -s "$dest" "$PLUGIN_ENABLED_PATH/$name"
  dokku_log_info1_quiet "Plugin $name enabled"
  [[ "$skip_install" == "true" ]] || plugn trigger install
}

plugin:uninstall() {
  [[ ! -e "$PLUGIN_CORE_AVAILABLE_PATH/$1" ]] || dokku_log_fail "Cannot uninstall a core plugin"
  [[ -e "$PLUGIN_AVAILABLE_PATH/$1" ]] || dokku_log_fail "Plugin ($1) is not currently installed"
  plugn trigger uninstall "$1"
  rm -rf "${PLUGIN_ENABLED_PATH:?}/$1" "${PLUGIN_AVAILABLE_PATH:?}/$1"
  dokku_log_info1_quiet "Plugin $1 uninstalled"
}

plugin:trigger() { plugn trigger "$@"; }
plugin:list() { plugn list; }
plugin:default() { plugn list; }

# --- ssh-keys: Dokku 0.38's plugins/ssh-keys over sshcommand's acl-add/acl-remove/list. Keys live
# in the system user's authorized_keys (DOKKU_ROOT is its home) as one forced-command line each,
# `command="FINGERPRINT=<fp> NAME=\"<name>\" `cat <home>/.sshcommand` $SSH_ORIGINAL_COMMAND",<options> <key>`,
# the form helpers/sshd.bash writes for test keys and sshd then runs. ---
ssh_keys_file() { echo "$DOKKU_ROOT/.ssh/authorized_keys"; }
SSH_KEYS_OPTIONS=no-agent-forwarding,no-user-rc,no-X11-forwarding,no-port-forwarding
ssh_keys_fail_if_none() { [[ -s "$(ssh_keys_file)" ]] || dokku_log_fail "No public keys found."; }

ssh-keys:add() {
  declare NAME="$1" KEY_FILE="$2"
  local key fingerprint file
  file="$(ssh_keys_file)"
  if [[ -n "$KEY_FILE" ]]; then
    key="$(cat "$KEY_FILE")" || dokku_log_fail "No key specified via file or pipe"
  elif [[ -p /dev/stdin ]]; then
    IFS= read -r key || true
  else
    dokku_log_fail "No key specified via file or pipe"
  fi
  [[ -n "$key" ]] || dokku_log_fail "Empty key was specified"
  [[ "$(wc -l <<<"$key")" -eq 1 ]] || dokku_log_fail "Too many keys provided, set one per invocation of dokku ssh-keys:add <NAME> <KEY_FILE>"
  fingerprint="$(ssh-keygen -lf /dev/stdin <<<"$key" 2>/dev/null | awk '{print $2}')" || true
  [[ "$fingerprint" == *:* ]] || dokku_log_fail "Key specified in is not a valid ssh public key"
  mkdir -p "${file%/*}" && touch "$file"
  ! grep -qF " NAME=\\\"$NAME\\\" " "$file" || dokku_log_fail "Duplicate ssh key name"
  printf 'command="FINGERPRINT=%s NAME=\\"%s\\" `cat %s/.sshcommand` $SSH_ORIGINAL_COMMAND",%s %s\n' \
    "$fingerprint" "$NAME" "$DOKKU_ROOT" "$SSH_KEYS_OPTIONS" "$key" >>"$file"
  chmod 0700 "$file"
  echo "$fingerprint"
}

ssh-keys:remove() {
  declare NAME="$1" FINGERPRINT="$2"
  local file kept
  file="$(ssh_keys_file)"
  ssh_keys_fail_if_none
  if [[ "$NAME" == "--fingerprint" ]]; then
    [[ -n "$FINGERPRINT" ]] || dokku_log_fail "A fingerprint is required to remove a key, ie: dokku ssh-keys:remove --fingerprint FINGERPRINT"
    kept="$(grep -vF "\"FINGERPRINT=$FINGERPRINT " "$file" || true)"
  else
    [[ -n "$NAME" ]] || dokku_log_fail "A name is required to remove a key, ie: dokku ssh-keys:remove <name>"
    kept="$(grep -vF " NAME=\\\"$NAME\\\" " "$file" || true)"
  fi
  printf '%s' "$kept${kept:+$'\n'}" >"$file"
}

# ssh-keys:list [--format text|json] [NAME]: one line per key (fingerprint, NAME="…", options), or JSON
ssh-keys:list() {
  local format=text name="$1" file
  [[ "$1" != "--format" ]] || { format="$2" && name="$3"; }
  [[ "$format" == "text" || "$format" == "json" ]] || dokku_log_fail "Invalid output format specified, supported formats: json, text"
  file="$(ssh_keys_file)"
  if [[ ! -s "$file" ]]; then
    dokku_log_warn "authorized_keys is empty for $DOKKU_SYSTEM_USER"
    return 1
  fi
  jq -R --arg name "$name" --arg format "$format" -r -s '
    [split("\n")[] | capture("^command=\"FINGERPRINT=(?<fingerprint>\\S+) NAME=\\\\\"(?<name>.*)\\\\\" `[^`]*` [$]SSH_ORIGINAL_COMMAND\",(?<options>\\S+) (?<key>.*)$")
      | select($name == "" or .name == $name)]
    | if $format == "json" then
        map({fingerprint, name, SSHCOMMAND_ALLOWED_KEYS: .options, "public-key": .key}) | tojson
      else .[] | "\(.fingerprint) NAME=\"\(.name)\" SSHCOMMAND_ALLOWED_KEYS=\"\(.options)\"" end' "$file"
}
