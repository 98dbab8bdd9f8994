import type { CommandModule } from '../../program.js';
import { assertAppExists } from '../../lib/context.js';
import { log } from '../../lib/output/log.js';
import { addApp, assertStage, assertValidPipelineName } from '../../lib/pipelines/model.js';
import { updatePipelines } from '../../lib/pipelines/store.js';

// The general form, for any of the four stages.
const register: CommandModule = (program, ctx) => {
  program
    .command('pipeline:add')
    .description('add an app to a stage of a pipeline')
    .argument('<pipeline>')
    .argument('<app>')
    .option('--stage <stage>', 'review, development, staging or production')
    .action(async (pipelineArg: string, appArg: string, options: { stage?: string }) => {
      const pipeline = assertValidPipelineName(pipelineArg);
      const app = assertAppExists(ctx(), appArg);
      const stage = assertStage(options.stage);
      await updatePipelines(ctx().paths, (file) => ({ file: addApp(file, pipeline, app, stage), result: undefined }));
      log.step(`Added ${app} to pipeline ${pipeline} as ${stage}`);
    });
};

export default register;
