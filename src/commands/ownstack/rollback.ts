import type { CommandModule } from '../../program.js';
import type { Context } from '../../lib/context.js';
import { rollbackApp, type RollbackOptions } from '../../lib/deploy/rollback-app.js';
import { log } from '../../lib/output/log.js';

async function rollback(ctx: Context, appArg: string | undefined, idArg: string | undefined, options: RollbackOptions): Promise<void> {
  const { result, targetId, currentId } = await rollbackApp(ctx, appArg, idArg, options);
  const app = result.record.app;
  log.header(`${app} is now on v${result.record.id}, a rollback to v${targetId}`);
  // The undo is a result, not progress: printed even under DOKKU_QUIET_OUTPUT.
  log.out(`       To undo: dokku ownstack:rollback ${app} ${currentId}`);
}

const register: CommandModule = (program, ctx) => {
  program
    .command('ownstack:rollback')
    .description('deploy an earlier release again, without a rebuild')
    .argument('[app]')
    .argument('[id]', 'release ID (default: the succeeded release before the current one)')
    .option('--skip-release', 'skip predeploy and the release task')
    .option('--lock-wait <seconds>', 'seconds to wait for the deploy lock')
    .action(async (app: string | undefined, id: string | undefined, options: RollbackOptions) => {
      await rollback(ctx(), app, id, options);
    });
};

export default register;
