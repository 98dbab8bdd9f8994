import type { CommandModule } from '../../program.js';
import { UserError } from '../../lib/output/errors.js';
import { parseFormat, reportBlock } from '../../lib/output/format.js';
import { log, printable } from '../../lib/output/log.js';
import { assertPipelineExists, assertValidPipelineName } from '../../lib/pipelines/model.js';
import { readPipelines } from '../../lib/pipelines/store.js';
import { reviewAppsConfig } from '../../lib/review-apps/model.js';
import { PIPELINE_SETTING_KEYS, readPipelineSettings } from '../../lib/review-apps/settings.js';

// `pipeline:report <pipeline> [--format json] [--pipeline-<key>]`: each key as set, and as in effect.
const register: CommandModule = (program, ctx) => {
  program
    .command('pipeline:report')
    .description('display the settings of a pipeline')
    .argument('[args...]', 'a pipeline, and at most one --pipeline-<key> flag')
    .option('--format <format>', 'stdout or json')
    .allowUnknownOption()
    .action((_args: string[], options: { format?: string }, command) => {
      const format = parseFormat(options.format);
      const words = command.args as string[];
      const flags = words.filter((arg) => arg.startsWith('--pipeline-'));
      const stray = words.filter((arg) => arg.startsWith('-') && !arg.startsWith('--pipeline-'));
      if (stray.length > 0) throw new UserError(`Unknown option ${printable(stray[0])}`);
      const positional = words.filter((arg) => !arg.startsWith('-'));
      if (positional.length > 1) throw new UserError(`Too many arguments: ${printable(positional.slice(1).join(' '))}`);
      const name = assertValidPipelineName(positional[0]);
      const pipeline = assertPipelineExists(readPipelines(ctx().paths), name);
      const stored = readPipelineSettings(ctx().paths, name);
      const config = reviewAppsConfig(pipeline, stored);
      const computed: Record<string, string> = {
        'review-apps': String(config.enabled),
        'review-apps-parent': config.parent ?? '',
        'review-apps-limit': String(config.limit),
        'review-apps-stale-days': config.staleDays === undefined ? '' : String(config.staleDays),
      };
      const values: Record<string, string> = {};
      for (const key of PIPELINE_SETTING_KEYS) {
        values[key] = stored[key] ?? '';
        values[`computed-${key}`] = computed[key];
      }
      if (flags.length > 0) {
        if (flags.length > 1) throw new UserError('Only one --pipeline-<flag> may be given');
        const key = flags[0].slice('--pipeline-'.length);
        if (!Object.hasOwn(values, key)) throw new UserError(`Invalid flag ${printable(flags[0])}, valid flags: ${Object.keys(values).map((k) => `--pipeline-${k}`).join(', ')}`);
        log.out(values[key]);
        return;
      }
      if (format === 'json') {
        log.out(JSON.stringify(values));
        return;
      }
      log.out(reportBlock(`${name} pipeline information`, Object.entries(values).map(([key, value]) => [`Pipeline ${key.replace(/-/g, ' ')}`, value])));
    });
};

export default register;
