import type { Context } from '../context.js';
import { appCreatedAt, appUrl, forgetRunOnceState, runOneOff, setConfigQuietly } from '../dokku/apps.js';
import { readAppConfig } from '../dokku/config.js';
import { containerImage, imageId } from '../dokku/docker.js';
import { deployedFiles, webContainerImage } from '../dokku/host-files.js';
import { log } from '../output/log.js';
import { currentEnv } from '../dokku/trigger-scope.js';
import { addApp, findPipeline, placeOfApp, type Pipeline } from '../pipelines/model.js';
import { readPipelines, updatePipelines } from '../pipelines/store.js';
import { openStore } from '../releases/store.js';
import { nowIso } from '../releases/trigger-support.js';
import { assertUnderLimit, prPredestroyScript, reviewAppsConfig, reviewEnvFromAppJson, reviewPipelineForClone } from './model.js';

// What review apps do at each point of an app's life: a clone joins the review stage, the first
// deploy gets environments.review.env, a destroy runs pr-predestroy first.

/** Set by review-apps:create for the apps:clone it runs: the pipeline the clone joins. */
export const REVIEW_PIPELINE_ENV = 'OWNSTACK_REVIEW_PIPELINE';

export function isReviewApp(ctx: Context, app: string): { pipeline: string } | undefined {
  const place = placeOfApp(readPipelines(ctx.paths), app);
  return place?.stage === 'review' ? { pipeline: place.pipeline } : undefined;
}

/**
 * post-app-clone-setup OLD NEW: a clone of a review-apps pipeline's parent (or the clone
 * review-apps:create asked for) joins the review stage, within the limit, and starts as a new app:
 * no releases of its own yet, and Dokku's run-once markers copied from the parent removed. Any
 * other clone is left exactly as Dokku made it. Returns the pipeline joined.
 */
export async function joinReviewStageOnClone(ctx: Context, parent: string, clone: string): Promise<string | undefined> {
  const requested = currentEnv()[REVIEW_PIPELINE_ENV] || undefined;
  const joined = await updatePipelines(ctx.paths, (file) => {
    const match = reviewPipelineForClone(file.pipelines, parent, requested);
    if (!match) return undefined;
    assertUnderLimit(match.pipeline, match.config);
    return { file: addApp(file, match.pipeline.name, clone, 'review'), result: match.pipeline.name };
  });
  if (!joined) return undefined;
  forgetRunOnceState(ctx, clone);
  log.step(`${clone} is a review app of pipeline ${joined} (from ${parent})`);
  return joined;
}

/**
 * pre-receive-app of a review app that has never been deployed: the app.json being deployed sets
 * its environments.review.env before the build and the release tasks. Keys are named, never values.
 */
export async function applyReviewEnvOnFirstDeploy(ctx: Context, app: string, readAppJson: () => string | null): Promise<void> {
  if (!isReviewApp(ctx, app)) return;
  const store = openStore(ctx, app);
  if (store.exists() && store.currentId() !== undefined) return;
  // Read only now: every push runs this trigger, and most apps are no review app's first deploy.
  const env = reviewEnvFromAppJson(readAppJson());
  const keys = Object.keys(env);
  if (keys.length === 0) return;
  await setConfigQuietly(app, env);
  log.step(`Review app config from app.json environments.review.env: ${keys.join(', ')}`);
}

/**
 * pre-delete of a review app: Heroku's scripts.pr-predestroy, in a one-off container of the
 * app's current image with its config. Its output goes to the terminal; its outcome is added to
 * the current release's events. A failure is reported and never stops the destroy.
 */
export async function runPrPredestroy(ctx: Context, app: string): Promise<void> {
  if (!isReviewApp(ctx, app)) return;
  const script = prPredestroyScript(deployedFiles(ctx, app).appJson);
  if (!script) return;
  const image = (await webContainerImage(ctx, app, containerImage)) ?? (await imageId(`dokku/${app}:latest`));
  if (!image) {
    log.step(`Skipping pr-predestroy of ${app}: it was never deployed, so it has no image`);
    return;
  }
  log.step(`Running pr-predestroy of review app ${app}`);
  let exitCode: number;
  try {
    exitCode = await runOneOff(app, image, await readAppConfig(app, { merged: true }), script);
  } catch (error) {
    log.warn(`pr-predestroy of ${app} could not run: ${(error as Error).message}; destroying the app anyway`);
    return;
  }
  if (exitCode === 0) log.step(`pr-predestroy of ${app} succeeded`);
  else log.warn(`pr-predestroy of ${app} failed (exit ${exitCode}); destroying the app anyway`);
  const store = openStore(ctx, app);
  const currentId = store.exists() ? store.currentId() : undefined;
  if (currentId === undefined) return;
  await store.update(currentId, (record) => {
    record.events.push({ at: nowIso(), what: exitCode === 0 ? 'pr-predestroy' : `pr-predestroy failed (exit ${exitCode})`, who: ctx.env.who });
  });
}

export interface ReviewAppRow {
  name: string;
  source: string | null;
  release: number | null;
  status: string;
  url: string | null;
  created_at: string | null;
  last_deploy_at: string | null;
}

/** One row per review app of the pipeline, for review-apps:list. */
export async function reviewAppRows(ctx: Context, pipeline: Pipeline): Promise<ReviewAppRow[]> {
  return Promise.all(pipeline.stages.review.map(async (app) => {
    const store = openStore(ctx, app);
    const newest = store.exists() ? store.newest(1).records[0] : undefined;
    const currentId = store.exists() ? store.currentId() : undefined;
    const current = currentId === undefined ? undefined : store.get(currentId);
    const shown = current ?? newest;
    return {
      name: app,
      source: shown?.git_sha ?? shown?.source_metadata ?? null,
      release: currentId ?? null,
      status: newest ? newest.status : 'not deployed',
      url: (await appUrl(app)) ?? null,
      created_at: appCreatedAt(ctx, app)?.toISOString() ?? null,
      last_deploy_at: newest?.started_at ?? null,
    };
  }));
}

/** The last sign of life of each review app: its newest deploy attempt, else its creation. */
export function reviewAppActivity(ctx: Context, pipeline: Pipeline) {
  return pipeline.stages.review.map((app) => {
    const store = openStore(ctx, app);
    const newest = store.exists() ? store.newest(1).records[0] : undefined;
    return { app, lastActivity: newest ? new Date(newest.started_at) : appCreatedAt(ctx, app) };
  });
}

export function reviewConfigOf(ctx: Context, pipelineName: string) {
  const pipeline = findPipeline(readPipelines(ctx.paths), pipelineName);
  return pipeline ? { pipeline, config: reviewAppsConfig(pipeline) } : undefined;
}
