import type { CommandModule } from '../../program.js';
import { UserError } from '../../lib/output/errors.js';
import { parseFormat, reportBlock } from '../../lib/output/format.js';
import { log, printable } from '../../lib/output/log.js';
import { assertPipelineExists, assertValidPipelineName, type Pipeline } from '../../lib/pipelines/model.js';
import { computedSetting, PIPELINE_SETTING_KEYS, storedSettings } from '../../lib/pipelines/settings.js';
import { readPipelines } from '../../lib/pipelines/store.js';

// Like Dokku's `<plugin>:report`: each key's stored and computed (default-filled) value;
// `--pipeline-<key>` prints one bare value; no argument reports every pipeline.
function reportValues(pipeline: Pipeline): Record<string, string> {
  const stored = storedSettings(pipeline);
  const values: Record<string, string> = {};
  for (const key of PIPELINE_SETTING_KEYS) {
    values[key] = stored[key];
    values[`computed-${key}`] = computedSetting(pipeline, key);
  }
  return values;
}

const label = (key: string) => `Pipeline ${key.replace(/-/g, ' ')}`;

const register: CommandModule = (program, ctx) => {
  program
    .command('pipeline:report')
    .description('display pipeline settings')
    .argument('[args...]', 'a pipeline, and at most one --pipeline-<key> flag')
    .option('--format <format>', 'stdout or json')
    .allowUnknownOption()
    .action((_args: string[], options: { format?: string }, command) => {
      const format = parseFormat(options.format);
      // Unknown options stay in command.args with the operands: --pipeline-<key> flags are ours.
      const words = command.args as string[];
      const flags = words.filter((arg) => arg.startsWith('--pipeline-'));
      const stray = words.filter((arg) => arg.startsWith('-') && !arg.startsWith('--pipeline-'));
      if (stray.length > 0) throw new UserError(`Unknown option ${printable(stray[0])}`);
      const positional = words.filter((arg) => !arg.startsWith('-'));
      if (positional.length > 1) throw new UserError(`Too many arguments: ${printable(positional.slice(1).join(' '))}`);
      const file = readPipelines(ctx().paths);
      const pipelines = positional.length > 0 ? [assertPipelineExists(file, assertValidPipelineName(positional[0]))] : file.pipelines;

      if (flags.length > 0) {
        if (flags.length > 1) throw new UserError('Only one --pipeline-<flag> may be given');
        if (positional.length === 0) throw new UserError('A --pipeline-<flag> needs a pipeline');
        const values = reportValues(pipelines[0]);
        const key = flags[0].slice('--pipeline-'.length);
        if (!Object.hasOwn(values, key)) throw new UserError(`Invalid flag ${printable(flags[0])}, valid flags: ${Object.keys(values).map((k) => `--pipeline-${k}`).join(', ')}`);
        log.out(values[key]);
        return;
      }
      if (format === 'json') {
        log.out(JSON.stringify(positional.length > 0 ? reportValues(pipelines[0]) : Object.fromEntries(pipelines.map((p) => [p.name, reportValues(p)]))));
        return;
      }
      if (pipelines.length === 0) {
        log.warn('There are no pipelines yet');
        return;
      }
      for (const pipeline of pipelines) {
        log.out(reportBlock(`${pipeline.name} pipeline information`, Object.entries(reportValues(pipeline)).map(([key, value]) => [label(key), value])));
      }
    });
};

export default register;
