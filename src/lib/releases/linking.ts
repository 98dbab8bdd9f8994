import type { ReleaseRecord } from './record.js';
import type { FileReleaseStore } from './store.js';

// Which record a trigger belongs to. ownstack's own deploys (promote, rollback) create their
// record first and export OWNSTACK_RELEASE=<app>/<id> to the plugn trigger they run; a deploy
// Dokku starts is keyed by DOKKU_BUILD_ID, falling back to DOKKU_PID when there is none.

export interface DeployKeys {
  ownstackRelease?: string;
  buildId?: string;
  dokkuPid?: string;
}

/** The release ID OWNSTACK_RELEASE names for this app, if it names this app. */
export function ownstackReleaseId(app: string, value: string | undefined): number | undefined {
  if (!value) return undefined;
  const match = /^([a-z0-9][a-z0-9.-]*)\/([1-9][0-9]{0,8})$/.exec(value.trim());
  return match && match[1] === app ? Number(match[2]) : undefined;
}

export function findLinkedRecord(store: FileReleaseStore, keys: DeployKeys): ReleaseRecord | undefined {
  const own = ownstackReleaseId(store.app, keys.ownstackRelease);
  if (own !== undefined) return store.get(own);
  if (keys.buildId) return store.findByBuildId(keys.buildId);
  if (keys.dokkuPid) {
    return store.findRecent((record) => record.status === 'running' && record.build_id === null && record.dokku_pid === keys.dokkuPid);
  }
  return undefined;
}
