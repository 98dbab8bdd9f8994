import type { TriggerHandler } from './index.js';
import { atGitRevision } from '../lib/releases/lifecycle.js';
import { appArg, ensureRecord, message, safely, touchStore, warn } from '../lib/releases/trigger-support.js';
import { applyReviewEnvOnFirstDeploy } from '../lib/review-apps/lifecycle.js';
import { readSourceFile } from '../lib/dokku/host-files.js';

// `pre-receive-app APP BUILDER DIR REV`: the commit being built and the builder that builds it.
// (GIT_REV is not a reliable source: Dokku sets it before the build and never reverts it.)
// A review app's first deploy first takes its app.json environments.review.env (before the build).
const preReceiveApp: TriggerHandler = (ctx, args) =>
  safely('pre-receive-app', async () => {
    const [appRaw, builder, dir, rev] = args;
    const app = appArg(appRaw);
    // A review env that cannot be applied is warned about; the record below is made all the same.
    await applyReviewEnvOnFirstDeploy(ctx, app, () => (dir ? readSourceFile(dir, 'app.json') : null))
      .catch((error: unknown) => warn(`pre-receive-app: ${message(error)}`));
    const store = await touchStore(ctx, app);
    const record = await ensureRecord(ctx, store);
    if (!record) return;
    const sha = /^[0-9a-f]{40}$/.test(rev ?? '') ? rev : null;
    await store.update(record.id, (draft) => atGitRevision(draft, builder || null, sha));
  });

export default preReceiveApp;
