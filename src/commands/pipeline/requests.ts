import type { CommandModule } from '../../program.js';
import { displayStatus, requestLabel, requestsOf } from '../../lib/approvals/model.js';
import { readRequests } from '../../lib/approvals/store.js';
import { now } from '../../lib/clock.js';
import { parseFormat } from '../../lib/output/format.js';
import { log } from '../../lib/output/log.js';
import { assertPipelineExists, assertValidPipelineName } from '../../lib/pipelines/model.js';
import { shortImage } from '../../lib/pipelines/promotion.js';
import { readPipelines } from '../../lib/pipelines/store.js';
import { columns, relativeTime } from '../../lib/releases/format.js';

// The pipeline's promotion requests, newest first. Read-only: a pending request past its expiry
// shows as expired here; the next promote/approve/reject writes that down and lets its image go.
const register: CommandModule = (program, ctx) => {
  program
    .command('pipeline:requests')
    .description("list a pipeline's promotion requests")
    .argument('[pipeline]')
    .option('--format <format>', 'stdout or json')
    .action((pipelineArg: string | undefined, options: { format?: string }) => {
      const format = parseFormat(options.format);
      const context = ctx();
      const pipeline = assertValidPipelineName(pipelineArg);
      assertPipelineExists(readPipelines(context.paths), pipeline);
      const at = now();
      const requests = requestsOf(readRequests(context.paths), pipeline).map((request) => ({ ...request, display_status: displayStatus(request, at) }));
      if (format === 'json') {
        log.out(JSON.stringify(requests));
        return;
      }
      log.out(`=====> ${pipeline} promotion requests`);
      if (requests.length === 0) return;
      log.out(
        columns(
          ['ID', 'STATUS', 'SOURCE', 'IMAGE', 'TARGETS', 'REQUESTED', 'BY', 'DECIDED BY'],
          requests.map((request) => [
            requestLabel(request.id),
            request.display_status,
            `${request.source.app} v${request.source.release_id}`,
            shortImage(request.source.image_id),
            request.targets.map((target) => target.app).join(', '),
            relativeTime(request.requested_at, at),
            request.requested_by,
            request.decided_by ?? (request.display_status === 'pending' ? `(expires ${relativeTime(request.expires_at, at)})` : ''),
          ]),
        ),
      );
    });
};

export default register;
