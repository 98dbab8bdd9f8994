import type { TriggerHandler } from './index.js';
import { atReleasePhase } from '../lib/releases/lifecycle.js';
import { deployingTasks, appArg, ensureRecord, isFirstDeploy, safely, touchStore } from '../lib/releases/trigger-support.js';

// `pre-release-builder TYPE APP IMAGE`: app-json (which sorts before us) has run predeploy, so
// the build and predeploy succeeded and the release phase is under way.
const preReleaseBuilder: TriggerHandler = (ctx, args) =>
  safely('pre-release-builder', async () => {
    const [builder, appRaw] = args;
    const app = appArg(appRaw);
    const store = await touchStore(ctx, app);
    const record = await ensureRecord(ctx, store);
    if (!record) return;
    const facts = { commands: deployingTasks(ctx, app), firstDeploy: isFirstDeploy(ctx, store, app, record) };
    await store.update(record.id, (draft) => atReleasePhase(draft, facts, builder || null));
  });

export default preReleaseBuilder;
