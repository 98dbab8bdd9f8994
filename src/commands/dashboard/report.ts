import fs from 'node:fs';
import type { CommandModule } from '../../program.js';
import { DEFAULT_DASHBOARD_APP, readDashboardMarker } from '../../lib/dashboard/app.js';
import { appUrl } from '../../lib/dokku/apps.js';
import { dashboardSshHost, runningContainers } from '../../lib/dokku/dashboard-app.js';
import type { DokkuPaths } from '../../lib/dokku/env.js';
import { parseFormat, reportBlock } from '../../lib/output/format.js';
import { log } from '../../lib/output/log.js';

// `dokku ownstack:dashboard:report [--format json]`, in the shape of Dokku's reports.
const register: CommandModule = (program, ctx) => {
  program
    .command('ownstack:dashboard:report')
    .description('show the dashboard app and its state')
    .option('--format <format>', 'stdout or json')
    .action(async (options: { format?: string }) => {
      const format = parseFormat(options.format);
      const { paths } = ctx();
      const marker = readDashboardMarker(paths);
      const app = marker?.app ?? DEFAULT_DASHBOARD_APP;
      const exists = marker !== undefined && fs.existsSync(paths.appRepo(app));
      const running = exists ? (await runningContainers(app)) > 0 : false;
      const values = {
        app,
        enabled: String(exists),
        url: exists ? ((await appUrl(app)) ?? '') : '',
        image: exists ? (marker?.image ?? '') : '',
        running: String(running),
        'ssh-host': await sshHostShown(paths),
      };
      if (format === 'json') {
        log.out(JSON.stringify(values));
        return;
      }
      log.out(reportBlock('Ownstack dashboard information', Object.entries(values).map(([key, value]) => [`Dashboard ${key}`, value])));
    });
};

/** Where the app reaches sshd: the setting, else the bridge's gateway (said when it is a default). */
async function sshHostShown(paths: DokkuPaths): Promise<string> {
  try {
    const where = await dashboardSshHost(paths);
    return `${where.host}:${where.port}${where.from === 'default' ? ' (default: the bridge gateway)' : ''}`;
  } catch {
    return '';
  }
}

export default register;
