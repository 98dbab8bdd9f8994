import type { CommandModule } from '../../program.js';
import { dropPipelineRequests, type PromotionRequest } from '../../lib/approvals/model.js';
import { unpinRequestImages } from '../../lib/approvals/pins.js';
import { readRequests, updateRequests } from '../../lib/approvals/store.js';
import { log } from '../../lib/output/log.js';
import { assertValidPipelineName, destroyPipeline } from '../../lib/pipelines/model.js';
import { updatePipelines } from '../../lib/pipelines/store.js';

const register: CommandModule = (program, ctx) => {
  program
    .command('pipeline:destroy')
    .description('delete a pipeline; its apps are left alone')
    .argument('<pipeline>')
    .action(async (pipelineArg: string) => {
      const name = assertValidPipelineName(pipelineArg);
      await updatePipelines(ctx().paths, (file) => ({ file: destroyPipeline(file, name), result: undefined }));
      // Its promotion requests go with it, and the images they kept are let go.
      if (readRequests(ctx().paths).requests.some((request) => request.pipeline === name)) {
        const dropped = await updateRequests<PromotionRequest[]>(ctx().paths, (file) => {
          const outcome = dropPipelineRequests(file, name);
          return { file: outcome.file, result: outcome.dropped };
        });
        await unpinRequestImages(dropped ?? []);
      }
      log.step(`Destroyed pipeline ${name}; its apps are unchanged`);
    });
};

export default register;
