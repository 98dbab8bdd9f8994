import type { CommandModule } from '../../program.js';
import { log } from '../../lib/output/log.js';
import { assertValidPipelineName, destroyPipeline } from '../../lib/pipelines/model.js';
import { updatePipelines } from '../../lib/pipelines/store.js';
import { forgetPipelineSettings } from '../../lib/review-apps/settings.js';

const register: CommandModule = (program, ctx) => {
  program
    .command('pipeline:destroy')
    .description('delete a pipeline; its apps are left alone')
    .argument('<pipeline>')
    .action(async (pipelineArg: string) => {
      const name = assertValidPipelineName(pipelineArg);
      await updatePipelines(ctx().paths, (file) => ({ file: destroyPipeline(file, name), result: undefined }));
      await forgetPipelineSettings(ctx().paths, name);
      log.step(`Destroyed pipeline ${name}; its apps are unchanged`);
    });
};

export default register;
