import { spawn } from 'node:child_process';
import os from 'node:os';

// Part of the seam: starts this same binary again as a detached background process (its own
// session, stdin/stdout/stderr on /dev/null), for work that must never hold up a deploy (release
// notifications). It must not keep anything of the deploy open: Dokku's deploy lock is a
// descriptor its children inherit, and build capture pipes stdout through tee, so a background
// process holding either would hold the lock, or keep `git push` waiting for end of output.
// Stdio is ignored here, and libuv marks every other descriptor close-on-exec in the child;
// test/e2e/notify.bats checks the sender of a rollback's end event holds no lock and no log.
// It runs at the lowest CPU priority (nice 19), so on a busy host it yields to the deploy itself.
const BACKGROUND_NICENESS = 19;

/** Starts `<this binary> ...args` in the background and returns at once; never throws. */
export function spawnDetachedSelf(args: string[]): boolean {
  try {
    const child = spawn(process.execPath, args, { detached: true, stdio: 'ignore', env: process.env });
    child.on('error', () => undefined);
    child.unref();
    if (child.pid !== undefined) {
      try {
        os.setPriority(child.pid, BACKGROUND_NICENESS);
      } catch {
        // not allowed, or already gone: it only runs sooner
      }
    }
    return child.pid !== undefined;
  } catch {
    return false;
  }
}
