import type { CommandModule } from '../../program.js';
import { now } from '../../lib/clock.js';
import { assertViewerName, type Role } from '../../lib/dashboard/identity.js';
import { readDashboardMarker } from '../../lib/dashboard/app.js';
import { signInBase, signInUrl } from '../../lib/dashboard/links.js';
import { appUrl } from '../../lib/dokku/apps.js';
import { readSetting } from '../../lib/settings/settings.js';
import { mintLogin } from '../../lib/dashboard/logins.js';
import { parseFormat } from '../../lib/output/format.js';
import { log } from '../../lib/output/log.js';

// `dokku ownstack:dashboard:login`: a single-use sign-in link, valid 10 minutes, for the ssh key
// that asks (Dokku's SSH_NAME, src/lib/identity/who.ts) as a deployer, or with --viewer for a
// person without a key, read-only. Only the token's SHA-256 is kept.
const register: CommandModule = (program, ctx) => {
  program
    .command('ownstack:dashboard:login')
    .description('print a single-use sign-in link for the dashboard')
    .option('--viewer <name>', 'a read-only link for a person without an ssh key')
    .option('--format <format>', 'stdout or json')
    .action(async (options: { viewer?: string; format?: string }) => {
      const format = parseFormat(options.format);
      const who: { name: string; role: Role } =
        options.viewer !== undefined ? { name: assertViewerName(options.viewer), role: 'viewer' } : { name: ctx().env.who, role: 'deployer' };
      // Refused before anything is written when there is no URL to print. Dokku is asked only
      // when the setting does not name the URL.
      const paths = ctx().paths;
      const marker = readSetting(paths, undefined, 'dashboard-url').computed ? undefined : readDashboardMarker(paths);
      const base = signInBase(paths, marker ? await appUrl(marker.app) : undefined);
      const minted = await mintLogin(paths.dashboardRoot, who, now());
      const url = signInUrl(base, minted.token);
      if (format === 'json') {
        log.out(JSON.stringify({ url, expires_at: minted.expires_at, name: minted.name, role: minted.role }));
        return;
      }
      log.step(`Sign-in link for ${minted.name} (${minted.role}), usable once until ${minted.expires_at}:`);
      log.out(url);
    });
};

export default register;
