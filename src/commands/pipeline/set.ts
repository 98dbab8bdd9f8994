import type { CommandModule } from '../../program.js';
import { UserError } from '../../lib/output/errors.js';
import { log, printable } from '../../lib/output/log.js';
import { runTrigger } from '../../lib/dokku/plugn.js';
import { assertPipelineExists, assertValidPipelineName } from '../../lib/pipelines/model.js';
import { readPipelines } from '../../lib/pipelines/store.js';
import { assertPipelineSettingKey, PIPELINE_SETTINGS, writePipelineSetting } from '../../lib/review-apps/settings.js';

// `pipeline:set <pipeline> <key> [<value>]`, like Dokku's *:set: no value clears the key. The
// keys are a validated table (lib/review-apps/settings.ts); today they are the review-app ones.
const register: CommandModule = (program, ctx) => {
  program
    .command('pipeline:set')
    .description('set or clear a pipeline setting')
    .argument('[pipeline]')
    .argument('[key]')
    .argument('[value]')
    .action(async (pipelineArg: string | undefined, keyArg: string | undefined, value: string | undefined, _options, command) => {
      if ((command.args as string[]).length > 3) throw new UserError(`Too many arguments: ${printable((command.args as string[]).slice(3).join(' '))}`);
      const name = assertValidPipelineName(pipelineArg);
      const key = assertPipelineSettingKey(keyArg);
      const stored = value === undefined || value === '' ? undefined : PIPELINE_SETTINGS[key].validate(value);
      assertPipelineExists(readPipelines(ctx().paths), name);
      await writePipelineSetting(ctx().paths, name, key, stored);
      log.step(stored === undefined ? `Unsetting ${key} of pipeline ${name}` : `Setting ${key} of pipeline ${name} to ${stored}`);
      // The stale-app job is a cron entry: ask Dokku's cron to write its crontab again.
      if (key === 'review-apps-stale-days') await runTrigger('scheduler-cron-write', ['docker-local']);
    });
};

export default register;
