import fs from 'node:fs';
import type { CommandModule } from '../../program.js';
import { assertAppExists } from '../../lib/context.js';
import { runDokkuCommand } from '../../lib/dokku/apps.js';
import { assertValidAppName } from '../../lib/dokku/validate.js';
import { UserError } from '../../lib/output/errors.js';
import { log } from '../../lib/output/log.js';
import { assertPipelineExists, assertValidPipelineName } from '../../lib/pipelines/model.js';
import { readPipelines } from '../../lib/pipelines/store.js';
import { REVIEW_PIPELINE_ENV } from '../../lib/review-apps/lifecycle.js';
import { assertCanCreateReviewApp, reviewAppsConfig } from '../../lib/review-apps/model.js';

// `review-apps:create <pipeline> <name> [--from <app>]`: for any CI. Everything is checked first;
// then Dokku's own `apps:clone --skip-deploy` makes the app (the parent's config and settings), and
// our post-app-clone-setup puts it in the review stage, exactly as when the official GitHub
// Action runs apps:clone. The code then arrives by git push.
const register: CommandModule = (program, ctx) => {
  program
    .command('review-apps:create')
    .description('create a review app in the pipeline, cloned from its parent app')
    .argument('[pipeline]')
    .argument('[name]')
    .option('--from <app>', 'the app to clone (default: the pipeline review-apps-parent)')
    .action(async (pipelineArg: string | undefined, nameArg: string | undefined, options: { from?: string }) => {
      const context = ctx();
      const pipelineName = assertValidPipelineName(pipelineArg);
      const name = assertValidAppName(nameArg);
      const from = options.from === undefined ? undefined : assertAppExists(context, options.from);
      const pipeline = assertPipelineExists(readPipelines(context.paths), pipelineName);
      const parent = assertCanCreateReviewApp(pipeline, reviewAppsConfig(pipeline), from);
      assertAppExists(context, parent);
      if (fs.existsSync(context.paths.appRepo(name))) throw new UserError(`App ${name} already exists`);
      log.header(`Creating review app ${name} from ${parent} in pipeline ${pipelineName}`);
      const exitCode = await runDokkuCommand(['apps:clone', '--skip-deploy', parent, name], { [REVIEW_PIPELINE_ENV]: pipelineName });
      if (exitCode !== 0) process.exitCode = exitCode;
    });
};

export default register;
