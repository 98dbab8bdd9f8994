import type { CommandModule } from '../../program.js';
import { UserError } from '../../lib/output/errors.js';
import { log, printable } from '../../lib/output/log.js';
import { assertPipelineExists, assertValidPipelineName } from '../../lib/pipelines/model.js';
import { assertPipelineSettingKey, assertPipelineSettingValue, setPipelineSetting } from '../../lib/pipelines/settings.js';
import { readPipelines, updatePipelines } from '../../lib/pipelines/store.js';
import { runTrigger } from '../../lib/dokku/plugn.js';

// Like Dokku's `<plugin>:set <app> <key> [<value>]`, for a pipeline: an empty value unsets.
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
      // Refused before the lock: a refusal touches nothing, not even the lock file.
      assertPipelineExists(readPipelines(ctx().paths), name);
      if (value !== undefined && value !== '') assertPipelineSettingValue(key, value);
      await updatePipelines(ctx().paths, (file) => ({ file: setPipelineSetting(file, name, key, value), result: undefined }));
      if (value === undefined || value === '') log.step(`Unsetting ${key} on pipeline ${name}`);
      else log.step(`Setting ${key} to ${value} on pipeline ${name}`);
      // The stale review-app job is a cron entry: ask Dokku's cron to write its crontab again.
      if (key === 'review-apps-stale-days') await runTrigger('scheduler-cron-write', ['docker-local']);
    });
};

export default register;
