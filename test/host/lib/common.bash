# Shared helpers: Dokku's log formats, properties, app config, build records,
# the deploy lock and the per-build cleanup. Names follow Dokku's own
# functions where plugins are known to call them (dokku_log_*, verify_app_name).

dokku_log_info1() { echo "-----> $*"; }
dokku_log_info2() { echo "=====> $*"; }
dokku_log_verbose() { echo "       $*"; }
dokku_log_info1_quiet() { [[ -n "$DOKKU_QUIET_OUTPUT" ]] || echo "-----> $*"; }
dokku_log_info2_quiet() { [[ -n "$DOKKU_QUIET_OUTPUT" ]] || echo "=====> $*"; }
dokku_log_verbose_quiet() { [[ -n "$DOKKU_QUIET_OUTPUT" ]] || echo "       $*"; }
dokku_log_warn() { echo " !     $*" 1>&2; }
dokku_log_fail() {
  echo " !     $*" 1>&2
  exit "${DOKKU_FAIL_EXIT_CODE:-1}"
}

# --- properties: $DOKKU_LIB_ROOT/config/<plugin>/<app|--global>/<key> ---
prop_get() {
  declare PLUGIN="$1" APP="$2" KEY="$3" DEFAULT="$4"
  local file="$DOKKU_LIB_ROOT/config/$PLUGIN/$APP/$KEY"
  local value
  if [[ -s "$file" ]]; then
    IFS= read -r -d '' value <"$file" || true # the whole file, as cat prints it, without a process
    printf '%s' "$value"
  else
    printf '%s' "$DEFAULT"
  fi
}

prop_set() {
  declare PLUGIN="$1" APP="$2" KEY="$3" VALUE="$4"
  [[ -d "$DOKKU_LIB_ROOT/config/$PLUGIN/$APP" ]] || mkdir -p "$DOKKU_LIB_ROOT/config/$PLUGIN/$APP"
  printf '%s' "$VALUE" >"$DOKKU_LIB_ROOT/config/$PLUGIN/$APP/$KEY"
}

prop_del() { rm -f "$DOKKU_LIB_ROOT/config/$1/$2/$3"; }

# app value, else global value, else a default (Dokku's "computed" values)
prop_computed() {
  declare PLUGIN="$1" APP="$2" KEY="$3" DEFAULT="$4"
  prop_get "$PLUGIN" "$APP" "$KEY" "$(prop_get "$PLUGIN" --global "$KEY" "$DEFAULT")"
}

# --- apps ---
is_valid_app_name() { [[ "$1" =~ ^[a-z0-9][a-z0-9.-]*$ ]]; }

verify_app_name() {
  declare APP="$1"
  [[ -n "$APP" ]] || dokku_log_fail "Please specify an app to run the command on"
  if [[ "$APP" =~ ^[a-z0-9][a-z0-9._-]*$ ]] && [[ -d "$DOKKU_ROOT/$APP" ]]; then
    return 0
  fi
  DOKKU_FAIL_EXIT_CODE=20 dokku_log_fail "App $APP does not exist"
}

is_deployed() { [[ "$(prop_get common "$1" deployed)" == "true" ]]; }

app_image() { echo "dokku/$1:${2:-latest}"; }

# true when a plugin other than 20_events implements the trigger (Dokku's
# PlugnTriggerExists): some core code paths only fire a trigger then.
trigger_implemented() {
  local file
  for file in "$PLUGIN_ENABLED_PATH"/*/"$1"; do
    [[ -e "$file" ]] && [[ "$file" != "$PLUGIN_ENABLED_PATH/20_events/"* ]] && return 0
  done
  return 1
}

# Splits a docker args string into words the way Dokku does (xargs quoting,
# no shell expansion) into the named array.
split_args() {
  declare -n _split_into="$1"
  _split_into=()
  local word
  # with no quote and no backslash, xargs splits on blanks and newlines alone, as read does (no
  # process: this runs for every container a deploy makes)
  if [[ "$2" != *[\"\'\\]* ]]; then
    IFS=$' \t\n' read -r -d '' -a _split_into <<<"$2" || true
    return 0
  fi
  while IFS= read -r -d '' word; do _split_into+=("$word"); done < <(printf '%s' "$2" | xargs -r printf '%s\0')
}

# --- app config: $DOKKU_LIB_ROOT/config/<app>/ENV (and config/--global/ENV) ---
# Dokku 0.38 keeps config in godotenv v1.5.1's format (plugins/config/environment.go):
# Write = Marshal: one line per key, lines sorted bytewise, a value strconv.Atoi
# accepts written as the integer (so 007 is stored as 7), every other value in
# double quotes with \ newline CR " ! $ ` backslash-escaped; then a final newline.
# Reading is godotenv's parser, quirks included: a quoted value ends at the first
# quote not preceded by a backslash, and every quote at either end of it is
# trimmed (so a value ending in " or \ does not survive a write and a read).
declare -gA CONFIG=()

config_file() { printf '%s/config/%s/ENV' "$DOKKU_LIB_ROOT" "$1"; }

# config_load APP [merged]: CONFIG = the app's variables (merged: over the global ones)
config_load() {
  declare APP="$1" MERGED="${2:-false}"
  CONFIG=()
  [[ "$MERGED" != "true" || "$APP" == "--global" ]] || config_read_file "$(config_file --global)"
  config_read_file "$(config_file "$APP")"
}

config_read_file() {
  local file="$1" line key value quote rest i
  [[ -f "$file" ]] || return 0
  local -a lines=()
  mapfile -t lines <"$file"
  for ((i = 0; i < ${#lines[@]}; i++)); do
    line="${lines[i]%$'\r'}"
    line="${line#"${line%%[![:space:]]*}"}"
    [[ -n "$line" && "$line" != \#* ]] || continue
    [[ "$line" =~ ^export[[:space:]]+(.*)$ ]] && line="${BASH_REMATCH[1]}"
    [[ "$line" =~ ^([A-Za-z0-9_.]+)[[:space:]]*[=:][[:space:]]*(.*)$ ]] || dokku_log_fail "unexpected character in variable name near \"$line\" in $file"
    key="${BASH_REMATCH[1]}" value="${BASH_REMATCH[2]}" quote="${value:0:1}"
    if [[ "$quote" == '"' || "$quote" == "'" ]]; then
      # the value runs to the first unescaped closing quote, over several lines if need be
      while ! dotenv_quoted_end "$value" "$quote"; do
        ((++i < ${#lines[@]})) || dokku_log_fail "unterminated quoted value $key in $file"
        value+=$'\n'"${lines[i]}"
      done
      # what follows the closing quote on its line is the next statement, as in godotenv
      rest="${value:DOTENV_END+1}" value="${value:0:DOTENV_END}"
      rest="${rest#"${rest%%[![:space:]]*}"}"
      [[ -z "$rest" || "$rest" == \#* ]] || { lines[i]="$rest" && ((i--)); }
      while [[ "$value" == "$quote"* ]]; do value="${value#"$quote"}"; done
      while [[ "$value" == *"$quote" ]]; do value="${value%"$quote"}"; done
      [[ "$quote" == "'" ]] || { dotenv_unescape "$value" && value="$DOTENV_VALUE"; }
    else
      [[ "$value" =~ ^(.*[^[:space:]])[[:space:]]+#.*$ ]] && value="${BASH_REMATCH[1]}"
      value="${value%"${value##*[![:space:]]}"}"
    fi
    CONFIG["$key"]="$value"
  done
}

# DOTENV_END = the index of the closing quote of a value that starts with one
# (godotenv: the first quote after the opening one not preceded by a backslash).
dotenv_quoted_end() {
  local text="$1" quote="$2" j
  for ((j = 1; j < ${#text}; j++)); do
    [[ "${text:j:1}" == "$quote" && "${text:j-1:1}" != "\\" ]] && DOTENV_END="$j" && return 0
  done
  return 1
}

# DOTENV_VALUE = godotenv's expandEscapes + unescapeChars + the \$ case of
# expandVariables, pair by pair (no subshell: it would drop trailing newlines)
dotenv_unescape() {
  local value="$1" c
  DOTENV_VALUE=""
  while [[ "$value" == *\\?* ]]; do
    DOTENV_VALUE+="${value%%\\*}" value="${value#*\\}" c="${value:0:1}" value="${value:1}"
    case "$c" in n) DOTENV_VALUE+=$'\n' ;; r) DOTENV_VALUE+=$'\r' ;; *) DOTENV_VALUE+="$c" ;; esac
  done
  DOTENV_VALUE+="$value"
}

# One line of godotenv.Marshal
dotenv_line() {
  local key="$1" value="$2" sign digits limit=9223372036854775807
  if [[ "$value" =~ ^([+-]?)([0-9]+)$ ]]; then
    sign="${BASH_REMATCH[1]}" digits="${BASH_REMATCH[2]}"
    digits="${digits#"${digits%%[!0]*}"}"
    [[ "$sign" == "-" ]] && limit=9223372036854775808
    if ((${#digits} < 19)) || { ((${#digits} == 19)) && ! [[ "$digits" > "$limit" ]]; }; then
      [[ -n "$digits" && "$sign" == "-" ]] || sign=""
      printf '%s=%s%s\n' "$key" "$sign" "${digits:-0}"
      return
    fi
  fi
  value="${value//\\/\\\\}"
  value="${value//$'\n'/\\n}" value="${value//$'\r'/\\r}"
  value="${value//\"/\\\"}" value="${value//!/\\!}" value="${value//\$/\\\$}" value="${value//\`/\\\`}"
  printf '%s="%s"\n' "$key" "$value"
}

# godotenv.Marshal of CONFIG plus the final newline: the ENV file, and the envfile export
config_envfile() {
  local key lines
  lines="$(for key in "${!CONFIG[@]}"; do dotenv_line "$key" "${CONFIG[$key]}"; done | LC_ALL=C sort)"
  printf '%s\n' "$lines"
}

config_save() {
  declare APP="$1"
  local file tmp
  file="$(config_file "$APP")"
  [[ -d "${file%/*}" ]] || mkdir -p "${file%/*}"
  # A private temp name: two config:set runs on one app may save at once.
  tmp="$(mktemp "$file.XXXXXX")"
  config_envfile >"$tmp"
  chmod 600 "$tmp"
  mv "$tmp" "$file"
}

config_get() {
  declare APP="$1" KEY="$2"
  config_load "$APP"
  [[ -v "CONFIG[$KEY]" ]] || return 1
  printf '%s\n' "${CONFIG[$KEY]}"
}

# Exports the app's config into this shell: Dokku hands config to containers
# as `--env=KEY` flags (config's docker-args-deploy) plus the docker CLI env.
config_export_env() {
  local key
  config_load "$1"
  for key in "${!CONFIG[@]}"; do export "$key=${CONFIG[$key]}"; done
}

config_keys_as_env_args() {
  local key
  config_load "$1"
  for key in $(printf '%s\n' "${!CONFIG[@]}" | LC_ALL=C sort); do printf ' --env=%s' "$key"; done
}

# Sets config vars; fires post-config-update and, unless told otherwise,
# redeploys a deployed app exactly like Dokku's config plugin.
config_set() {
  local restart=true encoded=false pairs=() pair key value width=0 APP
  for pair in "$@"; do
    [[ "$pair" == "--no-restart" ]] && restart=false && continue
    [[ "$pair" == "--encoded" ]] && encoded=true && continue
    [[ "$pair" == --* ]] && continue
    pairs+=("$pair")
  done
  APP="${pairs[0]}" pairs=("${pairs[@]:1}")
  verify_app_name "$APP"
  [[ ${#pairs[@]} -gt 0 ]] || dokku_log_fail "At least one env pair must be given"
  config_load "$APP"
  local -A updated=()
  for pair in "${pairs[@]}"; do
    [[ "$pair" == *=* ]] || dokku_log_fail "Invalid env pair: $pair"
    key="${pair%%=*}"
    [[ "$key" =~ ^[a-zA-Z_][a-zA-Z0-9_]*$ ]] || dokku_log_fail "Invalid key name: '$key'"
    updated["$key"]="${pair#*=}"
    # Dokku's --encoded: each value is base64 (a value that is not fails the command)
    if [[ "$encoded" == "true" ]]; then
      value="$(printf '%s' "${pair#*=}" | base64 -d 2>/dev/null && printf x)" || dokku_log_fail "Invalid base64 value for key: $key"
      updated["$key"]="${value%x}"
    fi
  done
  local keys=($(printf '%s\n' "${!updated[@]}" | LC_ALL=C sort))
  dokku_log_info1_quiet "Setting config vars"
  for key in "${keys[@]}"; do ((${#key} + 1 > width)) && width=$((${#key} + 1)); done
  for key in "${keys[@]}"; do
    CONFIG["$key"]="${updated[$key]}"
    [[ -n "$DOKKU_QUIET_OUTPUT" ]] || printf '       %-*s  %s\n' "$width" "$key:" "${updated[$key]}"
  done
  config_save "$APP"
  plugn trigger post-config-update "$APP" set "${keys[@]}" || dokku_log_warn "Failure while triggering post-config-update"
  [[ "$restart" == "true" ]] && config_restart "$APP"
  return 0
}

config_unset() {
  local restart=true keys=() key changed=() APP
  for key in "$@"; do
    [[ "$key" == "--no-restart" ]] && restart=false && continue
    [[ "$key" == --* ]] || keys+=("$key")
  done
  APP="${keys[0]}" keys=("${keys[@]:1}")
  verify_app_name "$APP"
  [[ ${#keys[@]} -gt 0 ]] || dokku_log_fail "At least one key must be given"
  config_load "$APP"
  for key in "${keys[@]}"; do
    if [[ -v "CONFIG[$key]" ]]; then
      dokku_log_info1_quiet "Unsetting $key"
      unset "CONFIG[$key]"
      changed+=("$key")
    else
      dokku_log_info1_quiet "Skipping $key, it is not set in the environment"
    fi
  done
  if [[ ${#changed[@]} -gt 0 ]]; then
    config_save "$APP"
    plugn trigger post-config-update "$APP" unset "${keys[@]}" || dokku_log_warn "Failure while triggering post-config-update"
  fi
  [[ "$restart" == "true" ]] && config_restart "$APP"
  return 0
}

# Dokku only warns when the redeploy fails: config:set still exits 0.
config_restart() {
  declare APP="$1"
  is_deployed "$APP" || return 0
  [[ "$(prop_get ps "$APP" restore true)" != "false" ]] || return 0
  dokku_log_info1 "Restarting app $APP"
  plugn trigger release-and-deploy "$APP" "" config-redeploy || dokku_log_warn "Failure while restarting app: exit status $?"
}

# --- build records (Dokku's `builds` plugin) and build capture ---
# The EXIT trap of bin/dokku and lib/hook: the temporary directories this process made (rm only
# when there are some, since every trigger ends here).
remove_host_tmp_dirs() { ((${#HOST_TMP_DIRS[@]} == 0)) || rm -rf "${HOST_TMP_DIRS[@]}"; }

now_rfc3339() { date -u +%Y-%m-%dT%H:%M:%S.%NZ; }

generate_build_id() {
  local ms="${EPOCHREALTIME/./}" digits=0123456789abcdefghijklmnopqrstuvwxyz id="" rand="" i
  ms=$((10#${ms:0:13}))
  while ((ms > 0)); do id="${digits:ms % 36:1}$id" ms=$((ms / 36)); done
  while ((${#id} < 8)); do id="0$id"; done
  for i in 1 2 3 4 5 6; do rand+="${digits:RANDOM % 36:1}"; done
  echo "${id: -8}$rand"
}

build_record_path() { echo "$DOKKU_LIB_ROOT/data/builds/$1/$2.json"; }

# Dokku's dokku_setup_build_capture: id, env, record, then tee everything
# that follows into $DOKKU_LIB_ROOT/data/builds/APP/ID.log.
setup_build_capture() {
  declare APP="$1" SOURCE="${2:-unknown}"
  [[ "$DOKKU_REDIRECT_OUTPUT" == "true" ]] && return 0
  [[ -n "$APP" ]] || return 0
  export DOKKU_REDIRECT_OUTPUT=true
  if [[ -z "$DOKKU_BUILD_ID" ]]; then
    DOKKU_BUILD_ID="$(plugn trigger builds-generate-id 2>/dev/null || true)"
    export DOKKU_BUILD_ID="${DOKKU_BUILD_ID:-pid-$DOKKU_PID}"
  fi
  export DOKKU_BUILD_SOURCE="$SOURCE"
  [[ -d "$DOKKU_LIB_ROOT/data/builds/$APP" ]] || mkdir -p "$DOKKU_LIB_ROOT/data/builds/$APP"
  export DOKKU_BUILD_LOG_FILE="$DOKKU_LIB_ROOT/data/builds/$APP/$DOKKU_BUILD_ID.log"
  : >"$DOKKU_BUILD_LOG_FILE"
  plugn trigger builds-record-start "$APP" "$DOKKU_BUILD_ID" "$$" "$SOURCE" || true
  exec &> >(tee -a "$DOKKU_BUILD_LOG_FILE")
}

write_build_record() {
  declare APP="$1" ID="$2" JSON="$3"
  local file
  file="$(build_record_path "$APP" "$ID")"
  [[ -d "${file%/*}" ]] || mkdir -p "${file%/*}"
  printf '%s\n' "$JSON" >"$file.tmp" && mv "$file.tmp" "$file"
}

# Dokku's builds record as its Go code writes it: one line, its fields in this order, finished_at
# and exit_code once it ends. Every value is Dokku's own (a build ID, an app name, a kind, a pid, a
# time, a known source, an exit code), so none needs escaping, and the record is written and read
# without a process: jq took ~19 ms a start, four or five times in every deploy.
#   build_record_json ID APP KIND PID STARTED STATUS SOURCE [FINISHED EXIT_CODE]
build_record_json() {
  local json="{\"id\":\"$1\",\"app\":\"$2\",\"kind\":\"$3\",\"pid\":$4,\"started_at\":\"$5\""
  [[ -z "${8:-}" ]] || json+=",\"finished_at\":\"$8\""
  json+=",\"status\":\"$6\",\"source\":\"$7\""
  [[ -z "${9:-}" ]] || json+=",\"exit_code\":$9"
  echo "$json}"
}

# read_build_record FILE: the record's fields into BUILD_RECORD (an associative array the caller
# declares); fails, naming FILE on stderr, when it is not a record.
read_build_record() {
  local file="$1" text="" field value rest
  BUILD_RECORD=()
  { IFS= read -r -d '' text || true; } <"$file" 2>/dev/null
  rest="$text"
  while [[ "$rest" =~ \"([a-z_]+)\":[[:space:]]*(\"([^\"]*)\"|-?[0-9]+) ]]; do
    field="${BASH_REMATCH[1]}" value="${BASH_REMATCH[2]}"
    [[ "$value" != \"* ]] || value="${BASH_REMATCH[3]}"
    BUILD_RECORD[$field]="$value"
    rest="${rest#*"${BASH_REMATCH[0]}"}"
  done
  if [[ "$text" != "{"* || -z "${BUILD_RECORD[status]:-}" || -z "${BUILD_RECORD[pid]:-}" || -z "${BUILD_RECORD[started_at]:-}" ]]; then
    echo " !     test host: $file is not a builds record" >&2
    return 1
  fi
}

# The record in BUILD_RECORD (as read_build_record left it), finished at NOW with STATUS and EXIT_CODE.
finished_build_record_json() {
  declare STATUS="$1" EXIT_CODE="$2" NOW="$3"
  build_record_json "${BUILD_RECORD[id]}" "${BUILD_RECORD[app]}" "${BUILD_RECORD[kind]}" "${BUILD_RECORD[pid]}" \
    "${BUILD_RECORD[started_at]}" "$STATUS" "${BUILD_RECORD[source]}" "$NOW" "$EXIT_CODE"
}

# Reaps running records whose pid is dead (failed, -1), then keeps the newest
# finished records, as many as `builds:set … retention` says (default 20), like Dokku's
# PruneAppBuilds.
prune_build_records() {
  declare APP="$1"
  local file pid status started now kept=0 retention rows finished=""
  local files=("$DOKKU_LIB_ROOT/data/builds/$APP"/*.json)
  [[ -e "${files[0]}" ]] || return 0
  retention="$(prop_computed builds "$APP" retention 20)"
  now="$(now_rfc3339)"
  rows="$(build_record_rows "${files[@]}")"
  local -A BUILD_RECORD=()
  while IFS=$'\t' read -r status pid started file; do
    if [[ "$status" == "running" ]]; then
      kill -0 "$pid" 2>/dev/null && continue
      read_build_record "$file" || continue
      write_build_record "$APP" "$(basename "$file" .json)" "$(finished_build_record_json failed -1 "$now")"
    fi
    finished+="$started $file"$'\n'
  done <<<"$rows"
  while read -r file; do
    [[ -n "$file" ]] || continue
    kept=$((kept + 1))
    # an `if`, not `&& rm`: a false test would be this function's exit status and fail finalize
    if ((kept > retention)); then rm -f "$file" "${file%.json}.log"; fi
  done < <(printf '%s' "$finished" | sort -r | cut -d' ' -f2-)
}

# "status<TAB>pid<TAB>started_at<TAB>file" for each build record FILE; one that is not a record is
# left out (and named on stderr).
build_record_rows() {
  local file
  local -A BUILD_RECORD=()
  for file in "$@"; do
    read_build_record "$file" || continue
    printf '%s\t%s\t%s\t%s\n' "${BUILD_RECORD[status]}" "${BUILD_RECORD[pid]}" "${BUILD_RECORD[started_at]}" "$file"
  done
}

# --- the git deploy lock (only git_receive_app takes it) ---
acquire_app_deploy_lock() {
  declare APP="$1"
  local file="$DOKKU_LIB_ROOT/data/apps/$APP/.deploy.lock"
  [[ -d "${file%/*}" ]] || mkdir -p "${file%/*}"
  exec 200>"$file"
  if ! flock -n 200 &>/dev/null; then
    dokku_log_warn "$APP currently has a deploy lock in place. Exiting..."
    dokku_log_fail "Run 'apps:unlock' to release the existing deploy lock"
  fi
  echo "${DOKKU_BUILD_ID:-$DOKKU_PID}" >"$file"
}

release_app_deploy_lock() {
  declare APP="$1" EXIT_CODE="${2:-0}"
  if [[ -n "$DOKKU_BUILD_ID" ]]; then
    plugn trigger builds-record-finalize "$APP" "$DOKKU_BUILD_ID" "$EXIT_CODE" || true
  fi
  flock -u 200 && rm -f "$DOKKU_LIB_ROOT/data/apps/$APP/.deploy.lock"
}

# --- Dokku's DockerCleanup: exited containers, dangling images, then the prune ---
docker_cleanup() {
  declare APP="$1" FORCE="$2"
  if [[ "$FORCE" != "true" ]]; then
    if [[ "$(prop_get builder "$APP" skip-cleanup)" == "true" ]] || [[ "$(prop_get builder --global skip-cleanup)" == "true" ]] || [[ "$DOKKU_SKIP_CLEANUP" == "true" ]]; then
      dokku_log_info1 "DOKKU_SKIP_CLEANUP set. Skipping dokku cleanup"
      return 0
    fi
  fi
  dokku_log_info1 "Cleaning up..."
  local label="label=com.dokku.app-name=$APP" ids
  # exited and dead in one listing (two values of one filter: either matches)
  ids="$(docker container ls --quiet --all --filter status=exited --filter status=dead --filter "label=$DOKKU_CONTAINER_LABEL" --filter "$label")"
  [[ -n "${ids//$'\n'/}" ]] && { docker container rm $ids &>/dev/null || true; }
  ids="$(docker image ls --quiet --filter dangling=true --filter "$label")"
  [[ -n "$ids" ]] && { docker image rm $ids &>/dev/null || true; }
  docker image prune --all --force --filter "$label" &>/dev/null || true
}

# --- files Dokku keeps per deploying process: <data>/<plugin>/APP/<name>.$DOKKU_PID ---
# Returns the path readers use: the process-specific copy when one exists,
# nothing when the extraction recorded it missing, else the promoted file.
process_specific_file() {
  declare PLUGIN="$1" APP="$2" NAME="$3"
  local path="$DOKKU_LIB_ROOT/data/$PLUGIN/$APP/$NAME"
  [[ -f "$path.$DOKKU_PID.missing" ]] && return 1
  [[ -f "$path.$DOKKU_PID" ]] && echo "$path.$DOKKU_PID" && return 0
  [[ -f "$path" ]] && echo "$path"
}

procfile_command() {
  declare APP="$1" PROC_TYPE="$2" PORT="${3:-5000}"
  local procfile line
  procfile="$(process_specific_file ps "$APP" Procfile)" || return 0
  [[ -n "$procfile" ]] || return 0
  while IFS= read -r line || [[ -n "$line" ]]; do
    if [[ "$line" =~ ^[[:space:]]*([A-Za-z0-9_-]+):[[:space:]]*(.*[^[:space:]])[[:space:]]*$ ]] && [[ "${BASH_REMATCH[1]}" == "$PROC_TYPE" ]]; then
      line="${BASH_REMATCH[2]//\$\{PORT\}/$PORT}"
      echo "${line//\$PORT/$PORT}"
      return 0
    fi
  done <"$procfile"
}

procfile_types() {
  local procfile
  procfile="$(process_specific_file ps "$1" Procfile)" || return 0
  [[ -n "$procfile" ]] && sed -nE 's/^[[:space:]]*([A-Za-z0-9_-]+):.*/\1/p' "$procfile"
  return 0
}

# app_json_get APP FILTER [KEY]: FILTER's value in the app's app.json, empty when none. KEY, a key
# FILTER needs, lets a file whose text does not hold it answer empty without a jq (~17 ms a
# start, about four in every deploy); a file with a \u escape, which could spell it, always
# goes through jq.
app_json_get() {
  declare APP="$1" FILTER="$2" KEY="${3:-}"
  local file text=""
  file="$(process_specific_file app-json "$APP" app.json)" || return 0
  [[ -n "$file" ]] || return 0
  if [[ -n "$KEY" ]]; then
    IFS= read -r -d '' text <"$file" || true
    [[ "$text" == *"\"$KEY\""* || "$text" == *'\u'* ]] || return 0
  fi
  jq -r "$FILTER // empty" "$file" 2>/dev/null
  return 0
}

# --- the docker-args triggers: here, not in commands.bash, since they run for every container a
# deploy makes (~15 times a push), and this file is the only one every trigger loads ---

# What came before on standard input, passed on, as `cat` would, without its process.
pass_stdin() {
  local input=""
  IFS= read -r -d '' input || true
  printf '%s' "$input"
}
config/docker-args-deploy() {
  pass_stdin
  config_keys_as_env_args "$1"
}
ps/docker-args-process-deploy() {
  pass_stdin
  printf ' --restart=%s' "$(prop_computed ps "$1" restart-policy on-failure:10)"
}
storage/docker-args-deploy() {
  local line file="$DOKKU_LIB_ROOT/config/storage/$1/mounts"
  [[ -f "$file" ]] || return 0 # (no process: this runs for every container a deploy makes)
  while IFS= read -r line; do printf ' -v %s' "$line"; done <"$file"
}
