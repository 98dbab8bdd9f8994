import fs from 'node:fs';
import path from 'node:path';
import { listApps } from '../lib/dokku/apps.js';
import { handDataToSystemUser } from '../lib/dokku/data-owner.js';
import { log } from '../lib/output/log.js';
import { restampPipelines } from '../lib/pipelines/store.js';
import { removeStrayPluginFiles } from '../lib/plugin/files.js';
import { catchUpApp } from '../lib/releases/catch-up.js';
import { message } from '../lib/releases/trigger-support.js';
import type { TriggerHandler } from './index.js';

// plugin:install runs this as root, after a first install and after an upgrade (plugin:uninstall
// then plugin:install, README "Upgrading"): drop files this version does not ship, give the
// pipelines file the format its content needs, record deploys Dokku made while ownstack was not
// installed, and hand our data directory to the user Dokku runs deploys as, readable by nobody
// else (history can name users and commits).
const install: TriggerHandler = async (ctx) => {
  // The binary is <plugin>/build/ownstack; from source (tests) there is no plugin directory.
  const pluginRoot = path.dirname(path.dirname(process.execPath));
  if (path.basename(process.execPath) === 'ownstack') {
    const removed = removeStrayPluginFiles(pluginRoot);
    if (removed.length > 0) log.step(`ownstack: removed what this version does not ship: ${removed.join(', ')}`);
  }

  const dir = ctx.paths.ownstackRoot;
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  fs.chmodSync(dir, 0o700);
  try {
    const version = await restampPipelines(ctx.paths);
    if (version !== undefined) log.step(`ownstack: the pipelines file is now schema version ${version}`);
  } catch (error) {
    // A damaged or newer file is refused by every pipeline command in its own words; the plugin
    // is installed all the same.
    log.warn(`ownstack: ${message(error)}`);
  }
  for (const app of listApps(ctx).filter((app) => fs.existsSync(ctx.paths.ownstackApp(app)))) {
    try {
      const record = await catchUpApp(ctx, app);
      if (record) log.step(`ownstack: ${app} v${record.id} recorded: a ${record.kind} deployed while ownstack was not installed`);
    } catch (error) {
      log.warn(`ownstack: could not check ${app} for deploys made while ownstack was not installed: ${message(error)}`);
    }
  }

  await handDataToSystemUser(ctx);
  return 0;
};

export default install;
