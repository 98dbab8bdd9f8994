# The git side of a deploy: the pre-receive hook, the locked build, extracting
# Procfile/app.json, and git:from-image (Dokku's plugins/git).

git_deploy_branch() {
  declare APP="$1" DEFAULT="${2-master}"
  prop_get git "$APP" deploy-branch "$(prop_get git --global deploy-branch "$DEFAULT")"
}

git_write_hook() {
  declare APP="$1"
  local root="$DOKKU_ROOT/$APP"
  [[ -d "$root/refs" ]] || git init -q --bare "$root"
  # Same hook as Dokku's, plus one line making the sandbox's dokku reachable.
  cat >"$root/hooks/pre-receive" <<EOF
#!/usr/bin/env bash
set -e
set -o pipefail

PATH="$HOST_BIN:\$PATH"
cat | DOKKU_ROOT="$DOKKU_ROOT" dokku git-hook "$APP"
EOF
  chmod +x "$root/hooks/pre-receive"
}

# `dokku git-hook APP`, fed "oldrev newrev refname" lines by the pre-receive hook
git_hook() {
  declare APP="$1"
  local oldrev newrev refname branch
  is_valid_app_name "$APP" || dokku_log_fail "App name must begin with lowercase alphanumeric character, and may only contain lowercase alphanumerics, dots, and hyphens"
  branch="$(git_deploy_branch "$APP")"
  while read -r oldrev newrev refname; do
    if [[ "$refname" == "refs/heads/$branch" ]] || [[ "$refname" == "refs/tags/$branch" ]]; then
      git_receive_app "$APP" "$newrev"
      plugn trigger deploy-source-set "$APP" git-push "$newrev"
    elif trigger_implemented receive-branch; then
      plugn trigger receive-branch "$APP" "$newrev" "$refname"
      plugn trigger deploy-source-set "$APP" git-push "$newrev"
    elif [[ -z "$(git_deploy_branch "$APP" "")" ]]; then
      branch="${refname#refs/heads/}" branch="${branch#refs/tags/}"
      echo $'\e[1G\e[K'"-----> Set $branch as deploy-branch"
      prop_set git "$APP" deploy-branch "$branch"
      git_receive_app "$APP" "$newrev"
      plugn trigger deploy-source-set "$APP" git-push "$newrev"
    else
      echo $'\e[1G\e[K'"-----> WARNING: deploy did not complete, you must push to $branch."
      echo $'\e[1G\e[K'"-----> for example, try 'git push <dokku> ${refname#refs/heads/}:$branch'"
    fi
  done
}

# `dokku git-receive-pack 'APP'` (and git-upload-pack, ...): what a git client asks for over ssh.
# The path arrives quoted, possibly with a leading slash; pushes go through git-shell into the
# app's repo, whose pre-receive hook deploys. Unlike Dokku, no app is created on a first push.
git_ssh_command() {
  declare CMD="$1" APP="$2"
  APP="${APP//\'/}" APP="${APP#/}"
  is_valid_app_name "$APP" || dokku_log_fail "App name must begin with lowercase alphanumeric character, and may only contain lowercase alphanumerics, dots, and hyphens"
  verify_app_name "$APP"
  case "$CMD" in
    git-upload-pack)
      plugn trigger git-pre-pull "$APP"
      git-upload-pack "$DOKKU_ROOT/$APP"
      plugn trigger git-post-pull "$APP"
      ;;
    git-receive-pack)
      [[ -d "$DOKKU_ROOT/$APP/refs" ]] || git_write_hook "$APP"
      git-shell -c "git-receive-pack '$DOKKU_ROOT/$APP'"
      ;;
    *) git-shell -c "$*" ;;
  esac
}

git_receive_app() {
  declare APP="$1" REV="$2"
  [[ -d "$DOKKU_ROOT/$APP/refs" ]] || return 0
  local exit_code=0
  acquire_app_deploy_lock "$APP"
  # As in Dokku, the build runs on the left of `||`, so errexit is off for
  # all of it: a failing post-extract or pre-receive-app does not stop it.
  git_build "$APP" "$REV" || exit_code="$?"
  release_app_deploy_lock "$APP" "$exit_code"
  return "$exit_code"
}

git_build() {
  declare APP="$1" REV="$2"
  local ref="$REV"
  if [[ -n "$REV" ]]; then
    # GIT_REV is written before the build and never rolled back.
    DOKKU_QUIET_OUTPUT=1 config_set --no-restart "$APP" "GIT_REV=$REV"
  else
    ref="$(git -C "$DOKKU_ROOT/$APP" rev-parse --verify -q "refs/heads/$(git_deploy_branch "$APP")")"
    [[ -n "$ref" ]] || echo $'\e[1G\e[K'"-----> WARNING: Cannot build from '$(git_deploy_branch "$APP")' as there are no commits stored at that branch."
  fi
  [[ -n "$ref" ]] || return 1
  git_build_app_repo "$APP" "$ref"
}

git_build_app_repo() {
  declare APP="$1" REV="$2"
  local workdir exit_code=0
  verify_app_name "$APP"
  workdir="$(mktemp -d "${TMPDIR:-/tmp}/dokku-$DOKKU_PID-git_build_app_repo.XXXXXX")"
  HOST_TMP_DIRS+=("$workdir")
  chmod 755 "$workdir"
  unset GIT_DIR GIT_QUARANTINE_PATH GIT_WORK_TREE
  # Dokku uses a worktree without .git; an archive of the rev is the same tree.
  git -C "$DOKKU_ROOT/$APP" archive "$REV" | tar -x -C "$workdir" || return 1
  pushd "$workdir" >/dev/null
  git_trigger_build "$APP" "$workdir" "$REV" || exit_code="$?"
  popd >/dev/null
  rm -rf "$workdir"
  return "$exit_code"
}

git_trigger_build() {
  declare APP="$1" WORKDIR="$2" REV="$3"
  local builder
  plugn trigger core-post-extract "$APP" "$WORKDIR" "$REV" || return 1
  plugn trigger post-extract "$APP" "$WORKDIR" "$REV"
  builder="$(plugn trigger builder-detect "$APP" "$WORKDIR" | head -n1 || true)"
  builder="${builder:-herokuish}"
  plugn trigger pre-receive-app "$APP" "$builder" "$WORKDIR" "$REV"
  dokku_receive "$APP" "$builder" "$WORKDIR"
}

# core-post-extract of app-json (app.json) and ps (Procfile): copy the file
# from the source tree, or from the WORKDIR of the git:from-image source
# image, into <data>/<plugin>/APP/<name>.$DOKKU_PID, or mark it missing.
extract_app_file() {
  declare PLUGIN="$1" APP="$2" NAME="$3" WORKDIR="$4"
  local dest="$DOKKU_LIB_ROOT/data/$PLUGIN/$APP/$NAME" image
  [[ -d "${dest%/*}" ]] || mkdir -p "${dest%/*}"
  rm -f "$dest".*
  image="$(prop_get git "$APP" source-image)"
  if [[ -z "$image" ]]; then
    if [[ -f "$WORKDIR/$NAME" ]]; then cp "$WORKDIR/$NAME" "$dest.$DOKKU_PID"; else touch "$dest.$DOKKU_PID.missing"; fi
  else
    copy_from_image "$APP" "$image" "$NAME" "$dest.$DOKKU_PID" || touch "$dest.$DOKKU_PID.missing"
  fi
}

copy_from_image() {
  declare APP="$1" IMAGE="$2" NAME="$3" DEST="$4"
  local workdir cid status=0 globals
  workdir="$(docker image inspect --format '{{.Config.WorkingDir}}' "$IMAGE" 2>/dev/null)" || return 1
  split_args globals "$DOKKU_GLOBAL_RUN_ARGS"
  cid="$(docker container create --label "com.dokku.app-name=$APP" "${globals[@]}" "$IMAGE" 2>/dev/null)" || return 1
  docker container cp "$cid:${workdir%/}/$NAME" - 2>/dev/null | tar -xO >"$DEST.tmp" 2>/dev/null || status=1
  docker container rm --force "$cid" &>/dev/null || true
  [[ "$status" -eq 0 ]] && [[ -s "$DEST.tmp" ]] && mv "$DEST.tmp" "$DEST" && return 0
  rm -f "$DEST.tmp"
  return 1
}

# trigger git-from-image APP IMAGE BUILD_DIR USER_NAME USER_EMAIL
git_from_image() {
  # Dokku reads both defaults from $4: the email always ends up automated@dokku.sh
  declare APP="$1" IMAGE="$2" BUILD_DIR="$3" USER_NAME="${4:-Dokku}" USER_EMAIL="${4:-automated@dokku.sh}"
  local context
  context="$(mktemp -d "${TMPDIR:-/tmp}/dokku-$DOKKU_PID-trigger-git-git-from-image.XXXXXX")"
  HOST_TMP_DIRS+=("$context")
  dokku_log_info1 "Generating build context"
  if [[ -n "$BUILD_DIR" ]]; then
    [[ -d "$BUILD_DIR" ]] || dokku_log_fail "Invalid BUILD_DIR specified for docker build context"
    dokku_log_verbose "Syncing build directory context"
    cp -a "$BUILD_DIR/." "$context/"
  fi
  printf 'FROM %s\nLABEL com.dokku.docker-image-labeler/alternate-tags=[\\"%s\\"]\n' "$IMAGE" "$IMAGE" >>"$context/Dockerfile"
  if [[ -z "$(docker image ls -q "$IMAGE" 2>/dev/null)" ]]; then
    dokku_log_info1 "Pulling image"
    docker image pull "$IMAGE" || dokku_log_fail "Failed to pull image: $IMAGE"
  elif [[ "$DOKKU_APPS_FORCE_DELETE" == "1" ]]; then
    dokku_log_info1 "Force pulling image"
    docker image pull "$IMAGE" || dokku_log_fail "Failed to pull image: $IMAGE"
  else
    dokku_log_info1 "Image exists on host, skipping pull"
  fi
  prop_set git "$APP" source-image "$IMAGE"
  plugn trigger git-from-directory "$APP" "$context" "$USER_NAME" "$USER_EMAIL"
}

# trigger git-from-directory APP DIR USER_NAME USER_EMAIL: commits DIR as the
# whole tree of the deploy branch, builds it, and rolls the branch back on failure.
git_from_directory() {
  declare APP="$1" SOURCE_DIR="$2" USER_NAME="${3:-Dokku}" USER_EMAIL="${4:-automated@dokku.sh}"
  local root="$DOKKU_ROOT/$APP" branch parent tree rev message index exit_code
  branch="$(git_deploy_branch "$APP")"
  parent="$(git --git-dir="$root" rev-parse --verify -q "refs/heads/$branch" || true)"
  dokku_log_info1 "Updating git repository with specified build context"
  index="$(mktemp)"
  rm -f "$index"
  tree="$(GIT_INDEX_FILE="$index" git --git-dir="$root" --work-tree="$SOURCE_DIR" add -A && GIT_INDEX_FILE="$index" git --git-dir="$root" write-tree)"
  rm -f "$index"
  if [[ -n "$parent" ]] && [[ "$tree" == "$(git --git-dir="$root" rev-parse "$parent^{tree}")" ]]; then
    dokku_log_warn "No changes detected, skipping git commit"
    dokku_log_warn "Call 'ps:rebuild' on app to rebuild the app from existing source"
    return 1
  fi
  message="Initial commit"
  [[ -n "$parent" ]] && message="Automated commit @ $(date +%s)"
  rev="$(GIT_AUTHOR_NAME="$USER_NAME" GIT_AUTHOR_EMAIL="$USER_EMAIL" GIT_COMMITTER_NAME="$USER_NAME" GIT_COMMITTER_EMAIL="$USER_EMAIL" \
    git --git-dir="$root" commit-tree "$tree" ${parent:+-p "$parent"} -m "$message")"
  git --git-dir="$root" update-ref "refs/heads/$branch" "$rev"
  [[ -n "$parent" ]] || prop_set git "$APP" deploy-branch "$branch"
  if git_receive_app "$APP" "$rev"; then
    return 0
  else
    exit_code="$?"
  fi
  if [[ -n "$parent" ]]; then
    git --git-dir="$root" update-ref "refs/heads/$branch" "$parent"
  else
    git --git-dir="$root" update-ref -d "refs/heads/$branch"
  fi
  return "$exit_code"
}
