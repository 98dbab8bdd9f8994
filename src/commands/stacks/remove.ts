import type { CommandModule } from '../../program.js';
import { UserError } from '../../lib/output/errors.js';
import { log } from '../../lib/output/log.js';
import { readPipelines } from '../../lib/pipelines/store.js';
import { appsOf } from '../../lib/pipelines/model.js';
import { assertStackName, removeStackFrom } from '../../lib/stacks/model.js';
import { parseAppRef } from '../../lib/stacks/model.js';
import { readStacks, updateStacks } from '../../lib/stacks/store.js';

const register: CommandModule = (program, ctx) => {
  program
    .command('stacks:remove')
    .description('forget a remote Dokku host (its apps and data are left alone)')
    .argument('[name]')
    .action(async (nameArg: string | undefined) => {
      const name = assertStackName(nameArg);
      // A pipeline stage naming an app on the stack would point nowhere.
      const users = readPipelines(ctx().paths).pipelines.flatMap((pipeline) =>
        appsOf(pipeline).filter(({ app }) => parseAppRef(app).stack === name).map(({ app }) => `${app} in ${pipeline.name}`),
      );
      if (users.length > 0) throw new UserError(`Stack ${name} is still used by ${users.join(', ')}; remove those apps from their pipelines first`);
      removeStackFrom(readStacks(ctx().paths), name); // refused before the lock
      await updateStacks(ctx().paths, (file) => ({ file: removeStackFrom(file, name), result: undefined }));
      log.step(`Removed stack ${name}`);
    });
};

export default register;
