import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';

// Part of the seam: starts this same binary again as a detached background process (its own
// session, stdin/stdout/stderr on /dev/null), for work that must never hold up a deploy (release
// notifications). It must not keep anything of the deploy open: Dokku's deploy lock is a
// descriptor its children inherit, and build capture pipes stdout through tee, so a background
// process holding either would hold the lock, or keep `git push` waiting for end of output.
// Stdio is ignored here, and libuv marks every other descriptor close-on-exec in the child;
// test/e2e/notify.bats checks the sender of a rollback's end event holds no lock and no log.
// It runs at the lowest CPU priority (nice 19), so on a busy host it yields to the deploy itself.
// Its own session puts it in an autogroup of its own where the kernel groups sessions
// (sched_autogroup, on by default in Debian's and Ubuntu's kernels), and the scheduler shares CPU
// between autogroups by the group's nice, not the process's: a nice-19 sender alone in a nice-0
// group would take as much CPU as the whole deploy. So the group's nice is set too.
const BACKGROUND_NICENESS = 19;

/** Starts `<this binary> ...args` in the background and returns its PID at once (undefined if it could not); never throws. */
export function spawnDetachedSelf(args: string[]): number | undefined {
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
      lowerAutogroup(child.pid);
    }
    return child.pid;
  } catch {
    return undefined;
  }
}

/** Sets the nice of the child's autogroup (its session's), where the kernel has them; best effort. */
function lowerAutogroup(pid: number): void {
  try {
    // libuv returns from spawn once the child has exec'd, so its setsid (before exec) is done and
    // the file names the child's new group, not ours.
    fs.writeFileSync(`/proc/${pid}/autogroup`, String(BACKGROUND_NICENESS));
  } catch {
    // no autogroups (the file is missing or they are off), rate-limited, or the child is gone
  }
}
