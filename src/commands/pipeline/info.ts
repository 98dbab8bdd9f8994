import type { CommandModule } from '../../program.js';
import { parseFormat, reportBlock } from '../../lib/output/format.js';
import { log } from '../../lib/output/log.js';
import { assertValidPipelineName, resolvePipeline, STAGES } from '../../lib/pipelines/model.js';
import { readPipelines } from '../../lib/pipelines/store.js';
import { pipelineStatus, statusLine } from '../../lib/stacks/status.js';

const register: CommandModule = (program, ctx) => {
  program
    .command('pipeline:info')
    .description('show the stages and apps of a pipeline')
    .argument('<pipeline|app>')
    .option('--format <format>', 'stdout or json')
    .action(async (nameArg: string, options: { format?: string }) => {
      const format = parseFormat(options.format);
      // Pipeline and app names follow the same rule, so one check covers both readings.
      const name = assertValidPipelineName(nameArg);
      const pipeline = resolvePipeline(readPipelines(ctx().paths), name);
      // Every app's current release, here and on every stack at once (bounded by the ssh timeout).
      const apps = await pipelineStatus(ctx(), pipeline);
      if (format === 'json') {
        log.out(JSON.stringify({ ...pipeline, apps }));
        return;
      }
      log.out(reportBlock(`Pipeline ${pipeline.name}`, STAGES.map((stage) => [stage, pipeline.stages[stage].join(' ')])));
      if (apps.length > 0) {
        const width = Math.max(...apps.map((status) => (status.stack ? `${status.app}@${status.stack}` : status.app).length));
        log.out(['=====> Apps', ...apps.map((status) => `       ${statusLine(status, width)}`)].join('\n'));
      }
    });
};

export default register;
