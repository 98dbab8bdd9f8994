import type { TriggerHandler } from './index.js';
import { refreshDescription } from '../lib/releases/describe.js';
import { sourceFacts } from '../lib/releases/source.js';
import { appArg, linkedRecord, safely, touchStore } from '../lib/releases/trigger-support.js';

// `deploy-source-set APP TYPE METADATA`: the last trigger of a successful git push, git:sync or
// git:from-image. It fills in the source and the SHA; it never decides the status.
const deploySourceSet: TriggerHandler = (ctx, args) =>
  safely('deploy-source-set', async () => {
    const [appRaw, type, metadata] = args;
    const app = appArg(appRaw);
    const store = await touchStore(ctx, app);
    const record = linkedRecord(ctx, store);
    if (!record) return;
    const facts = sourceFacts(type, metadata);
    await store.update(record.id, (draft) => {
      draft.source = facts.source;
      draft.source_metadata = facts.metadata;
      if (facts.sha && !draft.git_sha) draft.git_sha = facts.sha;
      refreshDescription(draft);
    });
  });

export default deploySourceSet;
