import fs from 'node:fs';
import { runProgram } from './exec.js';
import type { Context } from '../context.js';

// plugin:install and plugin:uninstall run as root; what they write under data/ownstack must stay
// the property of the user Dokku deploys as, who alone reads and writes the store.

/** As root, gives data/ownstack back to the user Dokku deploys as (what root wrote in it too). */
export async function handDataToSystemUser(ctx: Context): Promise<void> {
  const owner = ctx.env.systemUser;
  const dir = ctx.paths.ownstackRoot;
  if (!owner || process.getuid?.() !== 0 || !fs.existsSync(dir)) return;
  const group = ctx.env.systemGroup ?? owner;
  const result = await runProgram('chown', ['-R', `${owner}:${group}`, dir]);
  if (result.exitCode !== 0) process.stderr.write(` !     ownstack: could not chown ${dir}: ${result.stderr.trim()}\n`);
}

