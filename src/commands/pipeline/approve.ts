import type { CommandModule } from '../../program.js';
import { assertDecidable, decideRequest, parseRequestId, requestLabel, updateRequest, type PromotionRequest } from '../../lib/approvals/model.js';
import { expireDueRequests, unpinRequestImages } from '../../lib/approvals/pins.js';
import { readRequests, updateRequests } from '../../lib/approvals/store.js';
import { now } from '../../lib/clock.js';
import { assertAppExists } from '../../lib/context.js';
import { runPromotion } from '../../lib/deploy/promote.js';
import { parseAppRef } from '../../lib/stacks/model.js';
import { resolveRemoteTargets } from '../../lib/stacks/promote.js';
import { imageId } from '../../lib/dokku/docker.js';
import { parseNonNegativeInt } from '../../lib/dokku/validate.js';
import { UserError } from '../../lib/output/errors.js';
import { log } from '../../lib/output/log.js';
import { assertPipelineExists, assertValidPipelineName, findPipeline, placeOfApp } from '../../lib/pipelines/model.js';
import { assertImagePresent, promotedRelease } from '../../lib/pipelines/promotion.js';
import { readPipelines } from '../../lib/pipelines/store.js';
import { openStore } from '../../lib/releases/store.js';
import { SETTINGS } from '../../lib/settings/settings.js';

const MAX_LOCK_WAIT = 86400;

// Carries out a pending promotion request: the release and image it pinned go to its targets,
// whatever the source runs by now. The approver must be another user than the requester.
const register: CommandModule = (program, ctx) => {
  program
    .command('pipeline:approve')
    .description('approve a promotion request and carry it out')
    .argument('[pipeline]')
    .argument('[request]')
    .option('--lock-wait <seconds>', `seconds to wait for each target's deploy lock (default: the lock-wait setting, ${SETTINGS['lock-wait'].defaultValue})`)
    .action(async (pipelineArg: string | undefined, requestArg: string | undefined, options: { lockWait?: string }) => {
      const context = ctx();
      const pipeline = assertValidPipelineName(pipelineArg);
      const id = parseRequestId(requestArg);
      const lockWait = options.lockWait === undefined ? undefined : parseNonNegativeInt(options.lockWait, '--lock-wait', MAX_LOCK_WAIT);
      const who = context.env.who;
      const at = now();

      // Every refusal first, lock-free: nothing changes when one refuses.
      const pipelines = readPipelines(context.paths);
      assertPipelineExists(pipelines, pipeline);
      // An expired request is written down (and its image let go) before the refusal that names it.
      await expireDueRequests((change) => updateRequests(context.paths, change), readRequests(context.paths), at);
      const request = assertDecidable(readRequests(context.paths), pipeline, id, who, 'approve', at);
      const source = request.source.app;
      for (const target of request.targets) {
        if (!parseAppRef(target.app).stack) assertAppExists(context, target.app);
        if (placeOfApp(pipelines, target.app)?.pipeline !== pipeline) {
          throw new UserError(`App ${target.app} is no longer in pipeline ${pipeline}; reject request ${requestLabel(id)} and promote again`);
        }
      }
      assertAppExists(context, source);
      const store = openStore(context, source);
      const stored = store.get(request.source.release_id);
      const snapshot = stored ? store.readSnapshot(stored.id) : undefined;
      if (!stored || !snapshot) {
        throw new UserError(`${source} v${request.source.release_id} (the release request ${requestLabel(id)} promotes) is no longer in ${source}'s history; reject the request`);
      }
      // The image the request pinned, not whatever the record or the source says today.
      const record = { ...stored, image_id: request.source.image_id };
      assertImagePresent(source, record, (await imageId(record.image_id)) !== undefined);

      // Claimed under the lock: of two approvers at once, one deploys and the other is refused.
      await updateRequests(context.paths, (file) => {
        assertDecidable(file, pipeline, id, who, 'approve', at);
        return { file: decideRequest(file, id, 'approved', who, at), result: undefined };
      });
      log.step(`Request ${requestLabel(id)} approved by ${who} (requested by ${request.requested_by} at ${request.requested_at})`);

      await runPromotion(
        context,
        {
          source,
          record,
          snapshot,
          targets: request.targets.map((target) => target.app),
          release: promotedRelease(source, record, { approval: { request: id, requested_by: request.requested_by, approved_by: who } }),
          lockWait,
          remote: resolveRemoteTargets(context, findPipeline(pipelines, pipeline)!, request.targets.map((target) => target.app)),
        },
        // Recorded before the results print (and before a failure is thrown): the request says what happened.
        async (outcomes) => {
          let pinned: PromotionRequest | undefined;
          await updateRequests(context.paths, (file) => {
            pinned = file.requests.find((candidate) => candidate.id === id);
            const next = updateRequest(file, id, (stored) => {
              stored.results = outcomes.map((outcome) => ({ app: outcome.app, ok: outcome.ok, release_id: outcome.id ?? null, reason: outcome.ok ? null : (outcome.reason ?? null) }));
              stored.pinned_by = null;
            });
            return { file: next, result: undefined };
          });
          // The targets' own retention holds the image now.
          if (pinned) await unpinRequestImages([pinned]);
        },
      );
    });
};

export default register;
