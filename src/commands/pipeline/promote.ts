import type { CommandModule } from '../../program.js';
import { addRequest, expireDue, pruneDecided, requestLabel, type PromotionRequest } from '../../lib/approvals/model.js';
import { pinRequestImage, unpinRequestImages } from '../../lib/approvals/pins.js';
import { updateRequests } from '../../lib/approvals/store.js';
import { now } from '../../lib/clock.js';
import { assertAppExists, type Context } from '../../lib/context.js';
import { runPromotion } from '../../lib/deploy/promote.js';
import { runAppChecks } from '../../lib/dokku/checks.js';
import { imageId } from '../../lib/dokku/docker.js';
import { parseNonNegativeInt } from '../../lib/dokku/validate.js';
import { UserError } from '../../lib/output/errors.js';
import { log } from '../../lib/output/log.js';
import { applyGuard, bakeTimeRefusal, forcedRecord, needsApproval, unhealthyRefusal, type GuardName } from '../../lib/pipelines/guards.js';
import { collectTargets, findPipeline, parseTargetList, promotionTargets } from '../../lib/pipelines/model.js';
import { assertImagePresent, assertPromotableSource, promotedRelease, shortImage } from '../../lib/pipelines/promotion.js';
import { promotionPolicy } from '../../lib/pipelines/settings.js';
import { readPipelines } from '../../lib/pipelines/store.js';
import { openStore } from '../../lib/releases/store.js';
import { SETTINGS } from '../../lib/settings/settings.js';
import { parseAppRef } from '../../lib/stacks/model.js';
import { resolveRemoteTargets } from '../../lib/stacks/promote.js';

const MAX_LOCK_WAIT = 86400;

// Promotion never rebuilds: the source's running image is released to each target through
// Dokku's own release-and-deploy (releaseImage), so the target's config, predeploy, release task
// and postdeploy apply, and Dokku's app-json guard keeps a run-once postdeploy from running twice.
// Before that, the pipeline's guards (pipeline:set promote-*) may refuse it or turn it into a
// request that waits for another user's approval.
const register: CommandModule = (program, ctx) => {
  program
    .command('pipeline:promote')
    .description("deploy the app's current release to the next stage, without a rebuild")
    .argument('<app>')
    .option('--to <apps>', 'comma-separated target apps in the same pipeline (default: every app of the next stage)', collectTargets, [])
    .option('--lock-wait <seconds>', `seconds to wait for each target's deploy lock (default: the lock-wait setting, ${SETTINGS['lock-wait'].defaultValue})`)
    .option('--force', "override the pipeline's promotion guards (recorded in the targets' history)")
    .action(async (sourceArg: string, options: { to: string[]; lockWait?: string; force?: boolean }) => {
      const context = ctx();
      const source = assertAppExists(context, sourceArg);
      const requested = options.to.length > 0 ? parseTargetList(options.to) : undefined;
      // Apps here must exist here; an `<app>@<stack>` is checked by its own host when it deploys.
      for (const target of requested ?? []) if (!parseAppRef(target).stack) assertAppExists(context, target);
      const lockWait = options.lockWait === undefined ? undefined : parseNonNegativeInt(options.lockWait, '--lock-wait', MAX_LOCK_WAIT);
      const force = Boolean(options.force);

      // Every refusal happens here, before any target is touched.
      const pipelines = readPipelines(context.paths);
      const plan = promotionTargets(pipelines, source, requested);
      const policy = promotionPolicy(findPipeline(pipelines, plan.pipeline)!);
      const remote = resolveRemoteTargets(context, findPipeline(pipelines, plan.pipeline)!, plan.targets.map((target) => target.app));
      const store = openStore(context, source);
      const currentId = store.currentId();
      const current = currentId === undefined ? undefined : store.get(currentId);
      const { record, snapshot } = assertPromotableSource(source, currentId, current, current ? store.readSnapshot(current.id) : undefined);
      assertImagePresent(source, record, (await imageId(record.image_id)) !== undefined);

      const at = now();
      const overridden: GuardName[] = [];
      applyGuard('promote-min-age', bakeTimeRefusal(source, record, policy.minAgeMs, at), force, overridden);
      if (policy.requireHealthy) {
        // With --force the checks are not run at all: Dokku stops a container that fails them.
        if (force) overridden.push('promote-require-healthy');
        else {
          log.step(`Checking that ${source} is healthy: dokku checks:run ${source}`);
          // Dokku's output is progress (stdout); the refusal, if any, is the one line on stderr.
          const exitCode = await runAppChecks(source, (line) => {
            if (!process.env.DOKKU_QUIET_OUTPUT) log.out(line);
          });
          applyGuard('promote-require-healthy', exitCode === 0 ? undefined : unhealthyRefusal(source), false, overridden);
        }
      }
      if (needsApproval(policy, plan.targets)) {
        if (force) overridden.push('promote-approval');
        else {
          const request = await requestApproval(context, {
            pipeline: plan.pipeline,
            source: { app: source, release_id: record.id, image_id: record.image_id, git_sha: record.git_sha },
            targets: plan.targets.map((target) => ({ app: target.app, stage: target.stage, stack: parseAppRef(target.app).stack ?? null })),
            requestedBy: context.env.who,
            ttlMs: policy.approvalTtlMs,
          }, at);
          const targets = plan.targets.map((target) => target.app).join(', ');
          log.out([
            `=====> Promotion of ${source} v${record.id} (image ${shortImage(record.image_id)}) to ${targets} is waiting for approval: request ${requestLabel(request.id)}`,
            `       Another user approves it with: dokku pipeline:approve ${plan.pipeline} ${requestLabel(request.id)}`,
            `       It expires at ${request.expires_at}; dokku pipeline:reject ${plan.pipeline} ${requestLabel(request.id)} drops it`,
          ].join('\n'));
          return;
        }
      }

      const forced = forcedRecord(context.env.who, overridden);
      if (forced) log.warn(`--force: overriding ${forced.guards.join(', ')}; recorded in the targets' history`);
      await runPromotion(context, {
        source,
        record,
        snapshot,
        targets: plan.targets.map((target) => target.app),
        release: promotedRelease(source, record, { forced }),
        lockWait,
        remote,
      });
    });
};

/** Records the request and pins its image in one step: a request whose image could not be kept is never made. */
async function requestApproval(
  context: Context,
  init: Parameters<typeof addRequest>[1],
  at: Date,
): Promise<PromotionRequest> {
  let expired: PromotionRequest[] = [];
  const request = await updateRequests(context.paths, async (file) => {
    const swept = expireDue(file, at);
    expired = swept.expired;
    const added = addRequest(pruneDecided(swept.file), init, at);
    let pinnedBy: string;
    try {
      pinnedBy = await pinRequestImage(added.request);
    } catch (error) {
      throw new UserError(`Could not keep the image ${shortImage(init.source.image_id)} for the request, so none was made: ${(error as Error).message.split('\n')[0]}`);
    }
    const pinned = { ...added.request, pinned_by: pinnedBy };
    return { file: { ...added.file, requests: added.file.requests.map((r) => (r.id === pinned.id ? pinned : r)) }, result: pinned };
  });
  await unpinRequestImages(expired);
  return request!;
}

export default register;
