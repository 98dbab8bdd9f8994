import { UserError } from '../output/errors.js';
import type { ReleaseRecord } from '../releases/record.js';

// Rollback decisions, pure: which release to go back to, what refuses, what to warn about.

export interface RollbackChoice {
  target: ReleaseRecord;
  /** The release serving now, which the printed undo command goes back to. */
  currentId: number;
  /** Releases newer than the target whose release task ran (their migrations stay applied). */
  passedReleaseTasks: number[];
}

export interface RollbackQuery {
  app: string;
  /** Newest first, every record down to the target (or all of them). */
  records: ReleaseRecord[];
  currentId: number | undefined;
  /** The ID the user asked for, already parsed; undefined for the default. */
  requestedId?: number;
}

/**
 * Heroku's default: the newest succeeded release before the current one (the second of the
 * eligible releases). An explicit ID may name any succeeded release but the current one.
 */
export function chooseRollbackTarget(query: RollbackQuery): RollbackChoice {
  const { app, records } = query;
  if (records.length < 2) {
    throw new UserError(`${app} has ${records.length === 0 ? 'no releases' : 'only one release'}; there is nothing to roll back to`);
  }
  const currentId = query.currentId ?? records.find((record) => record.status === 'succeeded')?.id;
  if (currentId === undefined) throw new UserError(`${app} has no succeeded release; there is nothing to roll back from`);

  let target: ReleaseRecord | undefined;
  if (query.requestedId !== undefined) {
    target = records.find((record) => record.id === query.requestedId);
    if (!target) throw new UserError(`Release v${query.requestedId} of ${app} does not exist`);
    if (target.id === currentId) throw new UserError(`v${target.id} is the current release of ${app}; there is nothing to roll back`);
  } else {
    target = records.find((record) => record.id < currentId && record.status === 'succeeded');
    if (!target) throw new UserError(`${app} has no succeeded release before v${currentId} to roll back to`);
  }
  assertDeployable(app, target);

  return { target, currentId, passedReleaseTasks: releaseTasksAfter(records, target.id) };
}

function assertDeployable(app: string, target: ReleaseRecord): void {
  if (target.status === 'failed') {
    throw new UserError(`v${target.id} of ${app} failed${target.reason ? ` (${target.reason})` : ''}; only a succeeded release can be rolled back to`);
  }
  if (target.status === 'running') throw new UserError(`v${target.id} of ${app} is still deploying; only a succeeded release can be rolled back to`);
}

/**
 * Releases after the target whose release task ran, successfully or not: what they migrated stays
 * migrated. A rollback release is left out: it ran the code of an earlier release, whose
 * migrations some release before it had already applied.
 */
export function releaseTasksAfter(records: ReleaseRecord[], targetId: number): number[] {
  return records
    .filter((record) => record.id > targetId && record.kind !== 'rollback')
    .filter((record) => record.tasks.some((task) => task.name === 'release' && task.status !== 'skipped'))
    .map((record) => record.id)
    .sort((a, b) => a - b);
}

/** The refusal for a release whose image retention removed, with the git way back. */
export function expiredMessage(app: string, target: ReleaseRecord, deployBranch: string): string {
  const how = target.git_sha
    ? `rebuild it from git instead: git push -f dokku ${target.git_sha}:${deployBranch} or dokku git:sync --build ${app} <repository> ${target.git_sha}`
    : 'its git commit is not recorded, so rebuild it from your own source';
  return `v${target.id} of ${app} has expired: its image is no longer kept (see the retention setting); ${how}`;
}

export function migrationWarning(ids: number[]): string {
  const list = ids.map((id) => `v${id}`).join(', ');
  return `Rolling back past ${list}, whose release task ran: database migrations are not undone`;
}
