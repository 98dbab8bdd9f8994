import type { ReleaseKind, ReleaseRecord } from './record.js';

// The DESCRIPTION column, Heroku-shaped ("Deploy 1a2b3c4", "Promote staging v7", "Rollback to
// v10"). Stored in the record so `--format json` and the table agree; recomputed by the triggers
// as facts (the SHA, the image reference) arrive.

export const shortSha = (sha: string | null | undefined): string | null => (sha ? sha.slice(0, 7) : null);

type DescribableFields = Pick<ReleaseRecord, 'kind' | 'git_sha' | 'source' | 'source_metadata' | 'promoted_from' | 'rollback_of' | 'config_keys'>;

/**
 * `ownstack:config-push` names the keys it sets in this variable for the config:set it runs; the
 * builds-record-start of that redeploy stores them in the `config` release (names, never values).
 */
export const CONFIG_KEYS_ENV = 'OWNSTACK_CONFIG_KEYS';
const MAX_DESCRIBED_KEYS = 10;

/** The keys OWNSTACK_CONFIG_KEYS names, when every one is a valid config key; else none. */
export function configKeysFromEnv(value: string | undefined): string[] | null {
  if (!value) return null;
  const keys = value.split(',');
  if (keys.length > 500 || !keys.every((key) => /^[A-Za-z_][A-Za-z0-9_]*$/.test(key) && key.length <= 200)) return null;
  return keys;
}

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
    case 'config': {
      const keys = record.config_keys ?? [];
      if (keys.length === 0) return 'Config change';
      const shown = keys.slice(0, MAX_DESCRIBED_KEYS).join(', ');
      return `Config change: ${shown}${keys.length > MAX_DESCRIBED_KEYS ? ` and ${keys.length - MAX_DESCRIBED_KEYS} more` : ''}`;
    }
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
