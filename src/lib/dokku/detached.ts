import { spawn, type StdioOptions } from 'node:child_process';
import fs from 'node:fs';

// Part of the seam: starts this same binary again as a detached background process (its own
// session, no stdio), for work that must never hold up a deploy (release notifications).
//
// Dokku's deploy holds its app lock on a descriptor its children inherit (flock on fd 200 and the
// like), and build capture pipes stdout through tee. A background process that kept either open
// would keep the lock held, or keep `git push` waiting for end of output, for as long as it runs.
// So the child gets /dev/null on 0-2 and on every inherited descriptor: those are the ones
// without close-on-exec (Node opens all of its own with it).

const CLOSE_ON_EXEC = 0o2000000;

function inheritedDescriptors(): number[] {
  let names: string[];
  try {
    names = fs.readdirSync('/proc/self/fd');
  } catch {
    return [];
  }
  const fds: number[] = [];
  for (const name of names) {
    const fd = Number(name);
    if (!Number.isInteger(fd) || fd < 3 || fd > 1023) continue;
    try {
      const flags = /^flags:\s+([0-7]+)/m.exec(fs.readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'));
      if (flags && (parseInt(flags[1], 8) & CLOSE_ON_EXEC) === 0) fds.push(fd);
    } catch {
      // gone meanwhile (the directory listing's own descriptor)
    }
  }
  return fds;
}

/** Starts `<this binary> ...args` in the background and returns at once; never throws. */
export function spawnDetachedSelf(args: string[]): boolean {
  let devNull: number | undefined;
  try {
    devNull = fs.openSync('/dev/null', 'r+');
    const inherited = inheritedDescriptors().filter((fd) => fd !== devNull);
    const stdio: StdioOptions = ['ignore', 'ignore', 'ignore'];
    for (const fd of inherited) {
      while (stdio.length < fd) stdio.push('ignore');
      stdio[fd] = devNull;
    }
    const child = spawn(process.execPath, args, { detached: true, stdio, env: process.env });
    child.on('error', () => undefined);
    child.unref();
    return child.pid !== undefined;
  } catch {
    return false;
  } finally {
    if (devNull !== undefined) fs.closeSync(devNull);
  }
}
