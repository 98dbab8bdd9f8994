import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import type { Context } from '../context.js';
import { processAlive, processStartTime } from './host-files.js';
import { acquireFileLock } from './lock.js';

// Part of the seam: Dokku's deploy lock for the redeploys Dokku runs without it. Dokku takes an
// app's `.deploy.lock` only in git_receive_app (git push, git:sync, git:from-*, ps:rebuild);
// config:set's redeploy and `plugin:trigger release-and-deploy` take none, so they ran at the same
// time as a push, a promotion or each other, and two deploys of one app at once break Dokku's own
// state: each truncates and rewrites ps's scale file, and one that reads it empty in between keeps
// web=0 and removes CONTAINER.web.1 (faults.bats caught it). Such a redeploy (and ps:restart,
// ps:start) now takes the lock at its builds-record-start and keeps it until its
// builds-record-finalize (post-deploy for ps:restart and ps:start, which Dokku never finalizes).
//
// A trigger is a process that ends at once, so the lock is handed to a holder: `tail --pid=PID`
// given the locked descriptor (a flock belongs to the open file, which the holder keeps), where
// PID is the script Dokku runs the whole deploy in. finalize stops the holder and deletes the lock
// file, as Dokku's own release does, so the next deploy can start as soon as this one returns; a
// deploy that fails without a finalize (a ps:restart) or is killed frees it when that script is
// gone (tail looks every 0.1 s).

/** How often the holder looks whether the deploy's script is still there. */
const HOLDER_POLL_SECONDS = '0.1';

interface HolderFile {
  build_id: string;
  pid: number;
  pid_start: string;
  /** The lock file the holder locked (device:inode): finalize deletes only that one. */
  lock_file: string;
}

const holderFile = (ctx: Context, app: string) => path.join(ctx.paths.ownstackApp(app), '.deploy-lock-holder.json');

export type HoldOutcome = { held: true } | { held: false; reason: string };

/**
 * Waits up to `waitSeconds` for the app's deploy lock, then leaves it held until `buildId`'s
 * finalize (releaseRedeployLock) or until `deployPid` ends. The waiting line is Dokku's style.
 */
export async function holdDeployLockForRedeploy(
  ctx: Context,
  app: string,
  deploy: { buildId: string; deployPid: number; waitSeconds: number },
): Promise<HoldOutcome> {
  const lockFile = ctx.paths.deployLock(app);
  let lock;
  try {
    lock = await acquireFileLock(lockFile, { waitSeconds: deploy.waitSeconds, what: `App ${app}`, heldBy: 'another deploy', owner: deploy.buildId });
  } catch (error) {
    return { held: false, reason: (error as Error).message };
  }
  try {
    const held = fs.fstatSync(lock.fd);
    const holder = spawn('tail', [`--pid=${deploy.deployPid}`, '-s', HOLDER_POLL_SECONDS, '-f', '/dev/null'], {
      detached: true,
      stdio: ['ignore', 'ignore', 'ignore', lock.fd],
    });
    holder.on('error', () => undefined);
    holder.unref();
    const pidStart = holder.pid !== undefined ? processStartTime(holder.pid) : undefined;
    if (holder.pid === undefined || pidStart === undefined) return { held: false, reason: 'the process keeping the deploy lock did not start' };
    const record: HolderFile = { build_id: deploy.buildId, pid: holder.pid, pid_start: pidStart, lock_file: `${held.dev}:${held.ino}` };
    try {
      fs.mkdirSync(path.dirname(holderFile(ctx, app)), { recursive: true, mode: 0o700 });
      writeFileAtomic.sync(holderFile(ctx, app), `${JSON.stringify(record)}\n`, { mode: 0o600, fsync: true });
    } catch (error) {
      // finalize could not find the holder: free the lock now rather than at the command's end
      process.kill(holder.pid, 'SIGTERM');
      return { held: false, reason: `cannot write ${holderFile(ctx, app)}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}` };
    }
    return { held: true };
  } finally {
    // Our own copy only: closing it does not unlock the holder's (no flock -u here).
    lock.release();
  }
}

/** At `buildId`'s finalize (or post-deploy): deletes the lock file the holder locked and stops the holder. */
export function releaseRedeployLock(ctx: Context, app: string, buildId: string): void {
  const file = holderFile(ctx, app);
  let holder: HolderFile;
  try {
    holder = JSON.parse(fs.readFileSync(file, 'utf8')) as HolderFile;
  } catch {
    return; // no redeploy of this app holds the lock (a push's, a promotion's are not ours to free)
  }
  if (holder.build_id !== buildId) return;
  const lockFile = ctx.paths.deployLock(app);
  if (processAlive(holder.pid, holder.pid_start)) {
    // Deleted first: a deploy starting now locks a new file and never waits for the holder's exit.
    try {
      const current = fs.statSync(lockFile);
      if (`${current.dev}:${current.ino}` === holder.lock_file) fs.rmSync(lockFile, { force: true });
    } catch {
      // already gone (apps:unlock)
    }
    try {
      process.kill(holder.pid, 'SIGTERM');
    } catch {
      // it ended meanwhile
    }
  }
  fs.rmSync(file, { force: true });
}
