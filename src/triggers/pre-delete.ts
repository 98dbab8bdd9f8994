import type { TriggerHandler } from './index.js';
import { appArg, safely } from '../lib/releases/trigger-support.js';
import { runPrPredestroy } from '../lib/review-apps/lifecycle.js';

// `pre-delete APP TAG` (apps:destroy, while the app's image and config still exist): a review
// app's app.json scripts.pr-predestroy runs first. Always exit 0: a non-zero exit would stop
// Dokku's destroy, and a failing pr-predestroy must not keep the app alive (as on Heroku).
const preDelete: TriggerHandler = (ctx, args) => safely('pre-delete', () => runPrPredestroy(ctx, appArg(args[0])));

export default preDelete;
