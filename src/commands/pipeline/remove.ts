import type { CommandModule } from '../../program.js';
import { formatAppRef, parseAppRef } from '../../lib/stacks/model.js';
import { log } from '../../lib/output/log.js';
import { removeApp } from '../../lib/pipelines/model.js';
import { updatePipelines } from '../../lib/pipelines/store.js';

const register: CommandModule = (program, ctx) => {
  program
    .command('pipeline:remove')
    .description('remove an app from its pipeline')
    .argument('<app>', 'an app of this host, or <app>@<stack>')
    .action(async (appArg: string) => {
      // Only the name is checked, not that the app exists: this is also how a stale entry is
      // cleaned up if an app ever disappears without apps:destroy telling us.
      const app = formatAppRef(parseAppRef(appArg, 'Please specify an app to run the command on'));
      const place = await updatePipelines(ctx().paths, (file) => {
        const { file: next, place: removed } = removeApp(file, app);
        return { file: next, result: removed };
      });
      log.step(`Removed ${app} from pipeline ${place!.pipeline} (${place!.stage})`);
    });
};

export default register;
