import fs from 'node:fs';
import path from 'node:path';
import { log } from '../output/log.js';

// The log of a release ownstack runs itself (promote, rollback, image deploy), written line by
// line while it runs, so `ownstack:deploy-log` and the dashboard show it before it ends. It is
// `logs/<id>.log` in the app's store, beside the compressed copy that replaces it at the end
// (`logs/<id>.log.gz`, written first, so a reader always finds one of the two).
//
// Append-only: every line is one write(2) on a descriptor opened with O_APPEND, so a kill leaves
// whole lines and at most one torn last line, never anything rewritten. Readers of a log that
// may still grow take whole lines only (a torn tail may yet be finished); the copy kept after a
// kill (reconcile) keeps the torn tail as its last line, since nothing will finish it.

/** `logs/<id>.log`, the live log, relative to the store. */
export function liveLogRelative(id: number): string {
  return path.join('logs', `${id}.log`);
}

/** A live log file's release ID, else undefined. */
export function liveLogId(name: string): number | undefined {
  const match = /^([1-9][0-9]{0,11})\.log$/.exec(name);
  return match ? Number(match[1]) : undefined;
}

export interface LiveLogWriter {
  /** Appends one line of output (without its newline). */
  line(text: string): void;
  /** Closes the descriptor; the file stays until the kept copy replaces it. */
  close(): void;
  /** Every line was written: the file is the whole output, and can be kept as the final log. */
  readonly complete: boolean;
}

/**
 * Opens (creates, mode 0600, in the store's 0700 `logs/`) the live log of a release. A log that
 * cannot be written never fails the deploy: one warning, and the rest of the run writes nothing
 * (its whole output is still kept at the end).
 */
export function openLiveLog(storeDir: string, id: number): LiveLogWriter {
  const file = path.join(storeDir, liveLogRelative(id));
  let fd: number | undefined;
  let complete = true;
  const giveUp = (error: unknown) => {
    log.warn(`Could not write the live deploy log ${file}: ${(error as Error).message.split('\n')[0]}; it is kept when the deploy ends`);
    if (fd !== undefined) fs.closeSync(fd);
    fd = undefined;
    complete = false;
  };
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    fd = fs.openSync(file, fs.constants.O_WRONLY | fs.constants.O_APPEND | fs.constants.O_CREAT | fs.constants.O_NOFOLLOW, 0o600);
  } catch (error) {
    giveUp(error);
  }
  return {
    line(text) {
      if (fd === undefined) return;
      try {
        fs.writeSync(fd, `${text}\n`);
      } catch (error) {
        giveUp(error);
      }
    },
    close() {
      if (fd !== undefined) fs.closeSync(fd);
      fd = undefined;
    },
    get complete() {
      return complete;
    },
  };
}

/**
 * The live log so far, or undefined when there is none. `whole: false` (the log may still grow)
 * gives whole lines only; `whole: true` (its writer is gone) also the torn tail, ended with a
 * newline. Cut at a newline byte, so a character torn in two is never decoded either.
 */
export function readLiveLog(storeDir: string, id: number, whole = false): string | undefined {
  let content: Buffer;
  try {
    content = fs.readFileSync(path.join(storeDir, liveLogRelative(id)));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const end = content.lastIndexOf(0x0a) + 1;
  if (end === content.length) return content.toString('utf8');
  if (!whole) return content.subarray(0, end).toString('utf8');
  return `${content.toString('utf8')}\n`;
}

export function liveLogExists(storeDir: string, id: number): boolean {
  return fs.existsSync(path.join(storeDir, liveLogRelative(id)));
}

export function removeLiveLog(storeDir: string, id: number): void {
  fs.rmSync(path.join(storeDir, liveLogRelative(id)), { force: true });
}

/** IDs of the live logs in a store (a small directory: logs follow the retention). */
export function liveLogIds(storeDir: string): number[] {
  let names: string[];
  try {
    names = fs.readdirSync(path.join(storeDir, 'logs'));
  } catch {
    return [];
  }
  return names.map(liveLogId).filter((id): id is number => id !== undefined).sort((a, b) => a - b);
}
