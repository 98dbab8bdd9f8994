import type { Context } from '../context.js';
import { forgetAppIn, placeOfApp, renameAppIn } from './model.js';
import { readPipelines, updatePipelines } from './store.js';

// What the rest of ownstack needs from pipelines: `ownstack:info` shows an app's place, and the
// app lifecycle triggers keep the pipelines in step with apps:destroy and apps:rename.

/** The app's pipeline and stage, or undefined when it is in none. */
export function pipelineOfApp(ctx: Context, app: string): { pipeline: string; stage: string } | undefined {
  return placeOfApp(readPipelines(ctx.paths), app);
}

/** apps:destroy: the app leaves its pipeline (the pipeline stays, even if it is now empty). */
export async function forgetApp(ctx: Context, app: string): Promise<void> {
  // Most destroyed apps are in no pipeline: a lock-free read spares them the lock.
  if (!pipelineOfApp(ctx, app)) return;
  await updatePipelines(ctx.paths, (file) => {
    const next = forgetAppIn(file, app);
    return next ? { file: next, result: undefined } : undefined;
  });
}

/** apps:rename: the app keeps its pipeline and stage under the new name. */
export async function renameApp(ctx: Context, oldApp: string, newApp: string): Promise<void> {
  if (!pipelineOfApp(ctx, oldApp)) return;
  await updatePipelines(ctx.paths, (file) => {
    const next = renameAppIn(file, oldApp, newApp);
    return next ? { file: next, result: undefined } : undefined;
  });
}
