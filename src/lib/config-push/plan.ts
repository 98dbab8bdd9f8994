import { UserError } from '../output/errors.js';
import { STAGES, type Pipeline, type Stage } from '../pipelines/model.js';

// What a config push will do, decided on plain values: which apps, in which order, and per app
// which keys are added, changed or left as they are. Only key names ever leave this module.

export interface PushTarget {
  app: string;
  /** The app's stage when it is in a pipeline. */
  stage?: Stage;
}

/** Every app of a pipeline (or of one stage), development first, production last. */
export function pipelineTargets(pipeline: Pipeline, stage: Stage | undefined): PushTarget[] {
  const stages = stage ? [stage] : STAGES;
  const targets = stages.flatMap((s) => pipeline.stages[s].map((app) => ({ app, stage: s })));
  if (targets.length === 0) {
    throw new UserError(stage ? `Pipeline ${pipeline.name} has no apps in its ${stage} stage` : `Pipeline ${pipeline.name} has no apps`);
  }
  return targets;
}

/**
 * Apps named on the command line, in stage order: apps in no pipeline first, then review,
 * development, staging, production; the given order within each.
 */
export function orderTargets(targets: PushTarget[]): PushTarget[] {
  const seen = new Set<string>();
  for (const target of targets) {
    if (seen.has(target.app)) throw new UserError(`App ${target.app} is named twice`);
    seen.add(target.app);
  }
  const rank = (target: PushTarget) => (target.stage ? STAGES.indexOf(target.stage) : -1);
  return targets
    .map((target, index) => ({ target, index }))
    .sort((a, b) => rank(a.target) - rank(b.target) || a.index - b.index)
    .map(({ target }) => target);
}

export interface ConfigDiff {
  added: string[];
  changed: string[];
  unchanged: string[];
}

export function diffConfig(current: Record<string, string>, wanted: Map<string, string>): ConfigDiff {
  const diff: ConfigDiff = { added: [], changed: [], unchanged: [] };
  for (const [key, value] of wanted) {
    if (!Object.hasOwn(current, key)) diff.added.push(key);
    else if (current[key] !== value) diff.changed.push(key);
    else diff.unchanged.push(key);
  }
  return diff;
}

export const hasChanges = (diff: ConfigDiff) => diff.added.length + diff.changed.length > 0;

/** `added: A, B; changed: C; unchanged: D` (names only). */
export function diffLine(diff: ConfigDiff): string {
  const parts = (['added', 'changed', 'unchanged'] as const)
    .filter((kind) => diff[kind].length > 0)
    .map((kind) => `${kind}: ${diff[kind].join(', ')}`);
  return parts.join('; ');
}

/** The keys to set: only those that change, so an unchanged app gets no release at all. */
export function keysToSet(diff: ConfigDiff): string[] {
  return [...diff.added, ...diff.changed];
}

export type PushOutcome =
  | { app: string; result: 'unchanged' }
  | { app: string; result: 'set'; releaseId?: number; restarted: boolean }
  | { app: string; result: 'failed'; releaseId?: number; reason: string }
  | { app: string; result: 'skipped' };

export function outcomeLine(outcome: PushOutcome): string {
  switch (outcome.result) {
    case 'unchanged':
      return `${outcome.app}: unchanged`;
    case 'set':
      if (!outcome.restarted) return `${outcome.app}: changed (not restarted)`;
      return `${outcome.app}: changed${outcome.releaseId ? `, deployed as v${outcome.releaseId}` : ' (not deployed yet, no release)'}`;
    case 'failed':
      return `${outcome.app}: FAILED${outcome.releaseId ? ` (v${outcome.releaseId})` : ''}: ${outcome.reason}`;
    case 'skipped':
      return `${outcome.app}: untouched (the push stopped before it)`;
  }
}
