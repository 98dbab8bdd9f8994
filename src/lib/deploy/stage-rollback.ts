import type { Context } from '../context.js';
import { UserError } from '../output/errors.js';
import type { Pipeline, Stage } from '../pipelines/model.js';
import { promoteEach, type TargetOutcome } from '../pipelines/promotion.js';
import { assertStackExists, formatAppRef, parseAppRef } from '../stacks/model.js';
import { runRemoteRelease, type RemoteReleaseResult } from '../stacks/remote.js';
import { log } from '../output/log.js';
import { readStacks } from '../stacks/store.js';
import { rollbackApp } from './rollback-app.js';

// `pipeline:rollback`: every app of a stage back to its previous release, on every stack at once
// (or on one). Each host keeps its own history and images, so a remote rollback is that host's
// own `ownstack:rollback --abandon-on-hangup`, over ssh; one that fails never stops the others.

/** `local` names this host in --stack; no stack can be called that (stacks:add refuses it). */
export const LOCAL_STACK = 'local';

export function stageMembers(pipeline: Pipeline, stage: Stage, stack: string | undefined): string[] {
  const members = pipeline.stages[stage].filter((member) => {
    const onStack = parseAppRef(member).stack;
    return stack === undefined || (stack === LOCAL_STACK ? onStack === undefined : onStack === stack);
  });
  if (members.length === 0) {
    throw new UserError(`Stage ${stage} of pipeline ${pipeline.name} has no apps${stack === undefined ? '' : stack === LOCAL_STACK ? ' on this host' : ` on stack ${stack}`}`);
  }
  return members;
}

export async function rollbackStage(ctx: Context, members: string[], lockWait: number | undefined): Promise<TargetOutcome[]> {
  const stacks = readStacks(ctx.paths);
  // Unknown stacks refuse before anything rolls back.
  for (const member of members) {
    const { stack } = parseAppRef(member);
    if (stack) assertStackExists(stacks, stack);
  }
  return promoteEach(members, async (member) => {
    const { app, stack: stackName } = parseAppRef(member);
    const prefix = `${formatAppRef({ app, stack: stackName })}: `;
    if (!stackName) {
      const { result } = await rollbackApp(ctx, app, undefined, { lockWait: lockWait === undefined ? undefined : String(lockWait), outputPrefix: prefix });
      return result;
    }
    const stack = assertStackExists(stacks, stackName);
    const lockWaitWords = lockWait === undefined ? [] : ['--lock-wait', String(lockWait)];
    // Standard input stays open for as long as we wait: if we go away (killed, or the connection
    // drops) before the traffic switch, the stack abandons the rollback, as it does a promotion.
    const result = await runRemoteRelease(ctx, stack, ['ownstack:rollback', app, ABANDON_ON_HANGUP, ...lockWaitWords], prefix, { holdStdinOpen: true });
    if (!refusedAbandonOnHangup(result)) return result;
    // An ownstack from before the option (mid-upgrade) refuses it while parsing, before anything
    // happens there; its rollback can still be had, without the abandonment.
    log.warn(`${prefix}stack ${stackName} runs an ownstack that cannot abandon a rollback when this host hangs up; rolling back without that (upgrade ownstack there)`);
    return runRemoteRelease(ctx, stack, ['ownstack:rollback', app, ...lockWaitWords], prefix);
  });
}

const ABANDON_ON_HANGUP = '--abandon-on-hangup';

/** Commander's refusal of an option it does not know, as our error handler prints it. */
const refusedAbandonOnHangup = (result: RemoteReleaseResult) => !result.ok && result.reason === `unknown option '${ABANDON_ON_HANGUP}'`;
