import type { TriggerHandler } from './index.js';
import { containerImage, imageId } from '../lib/dokku/docker.js';
import { deployedFiles, webContainerImage } from '../lib/dokku/host-files.js';
import { atSucceeded } from '../lib/releases/lifecycle.js';
import { sourceAtSuccess } from '../lib/releases/source.js';
import { onReleaseSucceeded } from '../lib/retention/index.js';
import { finalizedByDokku } from '../lib/releases/record.js';
import { releaseRedeployLock } from '../lib/dokku/redeploy-lock.js';
import { settingNumber } from '../lib/settings/settings.js';
import type { Context } from '../lib/context.js';
import type { FileReleaseStore } from '../lib/releases/store.js';
import { deployingTasks, appArg, isFirstDeploy, linkedRecord, message, nowIso, safely, touchStore, warn } from '../lib/releases/trigger-support.js';

// `post-deploy APP "" "" TAG`: the new containers serve, and scripts.dokku.postdeploy (app-json
// runs before us) succeeded. The release succeeded: keep the Procfile and app.json it deployed
// (core-post-deploy has just promoted them) for promote and rollback, record the image that
// serves, make it current and let retention hold its image. A ps:restart (or `dokku deploy`)
// has no record of its own: it becomes an event on the current release.
const postDeploy: TriggerHandler = (ctx, args) =>
  safely('post-deploy', async () => {
    const [appRaw, , , tag] = args;
    const app = appArg(appRaw);
    try {
      await recordSuccess(ctx, app, tag);
    } finally {
      // A ps:restart or ps:start waited for the deploy lock at its start (redeploy-lock.ts); Dokku
      // never finalizes them, so they let go of it here, their last trigger on success.
      const { buildId, buildSource } = ctx.env;
      if (buildId && !finalizedByDokku(buildSource)) releaseRedeployLock(ctx, app, buildId);
    }
  });

async function recordSuccess(ctx: Context, app: string, tag: string | undefined): Promise<void> {
  const store = await touchStore(ctx, app);
  const record = linkedRecord(ctx, store);
  if (!record || record.status !== 'running') {
    if (!record) await addRestartEvent(ctx, store);
    return;
  }

  const facts = { commands: deployingTasks(ctx, app), firstDeploy: isFirstDeploy(ctx, store, app, record) };
  const serving = await servingImageId(ctx, app, tag);
  const succeeded = await store.update(record.id, (draft) => {
    atSucceeded(draft, facts, serving ?? null, nowIso());
    const known = draft.source === null ? sourceAtSuccess(ctx.env.buildSource, draft.git_sha) : undefined;
    if (known) {
      draft.source = known.source;
      draft.source_metadata = known.metadata;
    }
  });
  await store.writeSnapshot(succeeded.id, deployedFiles(ctx, app));
  await store.setCurrent(succeeded.id);

  try {
    await onReleaseSucceeded(ctx, store, succeeded);
  } catch (error) {
    warn(`could not keep the image of ${app} v${succeeded.id} for rollback: ${message(error)}`);
  }
  try {
    await store.pruneLogs(settingNumber(ctx.paths, app, 'retention'));
  } catch (error) {
    warn(`could not prune old deploy logs of ${app}: ${message(error)}`);
  }
}

/** The image the web container runs; without a web process, what the deployed tag names. */
async function servingImageId(ctx: Context, app: string, tag: string | undefined): Promise<string | undefined> {
  return (await webContainerImage(ctx, app, containerImage)) ?? (await imageId(`dokku/${app}:${tag || 'latest'}`));
}

async function addRestartEvent(ctx: Context, store: FileReleaseStore): Promise<void> {
  const currentId = store.currentId();
  if (currentId === undefined) return;
  const source = ctx.env.buildSource;
  const what = source === 'ps:restart' ? 'restart' : source === 'ps:start' ? 'start' : 'deploy';
  await store.update(currentId, (current) => {
    current.events.push({ at: nowIso(), what, who: ctx.env.who });
  });
}

// Its writes to the app's store take the store's lock once, together with the replay of the
// push's notes before it (src/triggers/index.ts): it starts no process but docker, which never
// wants that lock. A push's one start of the binary thus takes one `flock` for the app's store.
export const keepsStoreLocks = true;

export default postDeploy;
