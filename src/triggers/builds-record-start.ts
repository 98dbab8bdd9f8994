import type { TriggerHandler } from './index.js';
import { ownstackReleaseId } from '../lib/releases/linking.js';
import { currentEnv, triggerScope } from '../lib/dokku/trigger-scope.js';
import { deployedByOwnstack, kindForBuildSource, redeployOutsideDeployLock } from '../lib/releases/record.js';
import { holdDeployLockForRedeploy } from '../lib/dokku/redeploy-lock.js';
import { isDokkuBuildId } from '../lib/dokku/host-files.js';
import { settingNumber } from '../lib/settings/settings.js';
import { CONFIG_KEYS_ENV, configKeysFromEnv } from '../lib/releases/describe.js';
import { recoverInterruptedRelease } from '../lib/deploy/release-image.js';
import { appArg, safely, startsAtRelease, touchStore, warn } from '../lib/releases/trigger-support.js';

// `builds-record-start APP BUILD_ID PID SOURCE`: Dokku starts a deploy attempt. A new running
// record, its kind from SOURCE; PID is the script that lives through the whole deploy, so its
// death without a result means the attempt failed. ps:restart is no release (post-deploy adds
// an event to the current one instead).
const buildsRecordStart: TriggerHandler = (ctx, args) =>
  safely('builds-record-start', async () => {
    const [appRaw, buildId, pidRaw, source] = args;
    const app = appArg(appRaw);
    const own = ownstackReleaseId(app, currentEnv().OWNSTACK_RELEASE);
    const replayed = triggerScope()?.notedAt !== undefined;
    const pid = /^[1-9][0-9]{0,9}$/.test(pidRaw ?? '') ? Number(pidRaw) : null;
    // A redeploy Dokku runs without its deploy lock waits for it here, before anything of it is
    // recorded or latest is touched (redeploy-lock.ts has why); ownstack's own deploys hold it.
    if (own === undefined && !replayed && redeployOutsideDeployLock(source) && isDokkuBuildId(buildId) && pid !== null) {
      const waitSeconds = settingNumber(ctx.paths, app, 'lock-wait');
      const outcome = await holdDeployLockForRedeploy(ctx, app, { buildId, deployPid: pid, waitSeconds });
      if (!outcome.held) warn(`${outcome.reason}; redeploying ${app} without the deploy lock, as Dokku does`);
    }
    const store = await touchStore(ctx, app);
    // A promote, rollback or image deploy killed half-way can leave dokku/APP:latest on an image that never
    // served, whoever noticed the kill first; this deploy (ps:restart, config:set) is about to
    // deploy latest, so while the newest attempt that could have moved latest is such a failure
    // (a build that failed moved nothing), point latest at what serves. A git push builds its own
    // latest: its shim only notes this trigger (note-functions), and a replayed note, which may
    // come after the build, never moves latest.
    const newest = store.findRecent((record) => !(record.status === 'failed' && record.phase === 'build'), 20);
    if (!replayed && newest && deployedByOwnstack(newest) && newest.status === 'failed') {
      await recoverInterruptedRelease(ctx, app);
    }

    // ownstack's own promote/rollback made the record already; link it to Dokku's build.
    if (own !== undefined) {
      await store.update(own, (record) => {
        if (buildId) record.build_id = buildId;
      });
      return;
    }

    const kind = kindForBuildSource(source);
    if (!kind) return;
    if (buildId && store.findByBuildId(buildId)) return; // fired again for the same deploy

    // A redeploy of the same code (config:set, release-and-deploy) builds nothing: it carries
    // the current release's SHA and builder.
    let inherited: { git_sha?: string | null; builder?: string | null } = {};
    if (startsAtRelease(kind)) {
      const currentId = store.currentId();
      const current = currentId !== undefined ? safeGet(() => store.get(currentId)) : undefined;
      if (current) inherited = { git_sha: current.git_sha, builder: current.builder };
    }
    const configKeys = kind === 'config' ? configKeysFromEnv(currentEnv()[CONFIG_KEYS_ENV]) : null;
    // replayed from a note, the PID's start time is the one read when the trigger fired
    const pidStart = triggerScope()?.notedPidStart;
    await store.create({ kind, build_id: buildId || null, pid, ...(pid !== null && pidStart ? { pid_start: pidStart } : {}), phase: startsAtRelease(kind) ? 'release' : 'build', ...inherited, config_keys: configKeys });
  });

function safeGet<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch {
    return undefined;
  }
}

export default buildsRecordStart;
