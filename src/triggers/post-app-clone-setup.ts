import type { TriggerHandler } from './index.js';
import { UserError } from '../lib/output/errors.js';
import { log } from '../lib/output/log.js';
import { appArg, message, warn } from '../lib/releases/trigger-support.js';
import { joinReviewStageOnClone } from '../lib/review-apps/lifecycle.js';

// `post-app-clone-setup OLD NEW` (apps:clone; the official GitHub Action's review-apps:create runs
// it): a clone of a review-apps pipeline's parent becomes a review app. Its history starts empty:
// the parent's releases are not the clone's (release stores are per app and are not copied).
// Over the pipeline's limit the clone is refused with one line and a non-zero exit, which stops
// apps:clone; any other problem is a warning and leaves the clone as Dokku made it.
const postAppCloneSetup: TriggerHandler = async (ctx, args) => {
  try {
    await joinReviewStageOnClone(ctx, appArg(args[0]), appArg(args[1]));
  } catch (error) {
    if (error instanceof UserError) {
      log.error(error.message);
      return 1;
    }
    warn(`post-app-clone-setup: ${message(error)}`);
  }
  return 0;
};

export default postAppCloneSetup;
