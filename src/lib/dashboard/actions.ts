import type { Context } from '../context.js';
import { releaseTasksAfter, migrationWarning } from '../deploy/rollback.js';
import { UserError } from '../output/errors.js';
import { shortImage } from '../pipelines/promotion.js';
import { assertValidPipelineName, findPipeline, promotionTargets, type Stage } from '../pipelines/model.js';
import { displayStatus, parseRequestId, requestLabel, requestsOf } from '../approvals/model.js';
import { readRequests } from '../approvals/store.js';
import { formatDuration, promotionPolicy } from '../pipelines/settings.js';
import { readPipelines } from '../pipelines/store.js';
import type { ReleaseRecord } from '../releases/record.js';
import { readReleases, releaseRow, type ReleaseReader, type ReleaseRow } from './releases.js';
import { Refusal } from './refusal.js';
import { remoteState, type RemoteState } from './app-pages.js';
import type { Asked } from './remote.js';
import type { MemberStatus } from '../stacks/status.js';

// What each action's confirmation page says, from pure store reads, and the Dokku command it
// runs (exactly what a person would type; src/web/actions.tsx sends it over ssh with --web-user).

export interface PromotionTarget {
  app: string;
  stack: string | undefined;
  stage: Stage;
  current: ReleaseRow | undefined;
  /** On another stack: what this host last said about it. */
  remote: RemoteState | undefined;
}

export interface PromotionPlanView {
  pipeline: string;
  source: ReleaseRow;
  image: string;
  targets: PromotionTarget[];
  guards: string[];
}

/** The promotion `pipeline:promote <app>` would make, or a refusal (409) saying why there is none. */
export function promotionPlanView(ctx: Context, reader: ReleaseReader): PromotionPlanView {
  const pipelines = readPipelines(ctx.paths);
  let plan;
  try {
    plan = promotionTargets(pipelines, reader.app, undefined);
  } catch (error) {
    if (error instanceof UserError) throw new Refusal(409, error.message);
    throw error;
  }
  const currentId = reader.currentId();
  const record = currentId === undefined ? undefined : reader.get(currentId);
  if (!record) throw new Refusal(409, `${reader.app} has no current release to promote`);
  const policy = promotionPolicy(findPipeline(pipelines, plan.pipeline)!);
  const guards: string[] = [];
  if (policy.minAgeMs !== undefined) guards.push(`The source release must be at least ${formatDuration(policy.minAgeMs)} old (promote-min-age).`);
  if (policy.requireHealthy) guards.push('The source app must pass its health checks (promote-require-healthy).');
  if (policy.approvalStage !== undefined) {
    guards.push(
      `Promoting to ${policy.approvalStage} needs another user's approval (promote-approval): a request is made, valid ${formatDuration(policy.approvalTtlMs)}.`,
    );
  }
  return {
    pipeline: plan.pipeline,
    source: releaseRow(record, currentId),
    image: record.image_tag ? `${record.image_tag} (${shortImage(record.image_id)})` : shortImage(record.image_id),
    targets: plan.targets.map((target) => targetView(ctx, target.app, target.stage)),
    guards,
  };
}

function targetView(ctx: Context, member: string, stage: Stage): PromotionTarget {
  const at = member.indexOf('@');
  if (at !== -1) return { app: member.slice(0, at), stack: member.slice(at + 1), stage, current: undefined, remote: undefined };
  const reader = readReleases(ctx.paths, member);
  let current: ReleaseRow | undefined;
  try {
    const id = reader.currentId();
    const record = id === undefined ? undefined : reader.get(id);
    current = record && releaseRow(record, id);
  } catch (error) {
    if (!(error instanceof UserError)) throw error;
  }
  return { app: member, stack: undefined, stage, current, remote: undefined };
}

export interface RollbackView {
  target: ReleaseRow;
  currentId: number;
  /** The CLI's warning when releases whose release task ran are rolled back past. */
  warning: string | undefined;
}

/** `ownstack:rollback <app> <id>` as the CLI would decide it, from the store alone (409 when it refuses). */
export function rollbackView(reader: ReleaseReader, target: ReleaseRecord): RollbackView {
  const currentId = reader.currentId();
  if (currentId === undefined) throw new Refusal(409, `${reader.app} has no current release to roll back from`);
  if (target.id === currentId) throw new Refusal(409, `v${target.id} is the current release of ${reader.app}; there is nothing to roll back`);
  const row = releaseRow(target, currentId);
  if (row.status !== 'succeeded') throw new Refusal(409, `v${target.id} of ${reader.app} is ${row.status}; only a succeeded release whose image is kept can be rolled back to`);
  const newest = reader.readState().next_id - 1;
  const records = newest > target.id ? reader.newestFrom(newest, newest - target.id).records : [];
  const passed = releaseTasksAfter(records, target.id);
  return { target: row, currentId, warning: passed.length > 0 ? migrationWarning(passed) : undefined };
}

/** Whether a row gets a Roll back button (the confirmation checks again). */
export const canRollBackTo = (row: ReleaseRow) => row.status === 'succeeded' && !row.current;

/** The plan with what this host last said about each target on another stack (ANSWER: none yet). */
export function withRemoteTargets(plan: PromotionPlanView, answer: Asked<MemberStatus[]> | undefined): PromotionPlanView {
  return {
    ...plan,
    targets: plan.targets.map((target) => (target.stack ? { ...target, remote: remoteState(target.app, target.stack, answer) } : target)),
  };
}

/** Whether the confirmation still waits for a first answer (its commit list, or a target on another stack). */
export const promotionAsking = (plan: PromotionPlanView, commitsAnswered: boolean) =>
  !commitsAnswered || plan.targets.some((target) => target.remote?.state === 'asking');

/** The apps whose history an action adds a release to (the dashboard follows the first new one). */
export function promotionWatch(plan: PromotionPlanView): string[] {
  return plan.targets.filter((target) => target.stack === undefined).map((target) => target.app);
}

// ---- approvals ---------------------------------------------------------------------------------

export interface PendingRequestView {
  id: number;
  label: string;
  pipeline: string;
  source: string;
  releaseId: number;
  targets: string[];
  requestedBy: string;
  expiresAt: string;
}

/** The pipeline's requests still waiting for a decision (an expired one is not offered). */
export function pendingRequests(ctx: Context, pipeline: string, now: Date): PendingRequestView[] {
  return requestsOf(readRequests(ctx.paths), pipeline)
    .filter((request) => displayStatus(request, now) === 'pending')
    .map((request) => ({
      id: request.id,
      label: requestLabel(request.id),
      pipeline: request.pipeline,
      source: request.source.app,
      releaseId: request.source.release_id,
      targets: request.targets.map((target) => (target.stack ? `${target.app}@${target.stack}` : target.app)),
      requestedBy: request.requested_by,
      expiresAt: request.expires_at,
    }));
}

/** A request named in a URL: a valid pipeline and ID (else 400) that is pending (else 404/409). */
export function requestFromUrl(ctx: Context, rawPipeline: string, rawId: string, now: Date): PendingRequestView {
  let pipeline: string;
  let id: number;
  try {
    pipeline = assertValidPipelineName(rawPipeline);
    id = parseRequestId(rawId);
  } catch (error) {
    if (error instanceof UserError) throw new Refusal(400, error.message);
    throw error;
  }
  const request = requestsOf(readRequests(ctx.paths), pipeline).find((candidate) => candidate.id === id);
  if (!request) throw new Refusal(404, `Pipeline ${pipeline} has no request ${requestLabel(id)}`);
  const status = displayStatus(request, now);
  if (status !== 'pending') throw new Refusal(409, `Request ${requestLabel(id)} is already ${status}`);
  return pendingRequests(ctx, pipeline, now).find((candidate) => candidate.id === id)!;
}
