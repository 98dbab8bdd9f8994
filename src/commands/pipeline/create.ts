import type { CommandModule } from '../../program.js';
import { assertAppExists } from '../../lib/context.js';
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
    .action(async (appArg: string, options: { name?: string }) => {
      const app = assertAppExists(ctx(), appArg);
      const name = assertValidPipelineName(options.name ?? app);
      await updatePipelines(ctx().paths, (file) => ({ file: createPipeline(file, name, app, new Date().toISOString()), result: undefined }));
      log.step(`Created pipeline ${name} with ${app} in production`);
    });
};

export default register;
