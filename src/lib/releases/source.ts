// Dokku's deploy source and its metadata (deploy-source-set), as a record keeps them.
// git-push → the pushed SHA; git-sync → `REMOTE#SHA`; docker-image → the image reference;
// tar/zip → the archive URL. A URL can carry credentials (https://user:token@host/…): they are
// removed, because a record never holds secrets.

export interface SourceFacts {
  source: string | null;
  metadata: string | null;
  sha: string | null;
}

export function withoutCredentials(value: string): string {
  return value.replace(/([a-z][a-z0-9+.-]*:\/\/)[^/@\s]*@/gi, '$1');
}

export function sourceFacts(type: string | undefined, metadata: string | undefined): SourceFacts {
  const source = type ? type.slice(0, 64) : null;
  const meta = metadata ? withoutCredentials(metadata).slice(0, 500) : null;
  let sha: string | null = null;
  if (type === 'git-push' && meta && /^[0-9a-f]{40}$/.test(meta)) sha = meta;
  if (type === 'git-sync' && meta) {
    const tail = meta.slice(meta.lastIndexOf('#') + 1);
    if (/^[0-9a-f]{40}$/.test(tail)) sha = tail;
  }
  return { source, metadata: meta, sha };
}

/**
 * What deploy-source-set will record for a build that has just succeeded, when it is already
 * known: a git push (build source `git-hook`) records `git-push` and the pushed SHA, which
 * pre-receive-app gave us. deploy-source-set is Dokku's last step, after the release ended, so
 * without this the release.end notification would go out with no source. Other sources
 * (git:sync's remote, git:from-image's reference) are known only to deploy-source-set itself.
 */
export function sourceAtSuccess(buildSource: string | undefined, gitSha: string | null): { source: string; metadata: string } | undefined {
  if (buildSource === 'git-hook' && gitSha && /^[0-9a-f]{40}$/.test(gitSha)) return { source: 'git-push', metadata: gitSha };
  return undefined;
}
