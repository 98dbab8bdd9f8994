import fs from 'node:fs';
import type { CommandModule } from '../../program.js';
import { readDashboardMarker, removeDashboardMarker } from '../../lib/dashboard/app.js';
import { runDokkuCommand } from '../../lib/dokku/apps.js';
import { dashboardImages, NESTED_DOKKU_ENV, removeImageByName, unregisterDashboardKey } from '../../lib/dokku/dashboard-app.js';
import { DASHBOARD_KEY_NAME, sshFiles } from '../../lib/dashboard/ssh.js';
import { UserError } from '../../lib/output/errors.js';
import { log } from '../../lib/output/log.js';

// `dokku ownstack:dashboard:disable`: destroys the dashboard's app and its images, and removes its
// ssh key (`ssh-keys:remove ownstack-dashboard`). Its own state
// (sessions, sign-in links) stays in data/ownstack-dashboard/, so enabling it again keeps people
// signed in; `ownstack:dashboard:revoke --all` ends them. The global dashboard-url stays too.
const register: CommandModule = (program, ctx) => {
  program
    .command('ownstack:dashboard:disable')
    .description('remove the dashboard app')
    .action(async () => {
      const { paths } = ctx();
      const marker = readDashboardMarker(paths);
      if (!marker) throw new UserError('The dashboard is not enabled');
      if (fs.existsSync(paths.appRepo(marker.app))) {
        const code = await runDokkuCommand(['apps:destroy', '--force', marker.app], NESTED_DOKKU_ENV);
        if (code !== 0) throw new UserError(`dokku apps:destroy failed (exit ${code})`);
      }
      for (const image of await dashboardImages()) {
        if (!(await removeImageByName(image))) log.warn(`Could not remove image ${image}`);
      }
      // The dashboard can no longer act: Dokku forgets its key, and the key pair goes.
      if (await unregisterDashboardKey()) log.step(`Removed the ssh key ${DASHBOARD_KEY_NAME}`);
      fs.rmSync(sshFiles(paths).dir, { recursive: true, force: true });
      removeDashboardMarker(paths);
      log.step(`The dashboard app ${marker.app} is removed; its sessions are kept (dokku ownstack:dashboard:revoke --all ends them)`);
    });
};

export default register;
