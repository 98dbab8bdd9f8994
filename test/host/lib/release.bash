# Build and release: dokku_receive -> builder-build -> release-and-deploy ->
# builder-release (app.json / Procfile tasks) -> scheduler-deploy
# (Dokku's common/functions, builder-dockerfile and app-json plugins).

dokku_receive() {
  declare APP="$1" BUILDER="$2" WORKDIR="$3"
  docker_cleanup "$APP"
  plugn trigger builder-set-property "$APP" detected "$BUILDER"
  dokku_build "$APP" "$BUILDER" "$WORKDIR" || return 1
  plugn trigger release-and-deploy "$APP"
}

dokku_build() {
  declare APP="$1" BUILDER="$2" WORKDIR="$3"
  local image released
  image="$(app_image "$APP")"
  released="$(docker image ls --filter label=com.dokku.image-stage=release --filter "label=com.dokku.app-name=$APP" --format '{{.ID}}')"
  plugn trigger builder-build "$BUILDER" "$APP" "$WORKDIR" && return 0
  if [[ -n "$released" ]]; then
    dokku_log_warn "Retagging old image $released as $image"
    docker image tag "$released" "$image" 2>/dev/null || true
  else
    dokku_log_warn "Removing invalid image tag $image"
    docker image remove --force --no-prune "$image" &>/dev/null || true
  fi
  # Dokku exits here: a failed build never reaches builds-record-finalize.
  dokku_log_fail "App build failed"
}

# builder-dockerfile's builder-build
dockerfile_build() {
  declare BUILDER="$1" APP="$2" WORKDIR="$3"
  [[ "$BUILDER" == "dockerfile" ]] || return 0
  local image docker_args args=() build_args=() i arg
  local with_value=" --add-host --allow --annotation --attest --build-arg --builder --cache-from --cache-to --call --cgroup-parent --label --memory --memory-swap --network --platform --progress --provenance --sbom --secret --shm-size --ssh --tag --target --ulimit "
  dokku_log_info1 "Building $APP from Dockerfile"
  image="$(app_image "$APP")"
  cd "$WORKDIR"
  [[ -f "$WORKDIR/Dockerfile" ]] || dokku_log_fail "No Dockerfile found in source code directory"
  plugn trigger pre-build "$BUILDER" "$APP" "$WORKDIR"
  docker_args="$(: | plugn trigger docker-args-build "$APP" "$BUILDER")"
  docker_args+=" $(: | plugn trigger docker-args-process-build "$APP" "$BUILDER") $DOKKU_GLOBAL_BUILD_ARGS"
  split_args args "$docker_args"
  # keep only what `docker image build` accepts, as Dokku does
  for ((i = 0; i < ${#args[@]}; i++)); do
    arg="${args[i]}"
    [[ "$arg" == "-m" ]] && arg="--memory"
    if [[ "$with_value" == *" ${arg%%=*} "* ]]; then
      if [[ "$arg" == *=* ]]; then build_args+=("${arg%%=*}" "${arg#*=}"); else build_args+=("$arg" "${args[i + 1]}") && i=$((i + 1)); fi
    elif [[ " --check -D --debug --no-cache " == *" $arg "* ]]; then
      build_args+=("$arg")
    fi
  done
  config_export_env "$APP" # post-build sees the app's config, as in Dokku
  docker image build --label=org.label-schema.schema-version=1.0 --label=org.label-schema.vendor=dokku \
    --label=com.dokku.image-stage=build --label=com.dokku.builder-type=dockerfile "--label=com.dokku.app-name=$APP" \
    --label=dokku "${build_args[@]}" --tag "$image" .
  plugn trigger ports-set-detected "$APP" "$(detect_port_map "$WORKDIR/Dockerfile" "$image")"
  plugn trigger post-build "$BUILDER" "$APP" "$WORKDIR"
}

detect_port_map() {
  declare DOCKERFILE="$1" IMAGE="$2"
  local ports port map=()
  ports="$(sed -nE 's/^EXPOSE[[:space:]]+//ip' "$DOCKERFILE")"
  [[ -n "$ports" ]] || ports="$(docker image inspect --format '{{range $p, $v := .Config.ExposedPorts}}{{$p}} {{end}}' "$IMAGE")"
  for port in $ports; do
    if [[ "$port" == */udp ]]; then map+=("udp:${port%/udp}:${port%/udp}")
    elif [[ "${port%/tcp}" == "443" ]]; then map+=("https:443:443")
    else map+=("http:${port%/tcp}:${port%/tcp}"); fi
  done
  [[ ${#map[@]} -gt 0 ]] || map=("http:80:5000")
  echo "${map[*]}"
}

# the container port web listens on: the first non-udp detected mapping
web_container_port() {
  local mapping
  for mapping in $(prop_get ports "$1" map-detected "http:80:5000"); do
    [[ "$mapping" == udp:* ]] || { echo "${mapping##*:}" && return 0; }
  done
  echo 5000
}

image_builder_type() {
  local type
  type="$(docker image inspect --format '{{ index .Config.Labels "com.dokku.builder-type" }}' "$1" 2>/dev/null || true)"
  echo "${type:-dockerfile}"
}

app_scheduler() { prop_computed scheduler "$1" selected docker-local; }

# common's release-and-deploy trigger: APP [TAG] [SOURCE]
release_and_deploy() {
  declare APP="$1" TAG="${2:-latest}" SOURCE="${3:-deploy}"
  local image exit_code=0
  setup_build_capture "$APP" "$SOURCE"
  image="$(app_image "$APP" "$TAG")"
  if docker image inspect "$image" &>/dev/null; then
    dokku_log_info1 "Releasing $APP..."
    plugn trigger builder-release "$(image_builder_type "$image")" "$APP" "$TAG" || exit_code="$?"
    if [[ "$exit_code" -eq 0 ]] && [[ "$(prop_computed ps "$APP" skip-deploy)" != "true" ]]; then
      dokku_log_info1 "Deploying $APP via the $(app_scheduler "$APP") scheduler..."
      cmd_deploy "$APP" "$TAG" || exit_code="$?"
      if [[ "$exit_code" -eq 0 ]]; then
        dokku_log_info2 "Application deployed:"
        plugn trigger domains-urls "$APP" urls | sed "s/^/       /"
      fi
    elif [[ "$exit_code" -eq 0 ]]; then
      dokku_log_info1 "Skipping deployment"
    fi
    echo
  else
    # Dokku prints this from a subshell and carries on: the trigger still succeeds.
    echo " !     App image ($image) not found" 1>&2
  fi
  if [[ -n "$DOKKU_BUILD_ID" ]]; then
    plugn trigger builds-record-finalize "$APP" "$DOKKU_BUILD_ID" "$exit_code" || true
  fi
  return "$exit_code"
}

# common's cmd-deploy: `dokku deploy`, the deploy trigger and ps:restart
cmd_deploy() {
  declare APP="$1" TAG="$2" PROC_TYPE="$3"
  verify_app_name "$APP"
  plugn trigger scheduler-deploy "$(app_scheduler "$APP")" "$APP" "$TAG" "$PROC_TYPE"
}

# builder-dockerfile's builder-release: predeploy, then a release image
# FROM the built one (labels for this app), then post-release-builder.
dockerfile_release() {
  declare BUILDER="$1" APP="$2" TAG="$3"
  [[ "$BUILDER" == "dockerfile" ]] || return 0
  local image context output globals=()
  image="$(app_image "$APP" "$TAG")"
  docker image inspect "$image" &>/dev/null || dokku_log_fail "App image ($image) not found"
  plugn trigger pre-release-builder "$BUILDER" "$APP" "$image"
  context="$(mktemp -d "${TMPDIR:-/tmp}/dokku-$DOKKU_PID-trigger-builder-dockerfile-builder-release.XXXXXX")"
  HOST_TMP_DIRS+=("$context")
  printf 'ARG APP_IMAGE\nFROM $APP_IMAGE\n' >"$context/Dockerfile"
  split_args globals "$DOKKU_GLOBAL_BUILD_ARGS"
  if ! output="$(docker image build --label=org.label-schema.schema-version=1.0 --label=org.label-schema.vendor=dokku \
    "--label=com.dokku.app-name=$APP" --label=com.dokku.image-stage=release --label=dokku "${globals[@]}" \
    --build-arg "APP_IMAGE=$image" -t "$image" "$context" 2>&1)"; then
    echo "$output"
    dokku_log_warn "Failure injecting docker labels on image"
    return 1
  fi
  plugn trigger post-release-builder "$BUILDER" "$APP" "$image"
}

app_task_command() {
  declare APP="$1" PHASE="$2"
  case "$PHASE" in
    release) procfile_command "$APP" release 5000 ;;
    predeploy) app_json_get "$APP" .scripts.dokku.predeploy predeploy ;;
    postdeploy) app_json_get "$APP" .scripts.dokku.postdeploy postdeploy ;;
    heroku.postdeploy) app_json_get "$APP" .scripts.postdeploy postdeploy ;;
  esac
}

# app-json's executeScript: runs one deployment task in a container made
# from IMAGE with the app's config; predeploy is committed into IMAGE.
run_app_task() {
  declare APP="$1" IMAGE="$2" TAG="$3" PHASE="$4"
  local command source="app.json" entrypoint image_cmd shell body cid ok=true
  local script=() args=() filtered=() globals=() changes=() skip_next=false arg
  dokku_log_info1 "Checking for $PHASE task"
  command="$(app_task_command "$APP" "$PHASE")"
  [[ "$PHASE" == "release" ]] && source="Procfile"
  if [[ -z "$command" ]]; then
    dokku_log_verbose "No $PHASE task found, skipping"
    return 0
  fi
  if [[ "$PHASE" == "predeploy" ]]; then
    dokku_log_verbose "Executing $PHASE task from $source: $command"
  else
    dokku_log_verbose "Executing $PHASE task from $source in ephemeral container: $command"
  fi

  # the image's ENTRYPOINT, and its CMD for a predeploy commit: one inspect for both
  { read -r entrypoint && read -r image_cmd; } < <(docker image inspect --format '{{json .Config.Entrypoint}}{{"\n"}}{{json .Config.Cmd}}' "$IMAGE")
  shell="$(prop_computed scheduler "$APP" shell /bin/bash)"
  case "$entrypoint" in
    null | '["/tini","--"]' | '["/bin/tini","--"]' | '["/usr/bin/tini","--"]' | '["/usr/local/bin/tini","--"]')
      body="set -e; set -o pipefail || true;"
      [[ "$command" == /* ]] && body+=" if [[ ! -x \"${command%% *}\" ]]; then   echo specified binary is not executable;   exit 1; fi;"
      script=("$shell" -c "$body $command || exit 1;")
      ;;
    *) split_args script "$command" ;; # the image's ENTRYPOINT gets the words
  esac

  split_args args "$(: | plugn trigger docker-args-deploy "$APP" "$TAG" || true) $(: | plugn trigger docker-args-process-deploy "$APP" dockerfile "$TAG" || true)"
  for arg in "${args[@]}"; do
    [[ "$skip_next" == "true" ]] && skip_next=false && continue
    case "$arg" in
      --cpus | --gpus | --memory | --memory-reservation | --memory-swap | --publish | --publish-all | --restart | -p | -P) skip_next=true ;;
      --cpus=* | --gpus=* | --memory=* | --memory-reservation=* | --memory-swap=* | --publish=* | --publish-all=* | --restart=* | -p=* | -P=*) ;;
      *) filtered+=("$arg") ;;
    esac
  done
  filtered+=("--label=dokku_phase_script=$PHASE")
  split_args globals "$DOKKU_GLOBAL_RUN_ARGS"
  cid="$(config_export_env "$APP" && docker container create "${globals[@]}" "--label=com.dokku.app-name=$APP" "${filtered[@]}" "$IMAGE" "${script[@]}")" ||
    dokku_log_fail "Failed to create $PHASE execution container"
  plugn trigger post-container-create app "$cid" "$APP" "$PHASE"
  if ! docker container start "$cid" >/dev/null || [[ "$(docker container wait "$cid")" != "0" ]]; then ok=false; fi
  dokku_log_info2_quiet "Start of $APP $PHASE task (${cid:0:9}) output"
  [[ -n "$DOKKU_QUIET_OUTPUT" ]] || docker container logs "$cid" 2>&1 | sed 's/^/       /'
  dokku_log_info2_quiet "End of $APP $PHASE task (${cid:0:9}) output"
  if [[ "$ok" != "true" ]]; then
    docker container rm --force "$cid" &>/dev/null || true
    dokku_log_fail "Execution of $PHASE task failed: $command"
  fi
  if [[ "$PHASE" == "predeploy" ]]; then
    # ENTRYPOINT and CMD as Dokku's commit gives them (a shell form back as a string), a --change
    # for each that is not null, in that order: one jq for both, NUL after each
    while IFS= read -r -d '' arg; do changes+=(--change "$arg"); done < <(printf '%s\n%s\n' "$entrypoint" "$image_cmd" |
      jq -j -n '[inputs] | [["ENTRYPOINT", .[0]], ["CMD", .[1]]][] | select(.[1] != null) | .[0] as $name | .[1] |
        (if length == 3 and .[0] == "/bin/sh" and .[1] == "-c" then "\($name) " + .[2] else "\($name) " + tojson end) + "\u0000"')
    if ! docker container commit "${changes[@]}" --change "LABEL org.label-schema.schema-version=1.0" \
      --change "LABEL org.label-schema.vendor=dokku" --change "LABEL com.dokku.app-name=$APP" \
      --change "LABEL com.dokku.predeploy-phase=true" "$cid" "$IMAGE" >/dev/null; then
      docker container rm --force "$cid" &>/dev/null || true
      dokku_log_fail "Committing of 'predeploy' to image failed: $command"
    fi
  fi
  docker container rm --force "$cid" &>/dev/null || true
}

# app-json's post-release-builder: release task, scale, run-once heroku postdeploy
app_json_post_release() {
  declare APP="$2" IMAGE="$3"
  run_app_task "$APP" "$IMAGE" "${IMAGE##*:}" release
  plugn trigger ps-can-scale "$APP" true
  is_deployed "$APP" && return 0
  [[ "$(prop_get app-json "$APP" heroku.postdeploy)" == "executed" ]] && return 0
  prop_set app-json "$APP" heroku.postdeploy executed
  run_app_task "$APP" "$IMAGE" "${IMAGE##*:}" heroku.postdeploy
}

# app-json's post-deploy: scripts.dokku.postdeploy, after the traffic switch
app_json_post_deploy() {
  declare APP="$1" TAG="$4"
  if [[ -z "$(app_task_command "$APP" postdeploy)" ]]; then
    dokku_log_info1 "Checking for postdeploy task"
    dokku_log_verbose "No postdeploy task found, skipping"
    return 0
  fi
  docker image inspect "$(app_image "$APP" "${TAG:-latest}")" &>/dev/null || dokku_log_fail "App image ($(app_image "$APP" "${TAG:-latest}")) not found"
  run_app_task "$APP" "$(app_image "$APP" "${TAG:-latest}")" "$TAG" postdeploy
}
