# The docker-local scheduler: new containers, checks, the switch, retirement
# (Dokku's plugins/scheduler-docker-local). Web containers are published on a
# loopback address only ($DOKKU_TEST_PUBLISH_IP, default 127.0.0.1): tests and
# health checks never use docker bridge addresses. Hosts on different engines
# get different addresses, because each engine picks its random host ports on
# its own and two of them on one address would collide.

app_container_ids() {
  declare APP="$1" PROC_TYPE="$2"
  local file pattern="CONTAINER.*"
  [[ -z "$PROC_TYPE" ]] || pattern="CONTAINER.$PROC_TYPE.*"
  for file in "$DOKKU_ROOT/$APP"/$pattern; do
    [[ -f "$file" ]] && printf '%s ' "$(<"$file")"
  done
  return 0
}

# ADDRESS:PORT that container $1's port $2 is published on, or nothing.
container_host_addr() {
  docker container port "$1" "$2/tcp" 2>/dev/null | head -n1
}

# ps-current-scale: scale plus scale.old (types dropped from the Procfile
# stay until the next successful deploy), sorted by process type
scale_formations() {
  declare APP="$1"
  local line seen=" "
  {
    for line in $(prop_get ps "$APP" scale) $(prop_get ps "$APP" scale.old); do
      [[ "$seen" == *" ${line%%=*} "* ]] && continue
      seen+="${line%%=*} "
      echo "$line"
    done
  } | LC_ALL=C sort
}

# ps's post-release-builder: process types from the Procfile join the scale at 0
update_scale() {
  declare APP="$1"
  local line types scale=() old=()
  types=" $(procfile_types "$APP" | xargs) "
  for line in $(prop_get ps "$APP" scale); do
    if [[ "$types" != *" ${line%%=*} "* ]] && [[ "$line" == *=0 ]]; then
      old+=("$line")
    else
      scale+=("$line")
    fi
  done
  for line in $types; do
    [[ " ${scale[*]} " == *" $line="* ]] || scale+=("$line=0")
  done
  prop_set ps "$APP" scale "$(printf '%s\n' "${scale[@]}")"
  prop_set ps "$APP" scale.old "$(printf '%s\n' "${old[@]}")"
}

scheduler_deploy() {
  declare SCHEDULER="$1" APP="$2" TAG="$3" PROC_FILTER="$4"
  [[ "$SCHEDULER" == "docker-local" ]] || return 0
  local image oldids line procfile_exists=false formations=() later=()
  rm -f "$DOKKU_LIB_ROOT/data/scheduler-docker-local/$APP/failed-containers"
  image="$(app_image "$APP" "${TAG:-latest}")"
  docker image inspect "$image" &>/dev/null || dokku_log_fail "App image ($image) not found"
  oldids="$(app_container_ids "$APP" "$PROC_FILTER")"
  export DOKKU_WAIT_TO_RETIRE="$(prop_computed checks "$APP" wait-to-retire 60)"
  [[ -n "$(process_specific_file ps "$APP" Procfile)" ]] && procfile_exists=true
  mapfile -t formations < <(scale_formations "$APP")
  for line in "${formations[@]}"; do
    [[ -n "$PROC_FILTER" ]] && [[ "${line%%=*}" != "$PROC_FILTER" ]] && continue
    if [[ "$procfile_exists" == "true" ]] && [[ -z "$(procfile_command "$APP" "${line%%=*}")" ]]; then
      dokku_log_warn "Skipping ${line%%=*} as it is missing from the current Procfile"
      continue
    fi
    # web first, the other types afterwards (Dokku hands those to `parallel`)
    if [[ "${line%%=*}" == "web" ]]; then
      deploy_process "$APP" "$image" "$TAG" web "${line#*=}"
    else
      later+=("$line")
    fi
  done
  for line in "${later[@]}"; do
    deploy_process "$APP" "$image" "$TAG" "${line%%=*}" "${line#*=}"
  done

  dokku_log_info1 "Running post-deploy"
  plugn trigger core-post-deploy "$APP" "" "" "$TAG"
  plugn trigger post-deploy "$APP" "" "" "$TAG"
  [[ -z "$oldids" ]] || retire_old_containers "$APP" $oldids
}

deploy_process() {
  declare APP="$1" IMAGE="$2" TAG="$3" PROC_TYPE="$4" COUNT="$5"
  local index=1 file number
  dokku_log_info1 "Deploying $PROC_TYPE (count=$COUNT)"
  : | plugn trigger docker-args-deploy "$APP" "$TAG" "$PROC_TYPE" >/dev/null
  : | plugn trigger docker-args-process-deploy "$APP" dockerfile "$TAG" "$PROC_TYPE" >/dev/null
  while ((index <= COUNT)); do
    deploy_container "$APP" "$IMAGE" "$TAG" "$PROC_TYPE" "$index"
    index=$((index + 1))
  done
  plugn trigger scheduler-post-deploy-process "$APP" "$PROC_TYPE"
  # scaled down: retire the containers above COUNT
  for file in "$DOKKU_ROOT/$APP/CONTAINER.$PROC_TYPE".*; do
    number="${file##*.}"
    [[ -f "$file" ]] && [[ "$number" -gt "$COUNT" ]] || continue
    dokku_log_verbose "Scheduling orphaned container shutdown in $DOKKU_WAIT_TO_RETIRE seconds ($PROC_TYPE.$number)"
    plugn trigger scheduler-register-retired "$APP" "$(<"$file")" "$DOKKU_WAIT_TO_RETIRE"
    rm -f "$DOKKU_ROOT/$APP"/{CONTAINER,IP,PORT}."$PROC_TYPE.$number"
  done
}

deploy_container() {
  declare APP="$1" IMAGE="$2" TAG="$3" PROC_TYPE="$4" INDEX="$5"
  local dyno="$PROC_TYPE.$INDEX" cid ip port="" docker_args start_cmd args=() command=()
  local cid_file="$DOKKU_ROOT/$APP/CONTAINER.$PROC_TYPE.$INDEX"
  docker_args="$(: | plugn trigger docker-args-deploy "$APP" "$TAG" "$PROC_TYPE" "$INDEX")"
  docker_args+=" --label=com.dokku.process-type=$PROC_TYPE --label=com.dokku.dyno=$dyno --env=DYNO=$dyno --name=$APP.$dyno.upcoming-$RANDOM"
  [[ "$(prop_computed scheduler-docker-local "$APP" init-process true)" == "true" ]] && docker_args+=" --init"
  docker_args+=" --label=com.dokku.app-name=$APP --label=com.dokku.container-type=deploy $DOKKU_GLOBAL_RUN_ARGS "
  docker_args+=" $(: | plugn trigger docker-args-process-deploy "$APP" dockerfile "$TAG" "$PROC_TYPE" "$INDEX")"
  if [[ "$PROC_TYPE" == "web" ]]; then
    port="$(web_container_port "$APP")"
    docker_args+=" --publish=${DOKKU_TEST_PUBLISH_IP:-127.0.0.1}::$port" # test host: loopback only, random host port
  fi
  docker_args+=" --env=PORT=$port"
  split_args args "$docker_args"
  start_cmd="$(prop_get ps "$APP" dockerfile-start-cmd "$(procfile_command "$APP" "$PROC_TYPE" "$port")")"
  split_args command "$start_cmd"
  cid="$(config_export_env "$APP" && docker container create "${args[@]}" "$IMAGE" "${command[@]}")"
  plugn trigger post-container-create app "$cid" "$APP" deploy "$PROC_TYPE"
  docker container start "$cid" >/dev/null || true
  ip="$(plugn trigger network-get-ipaddr "$APP" "$PROC_TYPE" "$cid")"

  if [[ "$(prop_get checks "$APP" disabled)" != *"$PROC_TYPE"* ]] && [[ "$(prop_get checks "$APP" disabled)" != "_all_" ]]; then
    dokku_log_verbose "Attempting pre-flight checks ($dyno)"
    if ! plugn trigger check-deploy "$APP" "$cid" "$PROC_TYPE" "$port" "$ip" "$INDEX"; then
      kill_new_container "$cid" "$dyno"
      return 1
    fi
  fi
  if [[ -f "$cid_file" ]]; then
    dokku_log_verbose "Scheduling old container shutdown in $DOKKU_WAIT_TO_RETIRE seconds ($dyno)"
    plugn trigger scheduler-register-retired "$APP" "$(<"$cid_file")" "$DOKKU_WAIT_TO_RETIRE"
  fi
  echo "$cid" >"$cid_file"
  if [[ -n "$ip" ]]; then plugn trigger network-write-ipaddr "$APP" "$PROC_TYPE" "$INDEX" "$ip"; fi
  if [[ -n "$port" ]]; then plugn trigger network-write-port "$APP" "$PROC_TYPE" "$INDEX" "$port"; fi
  rm -f "$DOKKU_ROOT/$APP/CONTAINER" "$DOKKU_ROOT/$APP/IP" "$DOKKU_ROOT/$APP/PORT"
}

# Dokku's kill_new runs from an EXIT trap after the local APP went out of
# scope, so it registers the failed container with an empty app name and
# writes the global failed-containers file. Reproduced on purpose.
kill_new_container() {
  declare CID="$1" DYNO="$2"
  local app=""
  plugn trigger scheduler-register-retired "$app" "$CID" "$DOKKU_WAIT_TO_RETIRE"
  [[ -d "$DOKKU_LIB_ROOT/data/scheduler-docker-local/$app" ]] || mkdir -p "$DOKKU_LIB_ROOT/data/scheduler-docker-local/$app"
  echo "$CID $DYNO" >>"$DOKKU_LIB_ROOT/data/scheduler-docker-local/$app/failed-containers"
  if docker container inspect "$CID" &>/dev/null; then
    docker container update --restart=no "$CID" &>/dev/null || true
    docker container stop "$CID" >/dev/null && docker container kill "$CID" &>/dev/null || true
  fi
}

# After a successful deploy: SIGTERM now, a hard stop after wait-to-retire.
retire_old_containers() {
  declare APP="$1"
  shift
  local id
  for id in "$@"; do
    docker container inspect "$id" &>/dev/null && { docker container kill --signal=SIGTERM "$id" &>/dev/null || true; }
  done
  dokku_log_info1 "Shutting down old containers in $DOKKU_WAIT_TO_RETIRE seconds"
  (
    # detach completely: bats waits for any process holding its descriptors
    for id in /proc/$BASHPID/fd/*; do id="${id##*/}" && ((id > 2)) && eval "exec $id>&-"; done
    exec </dev/null &>/dev/null
    sleep "$DOKKU_WAIT_TO_RETIRE"
    for id in "${@}"; do
      docker container inspect "$id" &>/dev/null || continue
      docker container update --restart=no "$id" || true
      docker container stop "$id" || docker container kill "$id" || plugn trigger retire-container-failed "$APP" "$id"
    done
  ) &
  disown -a
}

# scheduler-docker-local's check-deploy: app.json healthchecks for the
# process type, else "the port answers HTTP" (web) or "still running".
check_deploy() {
  declare APP="$1" CID="$2" PROC_TYPE="$3" PORT="$4" IP="$5" INDEX="$6"
  local checks count lines=() failed=0 check host_addr=""
  [[ "$(app_scheduler "$APP")" == "docker-local" ]] || return 0
  local skipped
  skipped="$(prop_get checks "$APP" skipped)"
  if [[ "$skipped" == "_all_" ]] || [[ ",$skipped," == *",$PROC_TYPE,"* ]]; then
    dokku_log_info2_quiet "Zero downtime checks have been skipped ($PROC_TYPE.$INDEX)"
    return 0
  fi
  [[ -n "$PORT" ]] && host_addr="$(container_host_addr "$CID" "$PORT")"
  # one line per check, its settings as run_healthcheck reads them (one jq for all of them)
  checks="$(app_json_get "$APP" "(.healthchecks[\"$PROC_TYPE\"] | .[]?) | [.name // \"\", .path // \"/\", .attempts // 3, .wait // 5, .timeout // 5, .content // \"\", .initialDelay // 0, .uptime // \"\", .command // \"\"] | map(tostring) | join(\"\\u001f\")" healthchecks)"
  count=0
  [[ -z "$checks" ]] || { mapfile -t lines <<<"$checks" && count="${#lines[@]}"; }
  dokku_log_info1 "Executing $((count > 0 ? count : 1)) healthchecks"
  if [[ "$count" -eq 0 ]]; then
    default_check "$CID" "$host_addr" || failed=1
  else
    # Dokku runs a warn-only listening check next to these; waiting for the
    # port first keeps the first attempt from failing on a slow start.
    [[ -n "$host_addr" ]] && wait_for_http "$host_addr" 5 || true
    while IFS= read -r check; do
      run_healthcheck "$CID" "$host_addr" "$check" || failed=$((failed + 1))
    done <<<"$checks"
  fi
  dokku_log_info2_quiet "Start of $APP container output (${CID:0:12} $PROC_TYPE.$INDEX)"
  [[ -n "$DOKKU_QUIET_OUTPUT" ]] || docker container logs "$CID" 2>&1 | sed 's/^/       /'
  dokku_log_info2_quiet "End of $APP container output (${CID:0:12} $PROC_TYPE.$INDEX)"
  if [[ "$failed" -gt 0 ]]; then
    docker container update --restart=no "$CID" &>/dev/null || true
    docker container stop "$CID" || true
    dokku_log_warn "Could not start due to $failed failed checks ($PROC_TYPE.$INDEX)"
    return 1
  fi
  dokku_log_verbose "All checks successful ($PROC_TYPE.$INDEX)"
}

container_running() { [[ "$(docker container inspect --format '{{.State.Running}}' "$1" 2>/dev/null)" == "true" ]]; }

wait_for_http() {
  declare HOST_ADDR="$1" SECONDS_MAX="$2"
  local deadline=$((SECONDS + SECONDS_MAX))
  while ((SECONDS < deadline)); do
    curl -s -o /dev/null --max-time 1 "http://$HOST_ADDR/" && return 0
    sleep 0.1
  done
  return 1
}

# Instead of Dokku's 10 s uptime wait: pass as soon as the port answers HTTP,
# or when the container is still up after a short while (non-HTTP processes).
default_check() {
  declare CID="$1" HOST_ADDR="$2"
  dokku_log_verbose "Running healthcheck name='default' type='uptime'"
  if [[ -n "$HOST_ADDR" ]] && wait_for_http "$HOST_ADDR" 10; then
    dokku_log_verbose "Healthcheck succeeded name='default'"
    return 0
  fi
  [[ -n "$HOST_ADDR" ]] || sleep 1
  if container_running "$CID"; then
    dokku_log_verbose "Healthcheck succeeded name='default'"
    return 0
  fi
  dokku_log_warn "Failure in name='default': container exited"
  return 1
}

run_healthcheck() {
  declare CID="$1" HOST_ADDR="$2" CHECK="$3"
  local name path attempts wait timeout content delay uptime command attempt code body
  body="$(mktemp)"
  IFS=$'\x1f' read -r name path attempts wait timeout content delay uptime command <<<"$CHECK"
  name="${name:-$path}"
  dokku_log_verbose "Running healthcheck name='$name' delay=$delay path='$path' attempts=$attempts timeout=$timeout wait=$wait"
  sleep "$delay"
  [[ -n "$uptime" ]] && sleep "$uptime"
  for ((attempt = 1; attempt <= attempts; attempt++)); do
    if [[ -n "$command" ]]; then
      docker container exec "$CID" /bin/sh -c "$command" >"$body" 2>&1 && code=200 || code=500
    elif [[ -n "$uptime" ]]; then
      container_running "$CID" && code=200 || code=500
    else
      code="$(curl -s -o "$body" -w '%{http_code}' --max-time "$timeout" "http://$HOST_ADDR$path" || true)"
    fi
    if [[ "$code" == 2?? ]] && { [[ -z "$content" ]] || grep -qF -- "$content" "$body"; }; then
      dokku_log_verbose "Healthcheck succeeded name='$name'"
      rm -f "$body"
      return 0
    fi
    ((attempt < attempts)) && sleep "$wait"
  done
  dokku_log_info2 "Start healthcheck output"
  sed 's/^/       /' "$body"
  dokku_log_info2 "End healthcheck output"
  dokku_log_warn "Failure in name='$name': unexpected status code: ${code:-none}"
  rm -f "$body"
  return 1
}

# scheduler-docker-local's core-post-deploy: rename the old APP.DYNO aside,
# give the new container its name
rename_containers() {
  declare APP="$1"
  local types file dyno name cid prev status current
  [[ "$(app_scheduler "$APP")" == "docker-local" ]] || return 0
  dokku_log_info1 "Renaming containers"
  types=" $(scale_formations "$APP" | cut -d= -f1 | xargs) "
  for file in "$DOKKU_ROOT/$APP"/CONTAINER.*; do
    [[ -f "$file" ]] || continue
    dyno="${file##*/CONTAINER.}"
    if [[ "$types" != *" ${dyno%%.*} "* ]]; then
      dokku_log_verbose_quiet "Container type (${dyno%%.*}) is no longer defined. Removing state"
      rm -f "$file" "$DOKKU_ROOT/$APP/IP.$dyno" "$DOKKU_ROOT/$APP/PORT.$dyno"
      continue
    fi
    name="$APP.$dyno" cid="$(<"$file")"
    for prev in $(docker container ls --all --quiet --filter "name=^.?$name\$"); do
      status="$(docker container inspect --format '{{.State.Status}}' "$prev" || echo dead)"
      [[ "$status" != "dead" ]] || continue
      dokku_log_verbose_quiet "Found previous container(s) ($prev) named $name"
      dokku_log_verbose_quiet "Renaming container ($prev) $name to $name.$EPOCHSECONDS"
      docker container rename "$name" "$name.$EPOCHSECONDS" &>/dev/null || dokku_log_warn "Unable to rename container"
    done
    current="$(docker container inspect --format '{{.Name}}' "$cid")"
    current="${current//\//}"
    if [[ -n "$current" ]]; then
      dokku_log_verbose_quiet "Renaming container $current (${cid:0:12}) to $name"
      docker container rename "$cid" "$name" >/dev/null || dokku_log_warn "Failed to rename container $current (${cid:0:12})"
    fi
  done
}

# scheduler-register-retired APP CID WAIT: queue the container, and its
# image unless another live container of the app still uses it
register_retired() {
  declare APP="$1" CID="$2" WAIT="${3:-60}"
  local image_id alt_tag alt_id
  [[ -n "$CID" ]] || return 0
  [[ "$DOKKU_SKIP_IMAGE_RETIRE" == "true" ]] || image_id="$(docker container inspect "$CID" --format '{{.Image}}' 2>/dev/null | cut -d: -f2 || true)"
  register_dead container "$APP" "$CID" "$WAIT"
  [[ -n "$image_id" ]] && [[ -z "$DOKKU_SKIP_IMAGE_CLEANUP_REGISTRATION" ]] || return 0
  image_in_use_by_app "$APP" "$image_id" "$CID" || register_dead image "$APP" "$image_id" "$WAIT"
  # a git:from-image build also retires its source image once it is not the current source
  alt_tag="$(docker image inspect --format '{{ index .Config.Labels "com.dokku.docker-image-labeler/alternate-tags" }}' "$image_id" 2>/dev/null || true)"
  # a JSON list of tags; most images have none, and need no jq for it
  if [[ "$alt_tag" == "["* ]]; then alt_tag="$(jq -r '.[]?' <<<"$alt_tag" 2>/dev/null || true)"; else alt_tag=""; fi
  if [[ -n "$alt_tag" ]] && [[ "$(prop_get git "$APP" source-image)" != "$alt_tag" ]]; then
    alt_id="$(docker image inspect --format '{{ .Id }}' "$alt_tag" 2>/dev/null | cut -d: -f2 || true)"
    if [[ -n "$alt_id" ]] && ! image_in_use_by_app "$APP" "$alt_id" "$CID"; then
      register_dead image "$APP" "$alt_id" "$WAIT"
    fi
  fi
  return 0
}

register_dead() {
  declare TYPE="$1" APP="$2" ID="$3" WAIT="$4"
  local file="$DOKKU_LIB_ROOT/data/scheduler-docker-local/dead-${TYPE}s"
  [[ -d "${file%/*}" ]] || mkdir -p "${file%/*}"
  touch "$file"
  grep -q "$ID" "$file" || echo "$APP $ID $(($EPOCHSECONDS + WAIT))" >>"$file"
}

image_in_use_by_app() {
  declare APP="$1" IMAGE_ID="$2" EXCLUDE="$3"
  local cid image ids exclude_id="" dead="$DOKKU_LIB_ROOT/data/scheduler-docker-local/dead-containers"
  [[ -n "$EXCLUDE" ]] && exclude_id="$(docker container inspect "$EXCLUDE" --format '{{.Id}}' 2>/dev/null || true)"
  ids="$(docker container ls -q --no-trunc -f "label=com.dokku.app-name=$APP")"
  [[ -n "$ids" ]] || return 1
  # every container's image in one inspect (one that went meanwhile is left out)
  while read -r cid image; do
    [[ "$cid" == "$exclude_id" ]] && continue
    [[ -f "$dead" ]] && grep -q "${cid:0:12}" "$dead" && continue
    [[ "${image#*:}" == "$IMAGE_ID" ]] && return 0
  done < <(docker container inspect --format '{{.Id}} {{.Image}}' $ids 2>/dev/null || true)
  return 1
}

# scheduler-retire [APP]: remove queued containers and images whose wait is over
retire_queued() {
  declare APP="$1"
  local file="$DOKKU_LIB_ROOT/data/scheduler-docker-local" owner id due state output done_ids=()
  if [[ -f "$file/dead-containers" ]]; then
    while read -r owner id due; do
      [[ -n "$due" ]] || { due="$id" id="$owner" owner=""; } # " CID TS": no app
      [[ -n "$id" ]] && [[ -z "$APP" || "$APP" == "$owner" ]] && (($EPOCHSECONDS > due)) || continue
      dokku_log_verbose_quiet "Attempting to retire $owner container $id"
      state="$(docker container inspect --format '{{.State.Status}}' "$id" 2>/dev/null || true)"
      if [[ "$state" != "" && "$state" != "exited" && "$state" != "dead" ]]; then
        docker container stop "$id" >/dev/null || docker container kill "$id" >/dev/null || dokku_log_warn "Unable to kill container $id"
      fi
      docker container rm --force "$id" &>/dev/null || true
      docker container inspect "$id" &>/dev/null && dokku_log_warn "Container $id still running" && continue
      done_ids+=("$id")
    done <"$file/dead-containers"
    for id in "${done_ids[@]}"; do sed -i "/$id/d" "$file/dead-containers"; done
  fi
  [[ -f "$file/dead-images" ]] || return 0
  done_ids=()
  while read -r owner id due; do
    [[ -n "$due" ]] || { due="$id" id="$owner" owner=""; }
    [[ -n "$id" ]] && [[ -z "$APP" || "$APP" == "$owner" ]] && (($EPOCHSECONDS > due)) || continue
    if ! docker image inspect "$id" &>/dev/null; then done_ids+=("$id") && continue; fi
    dokku_log_verbose_quiet "Attempting to retire $owner image $id"
    if output="$(docker image remove "$id" 2>&1)"; then done_ids+=("$id") && continue; fi
    if [[ "$output" == *"image has dependent child images"* ]]; then
      if [[ "$(docker image inspect "$id" --format '{{len .RepoTags}}')" == "0" ]]; then
        dokku_log_warn "Image $id has children images and is untagged, skipping rm and marking dead"
        done_ids+=("$id")
      else
        dokku_log_warn "Image $id has children images and has tags, skipping rm"
      fi
    elif [[ "$output" == *"being used by running container"* ]] && image_in_use_by_app "$owner" "$id" ""; then
      dokku_log_warn "Image $id is still in use by $owner, removing from retire list"
      done_ids+=("$id")
    else
      dokku_log_warn "Image $id still running"
    fi
  done <"$file/dead-images"
  for id in "${done_ids[@]}"; do sed -i "/$id/d" "$file/dead-images"; done
  sort -o "$file/dead-images" -r "$file/dead-images"
}

# scheduler-stop docker-local APP REMOVE
scheduler_stop() {
  declare SCHEDULER="$1" APP="$2" REMOVE="$3"
  local cid
  [[ "$SCHEDULER" == "docker-local" ]] || return 0
  for cid in $(app_container_ids "$APP") $(docker container ls -q -f "label=com.dokku.app-name=$APP"); do
    container_running "$cid" || continue
    docker container update --restart=no "$cid" &>/dev/null || true
    docker container stop "$cid" &>/dev/null || true
  done
  if [[ "$REMOVE" == "true" ]]; then
    for cid in $(docker container ls -q -f "label=com.dokku.app-name=$APP"); do
      plugn trigger scheduler-register-retired "$APP" "$cid"
      docker container rm --force "$cid" &>/dev/null || true
    done
  fi
  return 0
}
