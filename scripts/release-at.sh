#!/usr/bin/env bash
# Prints the path of the release tarball ownstack's own scripts make at COMMIT, building it once:
# a detached worktree at COMMIT, `npm ci` there (its own lock file, so its own pinned Node
# runtime), then that commit's build and package scripts. Tarballs are kept under
# ${OWNSTACK_RELEASE_CACHE:-.cache/releases}/<full commit>/, so a CI run builds each commit once.
#   scripts/release-at.sh 234dca7     # ownstack 0.1.0
# The repository must hold COMMIT (a full clone; CI checks out with its history).
set -eo pipefail
commit_arg="${1:?usage: scripts/release-at.sh COMMIT}"
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
commit="$(git -C "$repo" rev-parse --verify --quiet "$commit_arg^{commit}")" ||
  { echo " !     release-at: $commit_arg is not a commit of this repository (is the clone shallow?)" >&2; exit 1; }
cache="$(mkdir -p "${OWNSTACK_RELEASE_CACHE:-$repo/.cache/releases}" && cd "${OWNSTACK_RELEASE_CACHE:-$repo/.cache/releases}" && pwd)"
out="$cache/$commit"

# Test files may ask for the same commit side by side: one builds, the others wait for it.
exec {lock}>"$cache/.lock-$commit"
flock "$lock"
shopt -s nullglob
tarballs=("$out"/ownstack-*.tgz)
if ((${#tarballs[@]} == 1)); then
  echo "${tarballs[0]}"
  exit 0
fi

work="$(mktemp -d "$cache/.work-XXXXXX")"
cleanup() {
  git -C "$repo" worktree remove --force "$work/src" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
git -C "$repo" worktree add --detach --quiet "$work/src" "$commit"
(
  cd "$work/src"
  npm ci --prefer-offline --no-audit --no-fund --loglevel=error >/dev/null
  node scripts/build.mjs --skip-typecheck >/dev/null
  node scripts/package.mjs --no-build >/dev/null
) >&2
tarballs=("$work"/src/dist/ownstack-*.tgz)
((${#tarballs[@]} == 1)) || { echo " !     release-at: $commit made ${#tarballs[@]} tarballs" >&2; exit 1; }
rm -rf "$out" && mkdir -p "$work/out"
cp "${tarballs[0]}" "$work/out/"
mv "$work/out" "$out"
echo "$out/${tarballs[0]##*/}"
