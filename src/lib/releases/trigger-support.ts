import type { Context } from '../context.js';
import { containerImage } from '../dokku/docker.js';
import { isFileLocked } from '../dokku/lock.js';
import { assertValidAppName } from '../dokku/validate.js';
import { currentEnv, triggerNow, triggerScope } from '../dokku/trigger-scope.js';
import { UserError } from '../output/errors.js';
import { log } from '../output/log.js';
import { deployingFiles, deployLockIsThisDeploys, dokkuBuildLog, dokkuBuildRecord, processAlive, webContainerId, webContainerImage } from '../dokku/host-files.js';
import { findLinkedRecord, ownstackReleaseId } from './linking.js';
import { kindForBuildSource, type ReleaseRecord } from './record.js';
import { reconcileRunning, type ReconcileProbes } from './reconcile.js';
import { openStore, type FileReleaseStore } from './store.js';
import { taskCommands, type TaskCommands } from './tasks.js';

// What the release-history triggers share: how they find their app's store and record, and the
// rule that a trigger never breaks a deploy by accident (one warning line, exit 0).

export const nowIso = () => triggerNow().toISOString();

export function reconcileProbes(ctx: Context, app: string): ReconcileProbes {
  return {
    alive: processAlive,
    dokkuBuild: (buildId) => dokkuBuildRecord(ctx, app, buildId),
    dokkuLog: (buildId) => dokkuBuildLog(ctx, app, buildId),
    now: nowIso,
    // the lock of the deploy this trigger belongs to is no sign of a killed promote's Dokku part
    deployLockHeld: () => isFileLocked(ctx.paths.deployLock(app)) && !deployLockIsThisDeploys(ctx, app),
    servingImage: () => webContainerImage(ctx, app, containerImage),
  };
}

/** Opens the store and finishes records whose process is gone (cheap when nothing runs). */
export async function touchStore(ctx: Context, app: string): Promise<FileReleaseStore> {
  const store = openStore(ctx, app);
  // A replayed note is a fact from before now: whether its deploy still runs is judged once every
  // note is recorded (by the start's own trigger or command), or a push killed after its switch
  // would be judged before its post-release-builder's image and phase were written.
  if (store.exists() && triggerScope()?.notedAt === undefined) {
    try {
      // Inside a promote/rollback's own deploy (a trigger it caused), that record is alive by definition.
      const skipId = ownstackReleaseId(app, currentEnv().OWNSTACK_RELEASE);
      await reconcileRunning(store, reconcileProbes(ctx, app), { skipId });
    } catch (error) {
      // A store that cannot be read at all is the caller's error to report, once.
      if (error instanceof UserError) throw error;
      warn(`could not finish abandoned releases of ${app}: ${message(error)}`);
    }
  }
  return store;
}

/** The release tasks of the deploy in progress, from the Procfile and app.json Dokku will use. */
export function deployingTasks(ctx: Context, app: string): TaskCommands {
  const files = deployingFiles(ctx, app);
  return taskCommands(files.procfile, files.appJson);
}

export function deployKeys(ctx: Context) {
  return { ownstackRelease: currentEnv().OWNSTACK_RELEASE, buildId: ctx.env.buildId, dokkuPid: ctx.env.dokkuPid };
}

export function linkedRecord(ctx: Context, store: FileReleaseStore): ReleaseRecord | undefined {
  return findLinkedRecord(store, deployKeys(ctx));
}

/** The record belongs to an ownstack command (promote, rollback), which keeps its own log. */
export function ownedByOwnstackCommand(record: ReleaseRecord): boolean {
  const value = currentEnv().OWNSTACK_RELEASE;
  return value === `${record.app}/${record.id}`;
}

/**
 * The app had never been deployed before this deploy: Dokku runs Heroku's scripts.postdeploy
 * only then (and only once). No current release, no web container and no earlier release that
 * ran it means no earlier deploy we know of.
 */
export function isFirstDeploy(ctx: Context, store: FileReleaseStore, app: string, record?: ReleaseRecord): boolean {
  const current = store.currentId();
  if (current !== undefined && current !== record?.id) return false;
  if (webContainerId(ctx, app) !== undefined) return false;
  const ranBefore = store.findRecent(
    (earlier) => earlier.id !== record?.id && earlier.tasks.some((task) => task.name === 'postdeploy' && task.status !== 'skipped'),
    20,
  );
  return ranBefore === undefined;
}

export function warn(text: string): void {
  log.warn(`ownstack: ${text}`);
}

export function message(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0];
}

/** Runs a trigger's work; any error is one warning line and exit 0, so a deploy never breaks by accident. */
export async function safely(trigger: string, work: () => Promise<void>): Promise<number> {
  try {
    await work();
  } catch (error) {
    warn(`${trigger}: ${message(error)}`);
    if (currentEnv().DOKKU_TRACE && error instanceof Error && error.stack) log.trace(error.stack);
  }
  return 0;
}

/** Trigger arguments carry the app name; an invalid one is not ours to record (thrown, then warned). */
export function appArg(value: string | undefined): string {
  return assertValidAppName(value);
}

/** A release kind whose deploy starts at the release phase (nothing is built). */
export const startsAtRelease = (kind: ReleaseRecord['kind']) => kind === 'config' || kind === 'deploy';

/**
 * The trigger's record; created here when builds-record-start did not create it (ownstack was
 * installed in the middle of the deploy, or that trigger failed), so the history stays whole.
 */
export async function ensureRecord(ctx: Context, store: FileReleaseStore): Promise<ReleaseRecord | undefined> {
  const found = linkedRecord(ctx, store);
  if (found) return found;
  const kind = kindForBuildSource(ctx.env.buildSource);
  if (!kind || !ctx.env.buildId) return undefined;
  return store.create({ kind, build_id: ctx.env.buildId, pid: null, phase: startsAtRelease(kind) ? 'release' : 'build' });
}
