import fs from 'node:fs';
import path from 'node:path';
import type { CommandModule } from '../../program.js';
import type { Context } from '../../lib/context.js';
import { containersWithLabels, imageId, removeHoldingContainer, removeImage } from '../../lib/dokku/docker.js';
import { acquireFileLock, isFileLocked, type HeldLock } from '../../lib/dokku/lock.js';
import { assertValidAppName } from '../../lib/dokku/validate.js';
import { UserError } from '../../lib/output/errors.js';
import { log, printable } from '../../lib/output/log.js';
import { confirmationLines, heldImages, leftoversByApp, summary, type AppLeftovers } from '../../lib/purge/plan.js';
import { readPipelines } from '../../lib/pipelines/store.js';
import { openStore } from '../../lib/releases/store.js';
import { LABEL_APP, LABEL_IMAGE, LABEL_RELEASE, listHolders } from '../../lib/retention/index.js';

// `ownstack:purge <app>|--all [--force]`: removes what ownstack keeps (release histories, the
// containers that hold old images, and those images once nothing else uses them). An app need
// not exist any more: a store left by an app destroyed while the plugin was uninstalled is
// exactly what this is for. Confirmed as apps:destroy confirms; refused while a deploy holds
// the app's lock, since that deploy's triggers write to the store.

const APP_DIR_NAME = /^[a-z0-9][a-z0-9.-]*$/;

async function findLeftovers(ctx: Context, app: string | undefined): Promise<AppLeftovers[]> {
  if (app !== undefined) {
    const holders = await listHolders(app);
    return leftoversByApp(openStore(ctx, app).exists() ? [app] : [], holders.map((holder) => ({ ...holder, app })));
  }
  const stores = appDirectories(ctx.paths.ownstackRoot);
  // Holders are found engine-wide by our label, but only those of this Dokku's apps (with a store
  // here, or an app here) are removed: other Dokku installations may share the engine.
  const ours = new Set([...stores, ...appDirectories(ctx.env.dokkuRoot)]);
  const containers = await containersWithLabels(LABEL_APP, [LABEL_APP, LABEL_RELEASE, LABEL_IMAGE]);
  const holders = containers
    .filter((container) => ours.has(container.labels[LABEL_APP]))
    .map((container) => ({
      app: container.labels[LABEL_APP],
      name: container.name,
      releaseId: /^[1-9][0-9]{0,8}$/.test(container.labels[LABEL_RELEASE]) ? Number(container.labels[LABEL_RELEASE]) : undefined,
      imageId: container.labels[LABEL_IMAGE],
    }));
  return leftoversByApp(stores, holders);
}

/** Directories under `dir` named as apps are (no dot files such as .pipelines.json). */
function appDirectories(dir: string): string[] {
  try {
    return fs.readdirSync(dir, { withFileTypes: true }).filter((entry) => entry.isDirectory() && APP_DIR_NAME.test(entry.name)).map((entry) => entry.name);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

/** What is in one of our directories; none when it does not exist. */
function entries(dir: string): string[] {
  try {
    return fs.readdirSync(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

function emptyDirectory(dir: string): void {
  for (const name of entries(dir)) fs.rmSync(path.join(dir, name), { recursive: true, force: true });
}

/** One line from stdin, as `read -rp "> "` takes it (the prompt only on a terminal). */
function readLine(): Promise<string> {
  if (process.stdin.isTTY) process.stderr.write('> ');
  return new Promise((resolve) => {
    let data = '';
    const finish = (line: string) => {
      process.stdin.off('data', onData);
      process.stdin.off('end', onEnd);
      process.stdin.pause();
      resolve(line.replace(/\r$/, ''));
    };
    const onData = (chunk: string) => {
      data += chunk;
      const end = data.indexOf('\n');
      if (end >= 0) finish(data.slice(0, end));
    };
    const onEnd = () => finish(data);
    process.stdin.setEncoding('utf8');
    process.stdin.on('data', onData);
    process.stdin.on('end', onEnd);
    process.stdin.resume();
  });
}

/** The deploy locks of every app that can still deploy, taken without waiting; refuses if one is held. */
async function lockDeploys(ctx: Context, apps: string[]): Promise<HeldLock[]> {
  const held: HeldLock[] = [];
  try {
    for (const app of apps) {
      // A destroyed app cannot deploy, and its lock file must not bring its directory back.
      if (!fs.existsSync(ctx.paths.appRepo(app))) continue;
      held.push(await acquireFileLock(ctx.paths.deployLock(app), { waitSeconds: 0, what: `App ${app}`, removeOnRelease: true }));
    }
    return held;
  } catch {
    for (const lock of held) lock.release();
    throw deployInProgress(apps.find((app) => isFileLocked(ctx.paths.deployLock(app))) ?? apps[0]);
  }
}

function deployInProgress(app: string): UserError {
  return new UserError(`App ${app} is being deployed (a deploy holds its lock); run ownstack:purge again when it has finished`);
}

const register: CommandModule = (program, ctx) => {
  program
    .command('ownstack:purge')
    .description('remove what ownstack keeps for an app, or for all apps')
    .argument('[app]')
    .option('--all', 'every app, the pipelines and the settings')
    .option('--force', 'do not ask for confirmation')
    .action(async (appArg: string | undefined, options: { all?: boolean; force?: boolean }) => {
      if (options.all && appArg !== undefined) throw new UserError(`Give an app or --all, not both (got ${printable(appArg)})`);
      const app = options.all ? undefined : assertValidAppName(appArg);
      const context = ctx();
      const leftovers = await findLeftovers(context, app);
      // Files written by a newer ownstack are refused here, before anything is asked or removed.
      for (const entry of leftovers) if (entry.hasStore) openStore(context, entry.app).readState();
      if (!app) readPipelines(context.paths);
      const apps = leftovers.map((entry) => entry.app);
      const busy = apps.find((name) => isFileLocked(context.paths.deployLock(name)));
      if (busy) throw deployInProgress(busy);
      const anythingElse = options.all && entries(context.paths.ownstackRoot).concat(entries(context.paths.ownstackConfigRoot)).length > 0;
      if (leftovers.length === 0 && !anythingElse) {
        log.step(app ? `ownstack keeps nothing for ${app}` : 'ownstack keeps nothing on this host');
        return;
      }

      // Dokku's --force is a global flag: before the command it arrives as DOKKU_APPS_FORCE_DELETE.
      if (!options.force && !process.env.DOKKU_APPS_FORCE_DELETE) {
        const target = app ?? 'all';
        const what = app ? `the release history of ${app} and the images kept for its rollbacks` : 'the release histories, pipelines and settings of every app, and the images kept for their rollbacks';
        for (const line of confirmationLines(target, what)) log.warn(line);
        const answer = await readLine();
        if (answer !== target) throw new UserError(`Confirmation did not match ${target}. Aborted.`);
      }

      const locks = await lockDeploys(context, apps);
      try {
        for (const entry of leftovers) {
          for (const holder of entry.holders) {
            if (!(await removeHoldingContainer(holder.name))) throw new UserError(`Could not remove the container ${holder.name}; nothing more was removed`);
          }
          if (entry.hasStore) openStore(context, entry.app).destroy();
        }
        if (!app) {
          // The directories stay (plugin:install gave them to the system user, who may not be
          // able to make them again); everything in them goes.
          emptyDirectory(context.paths.ownstackRoot);
          emptyDirectory(context.paths.ownstackConfigRoot);
        }
      } finally {
        for (const lock of locks) lock.release();
      }
      // A plain `docker image rm`, as Dokku's retire does: an image a container runs, or one another
      // image was built from (a promotion or rollback re-labels an image in a child), stays.
      // Children go first, so passes repeat while one removes something.
      let left = heldImages(leftovers);
      for (let progress = true; progress && left.length > 0; ) {
        const stillThere: string[] = [];
        // Removing a child also removes its untagged parents (docker's prune): gone counts as removed.
        for (const image of left) if (!(await removeImage(image)) && (await imageId(image)) !== undefined) stillThere.push(image);
        progress = stillThere.length < left.length;
        left = stillThere;
      }
      log.step(summary(leftovers, heldImages(leftovers).length - left.length, left.length));
    });
};

export default register;
