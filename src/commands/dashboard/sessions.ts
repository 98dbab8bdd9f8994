import type { CommandModule } from '../../program.js';
import { now } from '../../lib/clock.js';
import { listSessions } from '../../lib/dashboard/sessions.js';
import { parseFormat } from '../../lib/output/format.js';
import { log } from '../../lib/output/log.js';
import { columns } from '../../lib/releases/format.js';

// `dokku ownstack:dashboard:sessions`: who is signed in to the dashboard (never a secret).
const register: CommandModule = (program, ctx) => {
  program
    .command('ownstack:dashboard:sessions')
    .description('list the dashboard sessions')
    .option('--format <format>', 'stdout or json')
    .action((options: { format?: string }) => {
      const format = parseFormat(options.format);
      const sessions = listSessions(ctx().paths.dashboardRoot, now());
      if (format === 'json') {
        log.out(JSON.stringify(sessions.map((s) => ({ id: s.id, name: s.name, role: s.role, created_at: s.created_at, last_seen: s.last_seen }))));
        return;
      }
      log.out('=====> Dashboard sessions');
      log.out(sessions.length === 0 ? '       No one is signed in' : columns(['ID', 'NAME', 'ROLE', 'CREATED', 'LAST SEEN'], sessions.map((s) => [s.id, s.name, s.role, s.created_at, s.last_seen])));
    });
};

export default register;
