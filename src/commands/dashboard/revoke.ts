import type { CommandModule } from '../../program.js';
import { assertSessionPrefix, revokeSessions } from '../../lib/dashboard/sessions.js';
import { UserError } from '../../lib/output/errors.js';
import { log } from '../../lib/output/log.js';

// `dokku ownstack:dashboard:revoke <id-prefix>|--all`: ends sessions at once (their next request gets 401).
const register: CommandModule = (program, ctx) => {
  program
    .command('ownstack:dashboard:revoke')
    .description('end dashboard sessions')
    .argument('[id]')
    .option('--all', 'every session')
    .action((idArg: string | undefined, options: { all?: boolean }) => {
      if (options.all && idArg !== undefined) throw new UserError('Give a session id or --all, not both');
      const which = options.all ? 'all' : { prefix: assertSessionPrefix(idArg) };
      const revoked = revokeSessions(ctx().paths.dashboardRoot, which);
      log.step(`Revoked ${revoked.length} session${revoked.length === 1 ? '' : 's'}${revoked.length > 0 ? `: ${revoked.map((s) => `${s.id} (${s.name})`).join(', ')}` : ''}`);
    });
};

export default register;
