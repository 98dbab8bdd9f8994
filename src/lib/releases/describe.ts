import type { ReleaseKind, ReleaseRecord } from './record.js';

// The DESCRIPTION column, Heroku-shaped ("Deploy 1a2b3c4", "Promote staging v7", "Rollback to
// v10"). Stored in the record so `--format json` and the table agree; recomputed by the triggers
// as facts (the SHA, the image reference) arrive.

export const shortSha = (sha: string | null | undefined): string | null => (sha ? sha.slice(0, 7) : null);

type DescribableFields = Pick<ReleaseRecord, 'kind' | 'git_sha' | 'source' | 'source_metadata' | 'promoted_from' | 'rollback_of'>;

export function describeRelease(record: Partial<DescribableFields> & { kind: ReleaseKind }): string {
  const sha = shortSha(record.git_sha);
  switch (record.kind) {
    case 'push':
      return sha ? `Deploy ${sha}` : 'Deploy';
    case 'image':
      // deploy-source-set gives the image reference (`docker-image nginx:1.25`) on success only.
      return record.source === 'docker-image' && record.source_metadata ? `Deploy image ${record.source_metadata}` : 'Deploy image';
    case 'rebuild':
      return 'Rebuild';
    case 'config':
      return 'Config change';
    case 'deploy':
      return 'Redeploy';
    case 'promote':
      if (!record.promoted_from) return 'Promote';
      return `Promote ${record.promoted_from.app}${record.promoted_from.host ? `@${record.promoted_from.host}` : ''} v${record.promoted_from.id}`;
    case 'rollback':
      return record.rollback_of ? `Rollback to v${record.rollback_of}` : 'Rollback';
  }
}

/** Recompute the description of a record Dokku started; promote/rollback keep their creator's text. */
export function refreshDescription(record: ReleaseRecord): void {
  if (record.kind === 'promote' || record.kind === 'rollback') return;
  record.description = describeRelease(record);
}
