import type { TriggerHandler } from './index.js';
import { renameApp } from '../lib/pipelines/lookup.js';
import { openStore } from '../lib/releases/store.js';
import { appArg, message, safely, warn } from '../lib/releases/trigger-support.js';
import { onAppRenamed } from '../lib/retention/index.js';

// `post-app-rename-setup OLD NEW`: the history moves with the app (records keep their IDs),
// then the pipelines and the retained images follow. Dokku destroys OLD right after this, so
// post-delete finds no store of OLD left to remove.
const postAppRenameSetup: TriggerHandler = (ctx, args) =>
  safely('post-app-rename-setup', async () => {
    const oldApp = appArg(args[0]);
    const newApp = appArg(args[1]);
    openStore(ctx, oldApp).moveTo(ctx.paths.ownstackApp(newApp));
    try {
      await renameApp(ctx, oldApp, newApp);
    } catch (error) {
      warn(`could not move ${oldApp} to ${newApp} in its pipeline: ${message(error)}`);
    }
    await onAppRenamed(ctx, oldApp, newApp);
  });

export default postAppRenameSetup;
