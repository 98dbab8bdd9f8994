import { UserError } from '../output/errors.js';
import { printable } from '../output/log.js';
import type { Pipeline } from '../pipelines/model.js';
import { computedSetting } from '../pipelines/settings.js';
import { dokkuWouldChange } from '../config-push/stored-value.js';

// Review apps (Heroku's): one app per pull request in a pipeline's `review` stage, cloned from
// the pipeline's parent app. Pure decisions on plain values; the commands and triggers act.

export interface ReviewAppsConfig {
  enabled: boolean;
  /** The app review apps are cloned from; undefined when the pipeline has no app to clone. */
  parent: string | undefined;
  limit: number;
  /** undefined: review apps never go stale. */
  staleDays: number | undefined;
}

/** The pipeline's review-app settings (pipeline:set) in force. */
export function reviewAppsConfig(pipeline: Pipeline): ReviewAppsConfig {
  const local = (apps: string[]) => apps.find((app) => !app.includes('@'));
  const parent = computedSetting(pipeline, 'review-apps-parent');
  const staleDays = computedSetting(pipeline, 'review-apps-stale-days');
  return {
    enabled: computedSetting(pipeline, 'review-apps') === 'true',
    // Review apps are cloned on this host: the parent is a local app, never one on another stack.
    parent: parent || local(pipeline.stages.staging) || local(pipeline.stages.production),
    limit: Number(computedSetting(pipeline, 'review-apps-limit')),
    staleDays: staleDays === '' ? undefined : Number(staleDays),
  };
}

/** review-apps:create's checks, all before anything is created. Returns the app to clone. */
export function assertCanCreateReviewApp(pipeline: Pipeline, config: ReviewAppsConfig, from: string | undefined): string {
  if (!config.enabled) {
    throw new UserError(`Review apps are not enabled for pipeline ${pipeline.name}; enable them with pipeline:set ${pipeline.name} review-apps true`);
  }
  assertUnderLimit(pipeline, config);
  const parent = from ?? config.parent;
  if (!parent) throw new UserError(`Pipeline ${pipeline.name} has no staging or production app to clone review apps from; set review-apps-parent`);
  if (from !== undefined) {
    const inPipeline = (['development', 'staging', 'production'] as const).some((stage) => pipeline.stages[stage].includes(from));
    if (!inPipeline) throw new UserError(`App ${from} is not a development, staging or production app of pipeline ${pipeline.name}; --from must be one`);
  }
  return parent;
}

export function assertUnderLimit(pipeline: Pipeline, config: ReviewAppsConfig): void {
  if (pipeline.stages.review.length >= config.limit) {
    throw new UserError(
      `Pipeline ${pipeline.name} already has ${pipeline.stages.review.length} review apps, its limit (review-apps-limit ${config.limit}); destroy one first`,
    );
  }
}

/**
 * The pipeline whose review apps a clone of `parent` becomes one of: the one named by
 * review-apps:create, else the review-apps-enabled pipeline whose parent app it is.
 */
export function reviewPipelineForClone(
  pipelines: Pipeline[],
  parent: string,
  requested: string | undefined,
): { pipeline: Pipeline; config: ReviewAppsConfig } | undefined {
  for (const pipeline of pipelines) {
    const config = reviewAppsConfig(pipeline);
    if (requested !== undefined ? pipeline.name === requested : config.enabled && config.parent === parent) return { pipeline, config };
  }
  return undefined;
}

/**
 * Heroku's app.json `environments.review.env`: each value a string, or an object with `value`.
 * Keys must be valid environment names; anything else makes the app.json invalid.
 */
export function reviewEnvFromAppJson(appJson: string | null): Record<string, string> {
  if (!appJson) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(appJson);
  } catch {
    throw new UserError('app.json is not valid JSON; cannot read environments.review.env');
  }
  const env = (parsed as { environments?: { review?: { env?: unknown } } })?.environments?.review?.env;
  if (env === undefined || env === null) return {};
  if (typeof env !== 'object' || Array.isArray(env)) throw new UserError('app.json environments.review.env must be an object');
  const result: Record<string, string> = {};
  for (const [key, raw] of Object.entries(env)) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) throw new UserError(`app.json environments.review.env has an invalid key "${printable(key)}"`);
    const value = typeof raw === 'object' && raw !== null && 'value' in raw ? (raw as { value: unknown }).value : raw;
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
      throw new UserError(`app.json environments.review.env.${key} must be a string, or an object with a string "value"`);
    }
    const changed = dokkuWouldChange(String(value));
    if (changed) throw new UserError(`app.json environments.review.env.${key}: the value ${changed}`);
    result[key] = String(value);
  }
  return result;
}

/** Heroku's app.json `scripts["pr-predestroy"]`, if any. */
export function prPredestroyScript(appJson: string | null): string | undefined {
  if (!appJson) return undefined;
  try {
    const script = (JSON.parse(appJson) as { scripts?: Record<string, unknown> })?.scripts?.['pr-predestroy'];
    return typeof script === 'string' && script.trim() !== '' ? script : undefined;
  } catch {
    return undefined;
  }
}

export interface ReviewAppActivity {
  app: string;
  /** The newest deploy attempt's start, else the app's creation. */
  lastActivity: Date | undefined;
}

/** Review apps with no deploy for `days` days at `now`; an app with no known time is kept. */
export function staleReviewApps(apps: ReviewAppActivity[], days: number, now: Date): string[] {
  const cutoff = now.getTime() - days * 86_400_000;
  return apps.filter((app) => app.lastActivity !== undefined && app.lastActivity.getTime() <= cutoff).map((app) => app.app);
}

/**
 * Dokku's cron-entries line: `SCHEDULE;COMMAND;LOGFILE` (the docker-local cron appends the
 * command's output to LOGFILE). No field may hold a `;` or a newline.
 */
export function cronEntry(schedule: string, command: string, logFile: string): string {
  for (const field of [schedule, command, logFile]) {
    if (/[;\n]/.test(field)) throw new Error(`a cron entry field cannot contain ';' or a newline: ${printable(field)}`);
  }
  return `${schedule};${command};${logFile}`;
}
