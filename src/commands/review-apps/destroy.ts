import type { CommandModule } from '../../program.js';
import { assertAppExists } from '../../lib/context.js';
import { runDokkuCommand } from '../../lib/dokku/apps.js';
import { UserError } from '../../lib/output/errors.js';
import { isReviewApp } from '../../lib/review-apps/lifecycle.js';

// `review-apps:destroy <name>`: Dokku's own `apps:destroy --force`, whose pre-delete trigger runs
// the app's pr-predestroy first (the same path as the official GitHub Action's destroy).
const register: CommandModule = (program, ctx) => {
  program
    .command('review-apps:destroy')
    .description('destroy a review app (its pr-predestroy script runs first)')
    .argument('[name]')
    .action(async (nameArg: string | undefined) => {
      const name = assertAppExists(ctx(), nameArg);
      if (!isReviewApp(ctx(), name)) throw new UserError(`App ${name} is not a review app; use apps:destroy to destroy other apps`);
      const exitCode = await runDokkuCommand(['--force', 'apps:destroy', name]);
      if (exitCode !== 0) process.exitCode = exitCode;
    });
};

export default register;
