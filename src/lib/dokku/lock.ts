import fs from 'node:fs';
import path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { UserError } from '../output/errors.js';
import { log } from '../output/log.js';

// Dokku serialises deploys with flock(1) on `.deploy.lock` (acquire_advisory_lock). To share that
// lock we take the same kind: flock(2) on an open file description. Node cannot call flock(2)
// without a native addon, so a short-lived `flock` child locks a descriptor we pass it; the lock
// then belongs to our open file and lives exactly as long as this process, so kill -9 frees it.
export interface HeldLock {
  /** The locked descriptor: a child given it holds the lock too, as Dokku's children hold fd 200. */
  readonly fd: number;
  release(): void;
}

export interface LockOptions {
  /** Seconds to wait; 0 fails at once. */
  waitSeconds: number;
  /** Names the locked thing in the waiting line and in the error after giving up. */
  what: string;
  /** Who holds it when it is busy, for those lines (default: another deploy). */
  heldBy?: string;
  /** Text written into the lock file while held (Dokku writes the build ID there). */
  owner?: string;
  /** Dokku deletes `.deploy.lock` when it releases it; we do the same for that file. */
  removeOnRelease?: boolean;
  /**
   * The descriptor will be handed to child processes (Dokku's part of a deploy), whose copies
   * share the lock: releasing must unlock it explicitly. Otherwise closing our descriptor is
   * enough (ours are close-on-exec), which spares a process.
   */
  sharedWithChildren?: boolean;
}

export async function acquireFileLock(file: string, options: LockOptions): Promise<HeldLock> {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const deadline = Date.now() + options.waitSeconds * 1000;
  let announced = false;
  for (;;) {
    const fd = fs.openSync(file, fs.constants.O_RDWR | fs.constants.O_CREAT, 0o600);
    const remaining = Math.max(0, Math.ceil((deadline - Date.now()) / 1000));
    let locked = await flockDescriptor(fd, ['--nonblock']);
    if (!locked && remaining > 0) {
      if (!announced) log.step(`${options.what} is locked by ${options.heldBy ?? 'another deploy'}. Waiting up to ${options.waitSeconds}s...`);
      announced = true;
      locked = await flockDescriptor(fd, ['--wait', String(remaining)]);
    }
    if (!locked) {
      fs.closeSync(fd);
      throw new UserError(
        `${options.what} is locked by ${options.heldBy ?? 'another deploy'}; gave up after ${options.waitSeconds}s${options.heldBy ? '' : ' (use --lock-wait to wait longer)'}`,
      );
    }
    // The holder we waited for may have deleted the file; then we hold a lock nobody else sees.
    if (!sameFile(fd, file)) {
      fs.closeSync(fd);
      continue;
    }
    if (options.owner !== undefined) {
      fs.ftruncateSync(fd, 0);
      fs.writeSync(fd, `${options.owner}\n`, 0);
    }
    let released = false;
    return {
      fd,
      release() {
        if (released) return;
        released = true;
        // Unlock explicitly, as Dokku's release_advisory_lock does (`flock -u`): children that
        // inherited the descriptor, such as Dokku's 60-second background container shutdown,
        // share the lock, and closing our copy alone would leave it held until they exit.
        if (options.sharedWithChildren) spawnSync('flock', ['--unlock', '3'], { stdio: ['ignore', 'ignore', 'ignore', fd] });
        if (options.removeOnRelease) fs.rmSync(file, { force: true });
        fs.closeSync(fd);
      },
    };
  }
}

/** Whether someone holds the lock on `file` right now (a missing file is not locked). */
export function isFileLocked(file: string): boolean {
  if (!fs.existsSync(file)) return false;
  return spawnSync('flock', ['--exclusive', '--nonblock', file, 'true'], { stdio: 'ignore' }).status === 1;
}

function flockDescriptor(fd: number, extra: string[]): Promise<boolean> {
  // The descriptor is handed to flock(1) as fd 3; the lock stays with our open file afterwards.
  return new Promise((resolve, reject) => {
    const child = spawn('flock', ['--exclusive', ...extra, '3'], { stdio: ['ignore', 'ignore', 'pipe', fd] });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', (error) => reject(new UserError(`flock(1) is not available: ${error.message}`)));
    child.on('close', (code) => {
      if (code === 0) resolve(true);
      else if (code === 1) resolve(false);
      else reject(new UserError(`flock(1) failed: ${stderr.trim() || `exit ${code}`}`));
    });
  });
}

function sameFile(fd: number, file: string): boolean {
  try {
    const held = fs.fstatSync(fd);
    const current = fs.statSync(file);
    return held.ino === current.ino && held.dev === current.dev;
  } catch {
    return false;
  }
}
