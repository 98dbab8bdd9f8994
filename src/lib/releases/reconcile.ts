import type { DokkuBuildRecord } from './lifecycle.js';
import { atAbandoned } from './lifecycle.js';
import { deployedByOwnstack, type ReleaseRecord } from './record.js';
import type { FileReleaseStore } from './store.js';
import { liveLogIds } from './live-log.js';

// Records left `running` by a process that is gone (a build failure exits before any finalize;
// kill -9 skips everything) are finished here: failed at the phase they reached, unless Dokku's
// own builds record says the deploy succeeded. Run whenever a trigger or a read command touches
// the app; the state file lists the running IDs, so this costs one small read when none run.

export interface ReconcileProbes {
  /** The recorded process (pid plus /proc start time) still runs. */
  alive(pid: number | null, pidStart: string | null): boolean;
  dokkuBuild(buildId: string | null): DokkuBuildRecord | undefined;
  dokkuLog(buildId: string | null): Buffer | undefined;
  now(): string;
  /** The app's Dokku deploy lock is held: a promote/rollback's Dokku part, which inherits our
   * lock, may still be finishing after our own process died. */
  deployLockHeld(): boolean;
  /** The image the app's web container runs now (asked only for an abandoned record). */
  servingImage(): Promise<string | undefined>;
}

export interface ReconcileOptions {
  /** A record whose deploy is the caller's own (a trigger inside it): never abandoned. */
  skipId?: number;
}

export function recordProcessAlive(record: ReleaseRecord, alive: ReconcileProbes['alive']): boolean {
  if (record.pid !== null) return alive(record.pid, record.pid_start);
  // Without a pid of its own, the record lives as long as the dokku command that started it.
  const dokkuPid = Number(record.dokku_pid);
  return Number.isInteger(dokkuPid) && dokkuPid > 0 && alive(dokkuPid, null);
}

export async function reconcileRunning(
  store: FileReleaseStore,
  probes: ReconcileProbes,
  options: ReconcileOptions = {},
): Promise<ReleaseRecord[]> {
  const finished: ReleaseRecord[] = [];
  for (const id of store.runningIds()) {
    let record: ReleaseRecord | undefined;
    try {
      record = store.get(id);
    } catch {
      record = undefined; // unreadable: history names the file; nothing to finish here
    }
    if (!record || record.status !== 'running') {
      await store.forgetRunning(id);
      continue;
    }
    if (id === options.skipId || recordProcessAlive(record, probes.alive)) continue;
    if (deployedByOwnstack(record) && probes.deployLockHeld()) continue;
    const newImageServes = record.image_id !== null && (record.phase === 'deploy' || record.phase === 'postdeploy')
      ? (await probes.servingImage()) === record.image_id
      : false;
    // A promote/rollback's log is the live log it was writing (only those write one); a git
    // push's is Dokku's build log.
    const live = record.log === null ? await store.keepLiveLog(id) : undefined;
    const dokkuLog = live ? undefined : probes.dokkuLog(record.build_id);
    const log = dokkuLog ?? (live && Buffer.from(live.text));
    const logPath = dokkuLog && record.log === null ? await store.writeLog(id, dokkuLog) : (live?.path ?? record.log);
    const dokku = probes.dokkuBuild(record.build_id);
    let serves = false;
    finished.push(
      await store.update(id, (draft) => {
        draft.log = logPath;
        serves = atAbandoned(draft, dokku, log?.toString('utf8'), probes.now(), newImageServes).live;
      }),
    );
    if (serves) await store.setCurrent(id);
  }
  await keepOrphanedLiveLogs(store, probes, options);
  return finished;
}

/**
 * A live log whose release has ended and whose writer is gone: the run was killed after its
 * record was finished (post-deploy) and before it kept its log. Kept now, as that run would have.
 * Costs one read of the small `logs/` directory.
 */
async function keepOrphanedLiveLogs(store: FileReleaseStore, probes: ReconcileProbes, options: ReconcileOptions): Promise<void> {
  for (const id of liveLogIds(store.dir)) {
    if (id === options.skipId) continue;
    let record: ReleaseRecord | undefined;
    try {
      record = store.get(id);
    } catch {
      continue; // unreadable: history names the file
    }
    if (record && (record.status === 'running' || recordProcessAlive(record, probes.alive))) continue;
    const kept = await store.keepLiveLog(id);
    if (record && kept) await store.update(id, (draft) => void (draft.log = kept.path));
  }
}
