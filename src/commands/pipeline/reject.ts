import type { CommandModule } from '../../program.js';
import { assertDecidable, decideRequest, parseRequestId, requestLabel, type PromotionRequest } from '../../lib/approvals/model.js';
import { expireDueRequests, unpinRequestImages } from '../../lib/approvals/pins.js';
import { readRequests, updateRequests } from '../../lib/approvals/store.js';
import { now } from '../../lib/clock.js';
import { log } from '../../lib/output/log.js';
import { assertPipelineExists, assertValidPipelineName } from '../../lib/pipelines/model.js';
import { readPipelines } from '../../lib/pipelines/store.js';

// Drops a pending promotion request; anyone may, including the requester (withdrawing it).
const register: CommandModule = (program, ctx) => {
  program
    .command('pipeline:reject')
    .description('reject a pending promotion request')
    .argument('[pipeline]')
    .argument('[request]')
    .action(async (pipelineArg: string | undefined, requestArg: string | undefined) => {
      const context = ctx();
      const pipeline = assertValidPipelineName(pipelineArg);
      const id = parseRequestId(requestArg);
      assertPipelineExists(readPipelines(context.paths), pipeline);
      const who = context.env.who;
      const at = now();
      // An expired request is written down (and its image let go) before the refusal that names it.
      await expireDueRequests((change) => updateRequests(context.paths, change), readRequests(context.paths), at);
      // Refused lock-free first: a refusal touches nothing, not even the lock file.
      assertDecidable(readRequests(context.paths), pipeline, id, who, 'reject', at);
      const request = await updateRequests<PromotionRequest>(context.paths, (file) => {
        const pending = assertDecidable(file, pipeline, id, who, 'reject', at);
        const next = decideRequest(file, id, 'rejected', who, at);
        next.requests.find((candidate) => candidate.id === id)!.pinned_by = null;
        return { file: next, result: pending };
      });
      await unpinRequestImages([request!]);
      log.step(`Request ${requestLabel(id)} rejected by ${who}: ${request!.source.app} v${request!.source.release_id} will not be promoted to ${request!.targets.map((t) => t.app).join(', ')}`);
    });
};

export default register;
