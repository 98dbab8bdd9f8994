import fs from 'node:fs';
import type { CommandModule } from '../../program.js';
import {
  assertDashboardAppIsOurs,
  assertUnprivilegedOwner,
  dashboardImageTag,
  dashboardMounts,
  DEFAULT_DASHBOARD_APP,
  mountSpec,
  readDashboardMarker,
  writeDashboardMarker,
} from '../../lib/dashboard/app.js';
import { appUrl, runDokkuCommand } from '../../lib/dokku/apps.js';
import { buildDashboardImage, dashboardSshHost, ensureDashboardKey, hostPublicKeys, NESTED_DOKKU_ENV, registerDashboardKey, storageMounts } from '../../lib/dokku/dashboard-app.js';
import { assertValidAppName } from '../../lib/dokku/validate.js';
import { UserError } from '../../lib/output/errors.js';
import { log } from '../../lib/output/log.js';
import type { DokkuPaths } from '../../lib/dokku/env.js';
import { assertSystemUser, DASHBOARD_KEY_NAME, knownHostsLines, sshFiles, writeSshTarget } from '../../lib/dashboard/ssh.js';
import { writeSecretFile } from '../../lib/dashboard/secret-files.js';
import { COMMIT, VERSION } from '../../lib/version.js';

// `dokku ownstack:dashboard:enable [--app <name>]`: the dashboard as a Dokku app, deployed from an
// image built here from this very binary. Every step is idempotent, so running it again (after a
// plugin upgrade: a new image tag) rebuilds and redeploys.
const register: CommandModule = (program, ctx) => {
  program
    .command('ownstack:dashboard:enable')
    .description('run the dashboard as a Dokku app')
    .option('--app <name>', `the app name (default ${DEFAULT_DASHBOARD_APP})`)
    .action(async (options: { app?: string }) => {
      // Dokku takes a leading `dokku --app X …` off the command line and exports it (parse_args).
      const app = assertValidAppName(options.app ?? (process.env.DOKKU_APP_NAME || DEFAULT_DASHBOARD_APP));
      const { paths } = ctx();
      const appExists = fs.existsSync(paths.appRepo(app));
      assertDashboardAppIsOurs(app, appExists, readDashboardMarker(paths));

      for (const dir of [paths.ownstackRoot, paths.dashboardRoot]) fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
      // The container runs as the store's owner (Dokku's system user), the one who can read it.
      const owner = fs.statSync(paths.ownstackRoot);
      assertUnprivilegedOwner(owner.uid, paths.ownstackRoot);
      const image = dashboardImageTag(VERSION, COMMIT);
      log.step(`Building ${image} from ${process.execPath}`);
      await buildDashboardImage(process.execPath, image, { uid: owner.uid, gid: owner.gid, version: VERSION, commit: COMMIT });

      await setUpActions(paths, ctx().env.systemUser);

      // Written before the app exists: a kill in between leaves an app that is still known as ours.
      const marker = readDashboardMarker(paths);
      const deployed = appExists ? marker?.deployed : undefined;
      await writeDashboardMarker(paths, { app, image, deployed });
      if (!appExists) await dokku(['apps:create', app]);
      const present = new Set((await storageMounts(app)).map((mount) => `${mount.host_path}:${mount.container_path}${mount.readonly ? ':ro' : ''}`));
      for (const mount of dashboardMounts(paths)) {
        const spec = mountSpec(mount);
        if (!present.has(spec)) await dokku(['storage:mount', app, spec]);
      }
      await dokku(['config:set', '--no-restart', app, `DOKKU_LIB_ROOT=${ctx().env.libRoot}`]);
      if (deployed === image) {
        // Dokku's git:from-image fails on an image it already deployed; a restart applies mounts and config.
        log.step(`${app} already runs ${image}; restarting it`);
        await dokku(['ps:restart', app]);
      } else {
        log.step(`Deploying ${image} to ${app}`);
        await dokku(['git:from-image', app, image]);
        await writeDashboardMarker(paths, { app, image, deployed: image });
      }

      // Sign-in links take the app's URL from Dokku when they are minted (lib/dashboard/links.ts),
      // so nothing is written here that domains:set or letsencrypt:enable would make stale.
      const url = await appUrl(app);
      log.step(`The dashboard is app ${app}${url ? ` at ${url}` : ''}; sign in with: dokku ownstack:dashboard:login`);
    });
};

/**
 * The dashboard acts over ssh with its own key (lib/dashboard/ssh.ts): the key pair in its own
 * directory, registered as Dokku's ssh key `ownstack-dashboard` (replaced on every enable), this
 * host's sshd keys as its only known host, and where that sshd is, as the app's containers see it.
 */
async function setUpActions(paths: DokkuPaths, systemUser: string | undefined): Promise<void> {
  const files = sshFiles(paths);
  const publicKey = await ensureDashboardKey(files);
  await registerDashboardKey(publicKey);
  await writeSecretFile(files.knownHosts, knownHostsLines(hostPublicKeys()));
  const where = await dashboardSshHost(paths);
  await writeSshTarget(paths, { user: assertSystemUser(systemUser ?? 'dokku'), host: where.host, port: where.port });
  log.step(`The dashboard acts as ssh key ${DASHBOARD_KEY_NAME}, through ${where.host}:${where.port}`);
}

async function dokku(args: string[]): Promise<void> {
  const code = await runDokkuCommand(args, NESTED_DOKKU_ENV);
  if (code !== 0) throw new UserError(`dokku ${args[0]} failed (exit ${code})`);
}

export default register;
