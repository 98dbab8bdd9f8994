import fs from 'node:fs';
import { runProgram } from '../lib/dokku/exec.js';
import type { TriggerHandler } from './index.js';

// plugin:install runs this as root: create our data directory owned by the user Dokku runs
// deploys as, readable by nobody else (history can name users and commits).
const install: TriggerHandler = async (ctx) => {
  const dir = ctx.paths.ownstackRoot;
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  fs.chmodSync(dir, 0o700);
  const owner = ctx.env.systemUser;
  if (owner && process.getuid?.() === 0) {
    const group = ctx.env.systemGroup ?? owner;
    const result = await runProgram('chown', ['-R', `${owner}:${group}`, dir]);
    if (result.exitCode !== 0) process.stderr.write(` !     ownstack: could not chown ${dir}: ${result.stderr.trim()}\n`);
  }
  return 0;
};

export default install;
