import type { CommandModule } from '../../program.js';
import { assertPipelineMember } from '../../lib/stacks/remote.js';
import { parseAppRef } from '../../lib/stacks/model.js';
import { log } from '../../lib/output/log.js';
import { assertValidPipelineName, createPipeline } from '../../lib/pipelines/model.js';
import { updatePipelines } from '../../lib/pipelines/store.js';

// The OwnStack form: a pipeline grows from its production app, and is named after it by default.
const register: CommandModule = (program, ctx) => {
  program
    .command('pipeline:create')
    .description('create a pipeline whose production stage holds the app')
    .argument('<production-app>')
    .option('--name <pipeline>', 'pipeline name (default: the app name)')
    .option('--stack <name>', 'the production app lives on this stack (see stacks:add)')
    .action(async (appArg: string, options: { name?: string; stack?: string }) => {
      const app = await assertPipelineMember(ctx(), appArg, options.stack);
      const name = assertValidPipelineName(options.name ?? parseAppRef(app).app);
      await updatePipelines(ctx().paths, (file) => ({ file: createPipeline(file, name, app, new Date().toISOString()), result: undefined }));
      log.step(`Created pipeline ${name} with ${app} in production`);
    });
};

export default register;
