import type { TriggerHandler } from './index.js';
import { containerImage } from '../lib/dokku/docker.js';
import { ownstackReleaseId } from '../lib/releases/linking.js';
import { currentEnv, triggerScope } from '../lib/dokku/trigger-scope.js';
import { releaseRedeployLock } from '../lib/dokku/redeploy-lock.js';
import type { Context } from '../lib/context.js';
import { deployedFiles, dokkuBuildLog, webContainerImage } from '../lib/dokku/host-files.js';
import { atFailed } from '../lib/releases/lifecycle.js';
import { deployingTasks, appArg, isFirstDeploy, nowIso, ownedByOwnstackCommand, safely, touchStore } from '../lib/releases/trigger-support.js';

// `builds-record-finalize APP BUILD_ID EXIT`: fired by release_and_deploy (and once more,
// idempotently, for git deploys). Keeps our compressed copy of the deploy log (Dokku keeps only
// 20 builds) and, on a non-zero exit, fails the record at the phase it reached. When the new
// image already serves, scripts.dokku.postdeploy failed after the switch: that release is live.
const buildsRecordFinalize: TriggerHandler = (ctx, args) =>
  safely('builds-record-finalize', async () => {
    const [appRaw, buildId, exitRaw] = args;
    const app = appArg(appRaw);
    try {
      await recordOutcome(ctx, app, buildId, exitRaw);
    } finally {
      // a redeploy that waited for the deploy lock at its start lets go of it once it is recorded
      if (buildId && triggerScope()?.notedAt === undefined) releaseRedeployLock(ctx, app, buildId);
    }
  });

async function recordOutcome(ctx: Context, app: string, buildId: string | undefined, exitRaw: string | undefined): Promise<void> {
  const store = await touchStore(ctx, app);
  const own = ownstackReleaseId(app, currentEnv().OWNSTACK_RELEASE);
  const record = own !== undefined ? store.get(own) : buildId ? store.findByBuildId(buildId) : undefined;
  if (!record) return;

  // promote/rollback keep their own output as the log; everything else keeps Dokku's.
  if (!ownedByOwnstackCommand(record)) {
    const log = dokkuBuildLog(ctx, app, buildId || record.build_id, ctx.env.buildLogFile);
    if (log) {
      const logPath = await store.writeLog(record.id, log);
      if (record.log !== logPath) await store.update(record.id, (draft) => void (draft.log = logPath));
    }
  }

  const exitCode = /^-?[0-9]{1,4}$/.test(exitRaw ?? '') ? Number(exitRaw) : 1;
  if (exitCode === 0) {
    // Released but not deployed (ps skip-deploy): the attempt succeeded without serving.
    if (record.status === 'running') {
      await store.update(record.id, (draft) => {
        if (draft.status !== 'running') return;
        draft.status = 'succeeded';
        draft.finished_at = nowIso();
      });
    }
    return;
  }
  if (record.status === 'failed') return;

  const serving = await webContainerImage(ctx, app, containerImage);
  const facts = {
    commands: deployingTasks(ctx, app),
    firstDeploy: isFirstDeploy(ctx, store, app, record),
    exitCode,
    newImageServes: Boolean(record.image_id && serving === record.image_id),
  };
  let live = false;
  const failed = await store.update(record.id, (draft) => {
    live = atFailed(draft, facts, nowIso()).live;
  });
  if (live) {
    await store.writeSnapshot(failed.id, deployedFiles(ctx, app));
    await store.setCurrent(failed.id);
  }
}

export default buildsRecordFinalize;
