import type { CommandModule } from '../../program.js';
import { assertAppExists } from '../../lib/context.js';
import { UserError } from '../../lib/output/errors.js';
import { log } from '../../lib/output/log.js';
import { addApp, placeOfApp } from '../../lib/pipelines/model.js';
import { updatePipelines } from '../../lib/pipelines/store.js';

// The OwnStack form: name the production app, not the pipeline, so the common two-stage setup
// needs no pipeline name at all.
const register: CommandModule = (program, ctx) => {
  program
    .command('pipeline:add-staging')
    .description("add a staging app to the production app's pipeline")
    .argument('<production-app>')
    .argument('<staging-app>')
    .action(async (productionArg: string, stagingArg: string) => {
      const production = assertAppExists(ctx(), productionArg);
      const staging = assertAppExists(ctx(), stagingArg);
      const pipeline = await updatePipelines(ctx().paths, (file) => {
        const place = placeOfApp(file, production);
        if (!place) throw new UserError(`App ${production} is not in any pipeline; create one first with pipeline:create ${production}`);
        if (place.stage !== 'production') {
          throw new UserError(`App ${production} is in the ${place.stage} stage of pipeline ${place.pipeline}, not in production`);
        }
        return { file: addApp(file, place.pipeline, staging, 'staging'), result: place.pipeline };
      });
      log.step(`Added ${staging} to pipeline ${pipeline} as staging`);
    });
};

export default register;
