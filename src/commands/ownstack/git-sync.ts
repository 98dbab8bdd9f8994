import type { CommandModule } from '../../program.js';
import { assertAppExists } from '../../lib/context.js';
import { assertCommitSha, assertRepositoryUrl } from '../../lib/dashboard/github.js';
import { runDokkuCommand } from '../../lib/dokku/apps.js';
import { UserError } from '../../lib/output/errors.js';

// `dokku ownstack:git-sync <app> <repository> <sha>`: Dokku's own `git:sync --build <app>
// <repository> <sha>`, run as a child. It exists for the dashboard's GitHub webhook, as
// ownstack:rebuild exists for Deploy now: git:sync is Dokku's command and takes no option of ours,
// so the webhook's deploy cannot be named on its command line. The dashboard runs
// `ownstack:git-sync … --web-user github`; the global option, accepted only from the dashboard's
// key, puts the name into OWNSTACK_WEB_USER, which git:sync and its triggers inherit, so the
// release's WHO is `github (dashboard)`. The repository and SHA are checked as the webhook checks
// them (http(s) only, a full SHA), whoever calls.
const register: CommandModule = (program, ctx) => {
  program
    .command('ownstack:git-sync')
    .description("fetch a commit from a repository and deploy it (Dokku's git:sync --build; the GitHub webhook's deploy)")
    .argument('[app]')
    .argument('[repository]')
    .argument('[sha]')
    .action(async (appArg: string | undefined, repository: string | undefined, sha: string | undefined) => {
      const app = assertAppExists(ctx(), appArg);
      if (!repository) throw new UserError('Please give a repository URL: ownstack:git-sync <app> <repository> <sha>');
      const words = ['git:sync', '--build', app, assertRepositoryUrl(repository), assertCommitSha(sha)];
      const code = await runDokkuCommand(words, { DOKKU_APP_NAME: '', DOKKU_GLOBAL_FLAGS: '' });
      if (code !== 0) throw new UserError(`dokku git:sync --build ${app} failed (exit ${code})`);
    });
};

export default register;
