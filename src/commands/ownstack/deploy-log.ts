import type { CommandModule } from '../../program.js';
import { assertAppExists } from '../../lib/context.js';
import { parseReleaseId } from '../../lib/dokku/validate.js';
import { UserError } from '../../lib/output/errors.js';
import { dokkuBuildLog } from '../../lib/dokku/host-files.js';
import type { ReleaseRecord } from '../../lib/releases/record.js';
import { touchStore } from '../../lib/releases/trigger-support.js';

// `heroku releases:output`: the full log of one deploy, the newest by default. Our gzip copy
// outlives Dokku's 20 builds; a deploy still running shows its log so far: the one a promotion,
// rollback or image deploy writes as it runs (live-log.ts), else Dokku's live build log.
const register: CommandModule = (program, ctx) => {
  program
    .command('ownstack:deploy-log')
    .description("print a release's deploy log (the newest by default)")
    .argument('[app]')
    .argument('[id]')
    .action(async (appArg: string | undefined, idArg: string | undefined) => {
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
