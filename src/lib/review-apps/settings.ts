import fs from 'node:fs';
import path from 'node:path';
import * as z from 'zod/mini';
import writeFileAtomic from 'write-file-atomic';
import type { DokkuPaths } from '../dokku/env.js';
import { acquireFileLock } from '../dokku/lock.js';
import { assertValidAppName } from '../dokku/validate.js';
import { UserError } from '../output/errors.js';
import { printable } from '../output/log.js';

// Per-pipeline review-app settings, set with `pipeline:set <pipeline> <key> [<value>]`. A
// validated key table: each key checks its value and has a default; no value clears the key.
// They live in their own file (data/ownstack/.review-apps.json, owner-only, atomic writes under
// their own lock), so the pipelines file and its schema stay as they are.

export interface PipelineSettingSpec {
  description: string;
  /** Shown by pipeline:report when unset. */
  defaultLabel: string;
  /** The value as stored, or a UserError. */
  validate(value: string): string;
}

const wholeNumber = (key: string, min: number, max: number) => (value: string) => {
  if (!/^[0-9]{1,9}$/.test(value) || Number(value) < min || Number(value) > max) {
    throw new UserError(`Invalid ${key} "${printable(value)}": expected a whole number from ${min} to ${max}`);
  }
  return String(Number(value));
};

export const DEFAULT_REVIEW_APPS_LIMIT = 5;

export const PIPELINE_SETTINGS = {
  'review-apps': {
    description: 'true: apps:clone of the parent and review-apps:create make review apps',
    defaultLabel: 'false',
    validate: (value: string) => {
      if (value !== 'true' && value !== 'false') throw new UserError(`Invalid review-apps "${printable(value)}": expected true or false`);
      return value;
    },
  },
  'review-apps-parent': {
    description: 'the app review apps are cloned from',
    defaultLabel: 'the staging app, else the production app',
    validate: (value: string) => assertValidAppName(value),
  },
  'review-apps-limit': {
    description: 'how many review apps the pipeline may have at once',
    defaultLabel: String(DEFAULT_REVIEW_APPS_LIMIT),
    validate: wholeNumber('review-apps-limit', 1, 1000),
  },
  'review-apps-stale-days': {
    description: 'destroy review apps that had no deploy for this many days',
    defaultLabel: 'never',
    validate: wholeNumber('review-apps-stale-days', 1, 3650),
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

const ValuesSchema = z.partialRecord(z.enum(PIPELINE_SETTING_KEYS as [PipelineSettingKey, ...PipelineSettingKey[]]), z.string());
const SettingsFileSchema = z.object({ version: z.literal(1), pipelines: z.record(z.string(), ValuesSchema) });
export type PipelineSettingValues = Partial<Record<PipelineSettingKey, string>>;
type SettingsFile = { version: 1; pipelines: Record<string, PipelineSettingValues> };

function settingsFile(paths: DokkuPaths): string {
  return path.join(paths.ownstackRoot, '.review-apps.json');
}

function readFile(paths: DokkuPaths): SettingsFile {
  const file = settingsFile(paths);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { version: 1, pipelines: {} };
    throw new UserError(`Cannot read ${file}: ${(error as Error).message}`);
  }
  let parsed;
  try {
    parsed = SettingsFileSchema.safeParse(JSON.parse(text));
  } catch (error) {
    throw new UserError(`The review-apps settings file ${file} is corrupt (not JSON: ${(error as Error).message}); fix or remove it`);
  }
  if (!parsed.success) throw new UserError(`The review-apps settings file ${file} is corrupt (${parsed.error.issues[0].message}); fix or remove it`);
  return parsed.data as SettingsFile;
}

/** The pipeline's stored values (unset keys are absent). */
export function readPipelineSettings(paths: DokkuPaths, pipeline: string): PipelineSettingValues {
  return readFile(paths).pipelines[pipeline] ?? {};
}

export function allPipelineSettings(paths: DokkuPaths): Record<string, PipelineSettingValues> {
  return readFile(paths).pipelines;
}

/** Sets (or, with no value, clears) one key of one pipeline. */
export async function writePipelineSetting(paths: DokkuPaths, pipeline: string, key: PipelineSettingKey, value: string | undefined) {
  await updateSettings(paths, (file) => {
    const values = { ...(file.pipelines[pipeline] ?? {}) };
    if (value === undefined || value === '') delete values[key];
    else values[key] = value;
    if (Object.keys(values).length === 0) delete file.pipelines[pipeline];
    else file.pipelines[pipeline] = values;
  });
}

/** pipeline:destroy: a pipeline made later under the same name starts with the defaults. */
export async function forgetPipelineSettings(paths: DokkuPaths, pipeline: string) {
  if (!Object.hasOwn(allPipelineSettings(paths), pipeline)) return;
  await updateSettings(paths, (file) => {
    delete file.pipelines[pipeline];
  });
}

async function updateSettings(paths: DokkuPaths, change: (file: SettingsFile) => void) {
  fs.mkdirSync(paths.ownstackRoot, { recursive: true, mode: 0o700 });
  const lock = await acquireFileLock(path.join(paths.ownstackRoot, '.review-apps.lock'), { waitSeconds: 30, what: 'The review-apps settings file', heldBy: 'another pipeline:set' });
  try {
    const file = readFile(paths);
    change(file);
    await writeFileAtomic(settingsFile(paths), `${JSON.stringify(SettingsFileSchema.parse(file), null, 2)}\n`, { mode: 0o600, fsync: true });
  } finally {
    lock.release();
  }
}
