import { UserError } from '../output/errors.js';
import type { ReleaseRecord } from '../releases/record.js';
import type { Stage } from './model.js';
import { formatDuration, type PromotionPolicy } from './settings.js';

// The promotion guards (pipeline:set promote-*), as pure decisions: bake time, a healthy source,
// and a second person's approval. A guard that refuses stops the promotion with one line before
// anything is touched, unless --force overrides it; every override is recorded in the targets'
// history (who forced it, which guards).

export const GUARDS = ['promote-min-age', 'promote-require-healthy', 'promote-approval'] as const;
export type GuardName = (typeof GUARDS)[number];

/** The time a release started serving: when it finished (it serves from then on). */
export function servingSince(record: ReleaseRecord): Date {
  return new Date(record.finished_at ?? record.started_at);
}

/** Bake time: undefined when the source release has served long enough, else the refusal. */
export function bakeTimeRefusal(source: string, record: ReleaseRecord, minAgeMs: number | undefined, now: Date): string | undefined {
  if (minAgeMs === undefined) return undefined;
  const since = servingSince(record);
  const served = now.getTime() - since.getTime();
  if (served >= minAgeMs) return undefined;
  const allowedAt = new Date(since.getTime() + minAgeMs);
  return (
    `Promotion refused: ${source} v${record.id} has served for ${formatDuration(served)}, less than promote-min-age ` +
    `${formatDuration(minAgeMs)}; it can be promoted from ${allowedAt.toISOString()} (in ${formatDuration(allowedAt.getTime() - now.getTime())}), or use --force`
  );
}

export function unhealthyRefusal(source: string): string {
  return `Promotion refused: ${source}'s running containers failed their health checks just now (dokku checks:run ${source}; see the output above); fix ${source} or use --force`;
}

/** Does a promotion into these targets wait for approval? Yes when any target is in the approval stage. */
export function needsApproval(policy: PromotionPolicy, targets: { stage: Stage }[]): boolean {
  return policy.approvalStage !== undefined && targets.some((target) => target.stage === policy.approvalStage);
}

/**
 * One guard's verdict: nothing when it passes; with --force the guard is noted as overridden;
 * otherwise the refusal is thrown (one line, nothing changed yet).
 */
export function applyGuard(name: GuardName, refusal: string | undefined, force: boolean, overridden: GuardName[]): void {
  if (refusal === undefined) return;
  if (!force) throw new UserError(refusal);
  overridden.push(name);
}

/** What a target's record keeps of a forced promotion: who, and which guards --force overrode. */
export interface ForcedBy {
  by: string;
  guards: GuardName[];
}

export function forcedRecord(who: string, overridden: GuardName[]): ForcedBy | null {
  return overridden.length > 0 ? { by: who, guards: [...overridden] } : null;
}
