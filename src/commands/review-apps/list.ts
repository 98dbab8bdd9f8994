import type { CommandModule } from '../../program.js';
import { parseFormat } from '../../lib/output/format.js';
import { log } from '../../lib/output/log.js';
import { assertPipelineExists, assertValidPipelineName } from '../../lib/pipelines/model.js';
import { readPipelines } from '../../lib/pipelines/store.js';
import { columns, relativeTime } from '../../lib/releases/format.js';
import { shortSha } from '../../lib/releases/describe.js';
import { reviewAppRows } from '../../lib/review-apps/lifecycle.js';

const register: CommandModule = (program, ctx) => {
  program
    .command('review-apps:list')
    .description('list the review apps of a pipeline')
    .argument('[pipeline]')
    .option('--format <format>', 'stdout or json')
    .action(async (pipelineArg: string | undefined, options: { format?: string }) => {
      const format = parseFormat(options.format);
      const name = assertValidPipelineName(pipelineArg);
      const pipeline = assertPipelineExists(readPipelines(ctx().paths), name);
      const rows = await reviewAppRows(ctx(), pipeline);
      if (format === 'json') {
        log.out(JSON.stringify(rows));
        return;
      }
      log.header(`${name} review apps`);
      if (rows.length === 0) {
        log.out('(none)');
        return;
      }
      const now = new Date();
      log.out(columns(['NAME', 'SOURCE', 'RELEASE', 'STATUS', 'URL', 'AGE', 'LAST DEPLOY'], rows.map((row) => [
        row.name,
        row.source && /^[0-9a-f]{40}$/.test(row.source) ? shortSha(row.source) ?? '' : row.source ?? '',
        row.release === null ? '' : `v${row.release}`,
        row.status,
        row.url ?? '',
        relativeTime(row.created_at, now),
        relativeTime(row.last_deploy_at, now),
      ])));
    });
};

export default register;
