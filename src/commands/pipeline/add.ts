import type { CommandModule } from '../../program.js';
import { log } from '../../lib/output/log.js';
import { addApp, assertStage, assertValidPipelineName } from '../../lib/pipelines/model.js';
import { updatePipelines } from '../../lib/pipelines/store.js';
import { assertPipelineMember } from '../../lib/stacks/remote.js';

// The general form, for any of the four stages; with --stack, an app that lives on another
// Dokku host, named <app>@<stack> from then on.
const register: CommandModule = (program, ctx) => {
  program
    .command('pipeline:add')
    .description('add an app to a stage of a pipeline')
    .argument('<pipeline>')
    .argument('<app>')
    .option('--stage <stage>', 'review, development, staging or production')
    .option('--stack <name>', 'the app lives on this stack (see stacks:add)')
    .action(async (pipelineArg: string, appArg: string, options: { stage?: string; stack?: string }) => {
      const pipeline = assertValidPipelineName(pipelineArg);
      const stage = assertStage(options.stage);
      const member = await assertPipelineMember(ctx(), appArg, options.stack);
      await updatePipelines(ctx().paths, (file) => ({ file: addApp(file, pipeline, member, stage), result: undefined }));
      log.step(`Added ${member} to pipeline ${pipeline} as ${stage}`);
    });
};

export default register;
