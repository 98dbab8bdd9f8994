import type { TriggerHandler } from './index.js';
import { forgetApp } from '../lib/pipelines/lookup.js';
import { openStore } from '../lib/releases/store.js';
import { appArg, message, safely, warn } from '../lib/releases/trigger-support.js';
import { onAppDestroyed } from '../lib/retention/index.js';

// `post-delete APP TAG` (apps:destroy, and the old name in apps:rename): release the images
// kept for the app first (retention reads the store), leave its pipeline, then delete the history.
const postDelete: TriggerHandler = (ctx, args) =>
  safely('post-delete', async () => {
    const app = appArg(args[0]);
    try {
      await onAppDestroyed(ctx, app);
    } catch (error) {
      warn(`could not release the images kept for ${app}: ${message(error)}`);
    }
    try {
      await forgetApp(ctx, app);
    } catch (error) {
      warn(`could not remove ${app} from its pipeline: ${message(error)}`);
    }
    openStore(ctx, app).destroy();
  });

export default postDelete;
