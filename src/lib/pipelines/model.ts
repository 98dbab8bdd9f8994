import * as z from 'zod/mini';
import { UserError } from '../output/errors.js';
import { assertDokkuStyleName } from '../dokku/validate.js';
import { printable } from '../output/log.js';

// The pipeline model (DESIGN.md §2): a name and four stages in Heroku's fixed order, each stage a
// list of existing apps; an app is in at most one pipeline. Everything here is pure: it decides
// on plain values and raises UserError for refusals, so nothing is written when a check fails.

export const STAGES = ['review', 'development', 'staging', 'production'] as const;
export type Stage = (typeof STAGES)[number];

// Same rule as Dokku's app names (validate.ts): a pipeline named after its production app must
// be a valid name, and one rule is easier to remember than two.
const NAME = /^[a-z0-9][a-z0-9.-]*$/;
export const MAX_NAME_LENGTH = 200;

const NameSchema = z.string().check(z.regex(NAME), z.maxLength(MAX_NAME_LENGTH));
// A stage member: an app of this host, or `<app>@<stack>`, an app on another Dokku host.
const MEMBER = /^[a-z0-9][a-z0-9.-]*(?:@[a-z0-9][a-z0-9.-]*)?$/;
const MemberSchema = z.string().check(z.regex(MEMBER), z.maxLength(2 * MAX_NAME_LENGTH + 1));

export const PipelineSchema = z.object({
  name: NameSchema,
  created_at: z.string(),
  // Strict: a hand-added stage would otherwise vanish silently on the next write.
  stages: z.strictObject({
    review: z.array(MemberSchema),
    development: z.array(MemberSchema),
    staging: z.array(MemberSchema),
    production: z.array(MemberSchema),
  }),
  /** `pipeline:set` values by key (settings.ts validates them); absent until one is set. */
  settings: z.optional(z.record(z.string(), z.string())),
});
export type Pipeline = z.infer<typeof PipelineSchema>;

export const PipelinesFileSchema = z
  .object({
    /** 1, or 2 when it holds what 0.1.0 would drop or misread (pipelinesFormat). */
    version: z.union([z.literal(1), z.literal(2)]),
    pipelines: z.array(PipelineSchema),
  })
  .check(z.superRefine((file, issues) => {
    // The invariants the commands keep; a hand edit that breaks them is a corrupt file.
    const names = new Set<string>();
    const owner = new Map<string, string>();
    for (const pipeline of file.pipelines) {
      if (names.has(pipeline.name)) issues.addIssue({ code: 'custom', message: `pipeline ${pipeline.name} appears twice` });
      names.add(pipeline.name);
      for (const stage of STAGES) {
        for (const app of pipeline.stages[stage]) {
          const other = owner.get(app);
          if (other !== undefined) issues.addIssue({ code: 'custom', message: `app ${app} is in more than one place (${other} and ${pipeline.name})` });
          owner.set(app, pipeline.name);
        }
      }
    }
  }));
export type PipelinesFile = z.infer<typeof PipelinesFileSchema>;

/** The public shape of a pipeline (`pipeline:info`/`pipeline:list --format json`), built key by
 * key so a field added to the stored file never reaches the output by accident. */
export function publicPipeline(pipeline: Pipeline) {
  return {
    name: pipeline.name,
    created_at: pipeline.created_at,
    stages: Object.fromEntries(STAGES.map((stage) => [stage, [...pipeline.stages[stage]]])) as Record<Stage, string[]>,
    /** `pipeline:set` values that are set; {} when none. */
    settings: { ...(pipeline.settings ?? {}) },
  };
}

export const emptyPipelines = (): PipelinesFile => ({ version: 1, pipelines: [] });

/**
 * The format a pipelines file must declare: 2 when a pipeline has settings (0.1.0 drops them when
 * it writes the file) or an app on another stack (0.1.0 reads `<app>@<stack>` as corrupt), so that
 * 0.1.0 refuses the file as a whole; 1 otherwise, which 0.1.0 reads and writes without loss.
 */
export function pipelinesFormat(file: Pick<PipelinesFile, 'pipelines'>): 1 | 2 {
  const needs2 = file.pipelines.some(
    (pipeline) => Object.keys(pipeline.settings ?? {}).length > 0 || STAGES.some((stage) => pipeline.stages[stage].some((app) => app.includes('@'))),
  );
  return needs2 ? 2 : 1;
}

export interface AppPlace {
  pipeline: string;
  stage: Stage;
}

// ---- guards on user input ------------------------------------------------------------------

export function assertValidPipelineName(name: string | undefined): string {
  return assertDokkuStyleName('pipeline', name, 'Please specify a pipeline name');
}

export function assertStage(raw: string | undefined): Stage {
  if (!raw) throw new UserError(`Please specify a stage with --stage: one of ${STAGES.join(', ')}`);
  if (!(STAGES as readonly string[]).includes(raw)) {
    throw new UserError(`Invalid stage "${printable(raw)}": expected one of ${STAGES.join(', ')}`);
  }
  return raw as Stage;
}

// ---- queries -------------------------------------------------------------------------------

export function findPipeline(file: PipelinesFile, name: string): Pipeline | undefined {
  return file.pipelines.find((pipeline) => pipeline.name === name);
}

export function placeOfApp(file: PipelinesFile, app: string): AppPlace | undefined {
  for (const pipeline of file.pipelines) {
    for (const stage of STAGES) {
      if (pipeline.stages[stage].includes(app)) return { pipeline: pipeline.name, stage };
    }
  }
  return undefined;
}

export function assertPipelineExists(file: PipelinesFile, name: string): Pipeline {
  const pipeline = findPipeline(file, name);
  if (!pipeline) throw new UserError(`Pipeline ${name} does not exist`);
  return pipeline;
}

export function assertAppInPipeline(file: PipelinesFile, app: string): AppPlace {
  const place = placeOfApp(file, app);
  if (!place) throw new UserError(`App ${app} is not in any pipeline`);
  return place;
}

/** `pipeline:info <pipeline|app>`: a pipeline name wins; otherwise the pipeline holding the app. */
export function resolvePipeline(file: PipelinesFile, pipelineOrApp: string): Pipeline {
  const byName = findPipeline(file, pipelineOrApp);
  if (byName) return byName;
  const place = placeOfApp(file, pipelineOrApp);
  if (place) return findPipeline(file, place.pipeline)!;
  throw new UserError(`No pipeline named ${pipelineOrApp}, and no pipeline holds an app of that name`);
}

export function appsOf(pipeline: Pipeline): { app: string; stage: Stage }[] {
  return STAGES.flatMap((stage) => pipeline.stages[stage].map((app) => ({ app, stage })));
}

/** The first stage after `stage` that holds apps; undefined after the last one. */
export function nextStage(pipeline: Pipeline, stage: Stage): Stage | undefined {
  return STAGES.slice(STAGES.indexOf(stage) + 1).find((later) => pipeline.stages[later].length > 0);
}

// ---- changes (each returns a new file; the input is never modified) --------------------------

function clone(file: PipelinesFile): PipelinesFile {
  return structuredClone(file);
}

function assertAppFree(file: PipelinesFile, app: string): void {
  const place = placeOfApp(file, app);
  if (place) throw new UserError(`App ${app} is already in pipeline ${place.pipeline} (stage ${place.stage}); remove it first with pipeline:remove ${app}`);
}

export function createPipeline(file: PipelinesFile, name: string, productionApp: string, now: string): PipelinesFile {
  if (findPipeline(file, name)) throw new UserError(`Pipeline ${name} already exists`);
  assertAppFree(file, productionApp);
  const next = clone(file);
  next.pipelines.push({
    name,
    created_at: now,
    stages: { review: [], development: [], staging: [], production: [productionApp] },
  });
  next.pipelines.sort((a, b) => a.name.localeCompare(b.name));
  return next;
}

export function addApp(file: PipelinesFile, pipelineName: string, app: string, stage: Stage): PipelinesFile {
  assertPipelineExists(file, pipelineName);
  assertAppFree(file, app);
  const next = clone(file);
  findPipeline(next, pipelineName)!.stages[stage].push(app);
  return next;
}

export function removeApp(file: PipelinesFile, app: string): { file: PipelinesFile; place: AppPlace } {
  const place = assertAppInPipeline(file, app);
  const next = clone(file);
  const pipeline = findPipeline(next, place.pipeline)!;
  pipeline.stages[place.stage] = pipeline.stages[place.stage].filter((member) => member !== app);
  return { file: next, place };
}

export function destroyPipeline(file: PipelinesFile, name: string): PipelinesFile {
  assertPipelineExists(file, name);
  const next = clone(file);
  next.pipelines = next.pipelines.filter((pipeline) => pipeline.name !== name);
  return next;
}

/** apps:destroy: the app leaves its pipeline; no pipeline is not an error. */
export function forgetAppIn(file: PipelinesFile, app: string): PipelinesFile | undefined {
  return placeOfApp(file, app) ? removeApp(file, app).file : undefined;
}

/** apps:rename: the app keeps its place under its new name. */
export function renameAppIn(file: PipelinesFile, oldApp: string, newApp: string): PipelinesFile | undefined {
  const place = placeOfApp(file, oldApp);
  if (!place) return undefined;
  assertAppFree(file, newApp);
  const next = clone(file);
  const pipeline = findPipeline(next, place.pipeline)!;
  pipeline.stages[place.stage] = pipeline.stages[place.stage].map((member) => (member === oldApp ? newApp : member));
  return next;
}

// ---- promotion -----------------------------------------------------------------------------

export interface PromotionPlan {
  pipeline: string;
  source: string;
  sourceStage: Stage;
  targets: { app: string; stage: Stage }[];
}

/**
 * Heroku's rule: without --to, every app of the next non-empty stage; with --to, any apps of the
 * same pipeline except the source. Duplicates in --to are folded, so no target deploys twice.
 */
export function promotionTargets(file: PipelinesFile, source: string, to?: string[]): PromotionPlan {
  const place = assertAppInPipeline(file, source);
  const pipeline = findPipeline(file, place.pipeline)!;
  // As on Heroku, review apps are neither promoted from nor promoted to.
  if (place.stage === 'review') throw new UserError(`App ${source} is a review app of pipeline ${pipeline.name}; review apps cannot be promoted`);
  if (to === undefined) {
    const stage = nextStage(pipeline, place.stage);
    if (!stage) {
      throw new UserError(
        `App ${source} is in the last stage (${place.stage}) of pipeline ${pipeline.name} with apps; there is nothing to promote to (use --to <app> to name targets)`,
      );
    }
    return { pipeline: pipeline.name, source, sourceStage: place.stage, targets: pipeline.stages[stage].map((app) => ({ app, stage })) };
  }
  const unique = [...new Set(to)];
  if (unique.length === 0) throw new UserError('Please specify at least one app with --to');
  const targets = unique.map((app) => {
    if (app === source) throw new UserError(`Cannot promote ${source} to itself`);
    const targetPlace = placeOfApp(file, app);
    if (!targetPlace || targetPlace.pipeline !== pipeline.name) {
      throw new UserError(`App ${app} is not in pipeline ${pipeline.name}; --to apps must be in the same pipeline as ${source}`);
    }
    if (targetPlace.stage === 'review') throw new UserError(`App ${app} is a review app of pipeline ${pipeline.name}; review apps cannot be promotion targets`);
    return { app, stage: targetPlace.stage };
  });
  return { pipeline: pipeline.name, source, sourceStage: place.stage, targets };
}

/** Commander's accumulator for a repeatable `--to`: every occurrence is kept. */
export function collectTargets(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** `--to a,b` (also `--to a --to b`): split, trimmed, empty parts refused. */
export function parseTargetList(values: string[]): string[] {
  const parts = values.flatMap((value) => value.split(','));
  if (parts.some((part) => part.trim() === '')) throw new UserError('Invalid --to: expected app names separated by commas');
  return parts.map((part) => part.trim());
}
