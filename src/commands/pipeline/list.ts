import type { CommandModule } from '../../program.js';
import { parseFormat } from '../../lib/output/format.js';
import { log } from '../../lib/output/log.js';
import { appsOf, publicPipeline } from '../../lib/pipelines/model.js';
import { readPipelines } from '../../lib/pipelines/store.js';

const register: CommandModule = (program, ctx) => {
  program
    .command('pipeline:list')
    .description('list pipelines')
    .option('--format <format>', 'stdout or json')
    .action((options: { format?: string }) => {
      const format = parseFormat(options.format);
      const { pipelines } = readPipelines(ctx().paths);
      if (format === 'json') {
        log.out(JSON.stringify(pipelines.map(publicPipeline)));
        return;
      }
      // Like apps:list: a header, then one pipeline a line, with its apps and their stages.
      log.out('=====> Pipelines');
      const width = Math.max(0, ...pipelines.map((pipeline) => pipeline.name.length));
      for (const pipeline of pipelines) {
        const members = appsOf(pipeline).map(({ app, stage }) => `${app} (${stage})`).join(', ');
        log.out(`${pipeline.name.padEnd(width)}  ${members}`.trimEnd());
      }
    });
};

export default register;
