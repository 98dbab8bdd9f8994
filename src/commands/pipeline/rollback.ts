import type { CommandModule } from '../../program.js';
import { LOCAL_STACK, rollbackStage, stageMembers } from '../../lib/deploy/stage-rollback.js';
import { parseNonNegativeInt } from '../../lib/dokku/validate.js';
import { UserError } from '../../lib/output/errors.js';
import { log } from '../../lib/output/log.js';
import { assertPipelineExists, assertStage, assertValidPipelineName } from '../../lib/pipelines/model.js';
import { outcomeLine } from '../../lib/pipelines/promotion.js';
import { readPipelines } from '../../lib/pipelines/store.js';
import { assertStackName } from '../../lib/stacks/model.js';

const register: CommandModule = (program, ctx) => {
  program
    .command('pipeline:rollback')
    .description('roll every app of a stage back to its previous release, on every stack or one')
    .argument('[pipeline]')
    .option('--stage <stage>', 'review, development, staging or production')
    .option('--stack <name>', `only the apps on this stack (${LOCAL_STACK}: this host)`)
    .option('--lock-wait <seconds>', "seconds to wait for each app's deploy lock")
    .action(async (pipelineArg: string | undefined, options: { stage?: string; stack?: string; lockWait?: string }) => {
      const name = assertValidPipelineName(pipelineArg);
      const stage = assertStage(options.stage);
      const stack = options.stack === undefined ? undefined : assertStackName(options.stack);
      const lockWait = options.lockWait === undefined ? undefined : parseNonNegativeInt(options.lockWait, '--lock-wait', 86400);
      const pipeline = assertPipelineExists(readPipelines(ctx().paths), name);
      const members = stageMembers(pipeline, stage, stack);

      log.header(`Rolling back the ${stage} stage of ${name}: ${members.join(', ')}`);
      const outcomes = await rollbackStage(ctx(), members, lockWait);
      log.out(['=====> Rollback results', ...outcomes.map((outcome) => `       ${outcomeLine(outcome)}`)].join('\n'));
      const failed = outcomes.filter((outcome) => !outcome.ok);
      if (failed.length > 0) {
        throw new UserError(`Rollback of the ${stage} stage of ${name} failed for ${failed.length} of ${outcomes.length} apps (${outcomeLine(failed[0])}${failed.length > 1 ? '; see the results above for the others' : ''})`);
      }
    });
};

export default register;
