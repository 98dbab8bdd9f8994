import type { TriggerHandler } from './index.js';
import { imageId } from '../lib/dokku/docker.js';
import { log } from '../lib/output/log.js';
import { atDeployPhase } from '../lib/releases/lifecycle.js';
import { deployingTasks, appArg, ensureRecord, isFirstDeploy, message, touchStore, warn } from '../lib/releases/trigger-support.js';

// `post-release-builder TYPE APP IMAGE`: app-json (before us) ran the release task and the
// run-once postdeploy, so the release phase succeeded; the deploy comes next, with this image.
// The one trigger that may stop a deploy: if the record cannot be written at all (a full disk,
// a broken store), the deploy stops here, before the switch, so the history never misses a
// release that serves. In a git push into a store that is there, ours and writable, its shim
// only notes it, with the files it reads as they are then (note-functions); post-deploy's start
// replays it, and a full disk, where the note cannot be written, still starts the binary here.
const postReleaseBuilder: TriggerHandler = async (ctx, args) => {
  const [, appRaw, image] = args;
  let app: string;
  try {
    app = appArg(appRaw);
  } catch (error) {
    warn(`post-release-builder: ${message(error)}`);
    return 0;
  }
  try {
    const store = await touchStore(ctx, app);
    const record = await ensureRecord(ctx, store);
    if (!record) return 0; // not a deploy we track (no build ID and no ownstack release)
    const facts = { commands: deployingTasks(ctx, app), firstDeploy: isFirstDeploy(ctx, store, app, record) };
    const id = image ? ((await imageId(image)) ?? null) : null;
    await store.update(record.id, (draft) => atDeployPhase(draft, facts, id));
    return 0;
  } catch (error) {
    log.error(`ownstack: cannot record the release of ${app}: ${message(error)}`);
    log.error('ownstack: stopping this deploy before the switch, so the release history stays truthful');
    return 1;
  }
};

export default postReleaseBuilder;
