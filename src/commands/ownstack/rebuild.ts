import type { CommandModule } from '../../program.js';
import { assertAppExists } from '../../lib/context.js';
import { runDokkuCommand } from '../../lib/dokku/apps.js';
import { UserError } from '../../lib/output/errors.js';

// `dokku ownstack:rebuild <app>`: Dokku's own `ps:rebuild <app>`, run as a child. It exists for the
// dashboard's Deploy now: `ps:rebuild` is Dokku's command and takes no option of ours, so the web
// user cannot be named on its command line. The dashboard runs `ownstack:rebuild <app> --web-user
// NAME` instead; the global option (src/lib/identity/web-user.ts), accepted only from the
// dashboard's key, puts the validated name into OWNSTACK_WEB_USER, which `ps:rebuild` and every
// trigger it fires inherit, so the release's WHO is `NAME (dashboard)`. No shell string is built:
// the name is an environment value, never part of a command. From anyone else it is simply
// `ps:rebuild`, with the caller's own WHO.
const register: CommandModule = (program, ctx) => {
  program
    .command('ownstack:rebuild')
    .description("rebuild and deploy the app from its source (Dokku's ps:rebuild)")
    .argument('[app]')
    .action(async (appArg: string | undefined) => {
      const app = assertAppExists(ctx(), appArg);
      const code = await runDokkuCommand(['ps:rebuild', app], { DOKKU_APP_NAME: '', DOKKU_GLOBAL_FLAGS: '' });
      if (code !== 0) throw new UserError(`dokku ps:rebuild ${app} failed (exit ${code})`);
    });
};

export default register;
