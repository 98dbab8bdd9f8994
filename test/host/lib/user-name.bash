# effective_user_name: the effective user's name, as `id -un` prints it, into $user_name. From
# /etc/passwd with builtins only, since plugn and the dokku entry point run it for every trigger
# and command, and each process they start counts; `id` when the passwd file has no entry.
effective_user_name() {
  local name _ uid
  while IFS=: read -r name _ uid _; do
    if [[ "$uid" == "$EUID" ]]; then
      user_name="$name"
      return
    fi
  done </etc/passwd
  user_name="$(id -un)"
}
