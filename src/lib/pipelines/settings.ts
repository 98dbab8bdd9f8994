import { UserError } from '../output/errors.js';
import { printable } from '../output/log.js';
import { registryProblem } from '../images/reference.js';
import { STAGES, type Pipeline, type PipelinesFile, type Stage, assertPipelineExists, findPipeline } from './model.js';

// Per-pipeline settings (`pipeline:set` / `pipeline:report`), kept in the pipeline's own entry of
// the pipelines file, so they are written atomically with it and go when the pipeline goes.
// One table of keys, each validating its value and giving its default: a later key (a registry,
// review apps) is one more row.

export interface PipelineSettingSpec {
  description: string;
  /** '' when the setting is off unless set. */
  defaultValue: string;
  validate(value: string): string | undefined;
}

const DURATION = /^([1-9][0-9]{0,5})(s|m|h|d)$/;
const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const MAX_DURATION_MS = 366 * UNIT_MS.d;

/** `30s`, `30m`, `2h`, `1d`: milliseconds, or undefined when it is not such a duration. */
export function parseDuration(raw: string): number | undefined {
  const match = DURATION.exec(raw);
  if (!match) return undefined;
  const ms = Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
  return ms <= MAX_DURATION_MS ? ms : undefined;
}

/** A span for people: `1d 2h`, `25m`, `40s` (the two largest units, rounded down). */
export function formatDuration(ms: number): string {
  let seconds = Math.max(0, Math.floor(ms / 1000));
  const parts: string[] = [];
  for (const [unit, size] of [['d', 86_400], ['h', 3_600], ['m', 60], ['s', 1]] as const) {
    if (seconds >= size || (unit === 's' && parts.length === 0)) {
      parts.push(`${Math.floor(seconds / size)}${unit}`);
      seconds %= size;
    }
  }
  return parts.slice(0, 2).join(' ');
}

const duration = (value: string) => (parseDuration(value) !== undefined ? undefined : 'expected a duration such as 30m, 2h or 1d (s, m, h or d; at most 366d)');
const boolean = (value: string) => (value === 'true' || value === 'false' ? undefined : 'expected true or false');
const wholeNumber = (min: number, max: number) => (value: string) =>
  /^[0-9]{1,9}$/.test(value) && Number(value) >= min && Number(value) <= max ? undefined : `expected a whole number from ${min} to ${max}`;
const appName = (value: string) => (/^[a-z0-9][a-z0-9.-]*$/.test(value) && value.length <= 200 ? undefined : 'expected an app name of this host');
const stage = (value: string) => ((STAGES as readonly string[]).includes(value) ? undefined : `expected a stage: one of ${STAGES.join(', ')}`);

export const PIPELINE_SETTINGS = {
  'promote-min-age': {
    description: 'how long the source release must have served before it may be promoted',
    defaultValue: '',
    validate: duration,
  },
  'promote-require-healthy': {
    description: "promote only when the source's running containers pass their health checks now",
    defaultValue: 'false',
    validate: boolean,
  },
  'promote-approval': {
    description: "promotions into this stage wait for another user's pipeline:approve",
    defaultValue: '',
    validate: stage,
  },
  'promote-approval-ttl': {
    description: 'how long a promotion request waits for approval before it expires',
    defaultValue: '24h',
    validate: duration,
  },
  registry: {
    description: 'where images travel to apps on other stacks: host[:port]/namespace (credentials: registry:login on each host)',
    defaultValue: '',
    validate: registryProblem,
  },
  'review-apps': {
    description: 'true: apps:clone of the review-apps parent and review-apps:create make review apps',
    defaultValue: 'false',
    validate: boolean,
  },
  'review-apps-parent': {
    description: "the app review apps are cloned from ('': the staging app, else the production app)",
    defaultValue: '',
    validate: appName,
  },
  'review-apps-limit': {
    description: 'how many review apps the pipeline may have at once',
    defaultValue: '5',
    validate: wholeNumber(1, 1000),
  },
  'review-apps-stale-days': {
    description: "destroy review apps that had no deploy for this many days ('': never)",
    defaultValue: '',
    validate: wholeNumber(1, 3650),
  },
} satisfies Record<string, PipelineSettingSpec>;

export type PipelineSettingKey = keyof typeof PIPELINE_SETTINGS;
export const PIPELINE_SETTING_KEYS = Object.keys(PIPELINE_SETTINGS) as PipelineSettingKey[];

export function assertPipelineSettingKey(key: string | undefined): PipelineSettingKey {
  if (!key) throw new UserError(`Please specify a key: one of ${PIPELINE_SETTING_KEYS.join(', ')}`);
  if (!Object.hasOwn(PIPELINE_SETTINGS, key)) {
    throw new UserError(`Invalid key "${printable(key)}": expected one of ${PIPELINE_SETTING_KEYS.join(', ')}`);
  }
  return key as PipelineSettingKey;
}

export function assertPipelineSettingValue(key: PipelineSettingKey, value: string): string {
  const problem = PIPELINE_SETTINGS[key].validate(value);
  if (problem) throw new UserError(`Invalid ${key} "${printable(value)}": ${problem}`);
  return value;
}

/** A new file with the pipeline's key set to value, or unset (undefined or ''). */
export function setPipelineSetting(file: PipelinesFile, name: string, key: PipelineSettingKey, value: string | undefined): PipelinesFile {
  assertPipelineExists(file, name);
  const next = structuredClone(file);
  const pipeline = findPipeline(next, name)!;
  const settings = { ...(pipeline.settings ?? {}) };
  if (value === undefined || value === '') delete settings[key];
  else settings[key] = assertPipelineSettingValue(key, value);
  if (Object.keys(settings).length > 0) pipeline.settings = settings;
  else delete pipeline.settings;
  return next;
}

/** What the guards read: every key validated. A hand-edited bad value refuses, naming the key,
 * rather than silently turning a guard off. */
export interface PromotionPolicy {
  minAgeMs: number | undefined;
  requireHealthy: boolean;
  approvalStage: Stage | undefined;
  approvalTtlMs: number;
}

/** The stored value of each key ('' when unset), for `pipeline:report`. */
export function storedSettings(pipeline: Pipeline): Record<PipelineSettingKey, string> {
  return Object.fromEntries(PIPELINE_SETTING_KEYS.map((key) => [key, pipeline.settings?.[key] ?? ''])) as Record<PipelineSettingKey, string>;
}

/** The value in force: the stored one, else the default. */
export function computedSetting(pipeline: Pipeline, key: PipelineSettingKey): string {
  const stored = pipeline.settings?.[key];
  if (stored === undefined || stored === '') return PIPELINE_SETTINGS[key].defaultValue;
  const problem = PIPELINE_SETTINGS[key].validate(stored);
  if (problem) throw new UserError(`Pipeline ${pipeline.name} has an invalid ${key} "${printable(stored)}" (${problem}); fix it with pipeline:set ${pipeline.name} ${key} <value>`);
  return stored;
}

export function promotionPolicy(pipeline: Pipeline): PromotionPolicy {
  const minAge = computedSetting(pipeline, 'promote-min-age');
  const approval = computedSetting(pipeline, 'promote-approval');
  return {
    minAgeMs: minAge === '' ? undefined : parseDuration(minAge),
    requireHealthy: computedSetting(pipeline, 'promote-require-healthy') === 'true',
    approvalStage: approval === '' ? undefined : (approval as Stage),
    approvalTtlMs: parseDuration(computedSetting(pipeline, 'promote-approval-ttl'))!,
  };
}
