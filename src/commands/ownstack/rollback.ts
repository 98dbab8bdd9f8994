import type { CommandModule } from '../../program.js';
import type { Context } from '../../lib/context.js';
import { rollbackApp, type RollbackOptions } from '../../lib/deploy/rollback-app.js';
import { log } from '../../lib/output/log.js';
import { watchRequester } from '../../lib/stacks/requester.js';

interface RollbackCommandOptions extends RollbackOptions {
  abandonOnHangup?: boolean;
}

async function rollback(ctx: Context, appArg: string | undefined, idArg: string | undefined, options: RollbackCommandOptions): Promise<void> {
  // A requester that waits on the other end of ssh (pipeline:rollback of a stage on another host)
  // keeps standard input open; its end means the requester is gone.
  const requester = options.abandonOnHangup ? watchRequester(process.stdin) : undefined;
  let outcome;
  try {
    outcome = await rollbackApp(ctx, appArg, idArg, { skipRelease: options.skipRelease, lockWait: options.lockWait, requesterGone: requester?.gone });
  } finally {
    requester?.release();
  }
  const { result, targetId, currentId } = outcome;
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
    .option('--abandon-on-hangup', 'standard input stays open while the requester waits; if it closes before the traffic switch, the rollback is abandoned')
    .action(async (app: string | undefined, id: string | undefined, options: RollbackCommandOptions) => {
      await rollback(ctx(), app, id, options);
    });
};

export default register;
