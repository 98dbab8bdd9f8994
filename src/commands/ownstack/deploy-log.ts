import type { CommandModule } from '../../program.js';
import { assertAppExists } from '../../lib/context.js';
import { parseReleaseId } from '../../lib/dokku/validate.js';
import { UserError } from '../../lib/output/errors.js';
import { dokkuBuildLog } from '../../lib/dokku/host-files.js';
import type { ReleaseRecord } from '../../lib/releases/record.js';
import { touchStore } from '../../lib/releases/trigger-support.js';
import { log } from '../../lib/output/log.js';
import { REMOTE_LOG_KEPT_BYTES, remoteDeployLog } from '../../lib/stacks/deploy-log.js';
import { formatAppRef, parseAppRef } from '../../lib/stacks/model.js';

// `heroku releases:output`: the full log of one deploy, the newest by default. Our gzip copy
// outlives Dokku's 20 builds; a deploy still running shows its log so far: the one a promotion,
// rollback or image deploy writes as it runs (live-log.ts), else Dokku's live build log.
// `<app>@<stack>` asks that stack for its own log of the app (over the stacks' ssh path).
const register: CommandModule = (program, ctx) => {
  program
    .command('ownstack:deploy-log')
    .description("print a release's deploy log (the newest by default)")
    .argument('[app]', 'an app of this host, or <app>@<stack>')
    .argument('[id]')
    .action(async (appArg: string | undefined, idArg: string | undefined) => {
      if (appArg?.includes('@')) {
        const ref = parseAppRef(appArg);
        const remote = await remoteDeployLog(ctx(), ref.stack!, ref.app, idArg === undefined ? undefined : parseReleaseId(idArg));
        log.out(remote.text);
        // after the log, where a reader of a long log looks last
        if (remote.cut) log.warn(`The deploy log of ${formatAppRef(ref)} is longer than ${REMOTE_LOG_KEPT_BYTES / 1024 / 1024} MiB: only its last ${REMOTE_LOG_KEPT_BYTES / 1024 / 1024} MiB is shown`);
        return;
      }
      const app = assertAppExists(ctx(), appArg);
      const requested = idArg === undefined ? undefined : parseReleaseId(idArg);
      const store = await touchStore(ctx(), app);

      let record: ReleaseRecord | undefined;
      if (requested !== undefined) {
        record = store.get(requested);
        if (!record) throw new UserError(`Release v${requested} of ${app} does not exist`);
      } else {
        const { records, corrupt } = store.newest(1);
        record = records[0];
        if (!record && corrupt[0]) throw new UserError(`Release v${corrupt[0].id} of ${app} is unreadable: ${corrupt[0].file}: ${corrupt[0].problem}`);
        if (!record) throw new UserError(`${app} has no releases yet`);
      }

      let text = store.readLog(record.id);
      if (text === undefined && record.status === 'running') text = dokkuBuildLog(ctx(), app, record.build_id)?.toString('utf8');
      if (text === undefined) {
        throw new UserError(`No deploy log is kept for v${record.id} of ${app} (logs are kept for the releases within the retention setting)`);
      }
      process.stdout.write(text.endsWith('\n') || text === '' ? text : `${text}\n`);
    });
};

export default register;
