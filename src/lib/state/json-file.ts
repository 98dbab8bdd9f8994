import fs from 'node:fs';
import path from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import type * as z from 'zod/mini';
import { acquireFileLock } from '../dokku/lock.js';
import { UserError } from '../output/errors.js';

// Small whole-file JSON state (the pipelines, the stacks, the promotion requests): read without a lock (the file is only
// ever replaced by a rename, so a reader sees the old or the new whole file); every change is a
// read-modify-write under the file's own lock, never Dokku's deploy lock. Owner-only, fsynced.

/** Seconds a change waits for another command; changes take milliseconds. */
const LOCK_WAIT_SECONDS = 30;

export interface JsonStateFile<T> {
  file: string;
  lockFile: string;
  schema: z.ZodMiniType<T>;
  empty: () => T;
  /** Names the file in errors, e.g. "pipelines file". */
  what: string;
  /** Names who holds the lock in the waiting line, e.g. "another pipeline command". */
  heldBy: string;
  /** Refuses a file written by a newer ownstack, before the schema check and any write. */
  assertVersion?: (json: unknown) => void;
}

export function readJsonState<T>(state: JsonStateFile<T>): T {
  let text: string;
  try {
    text = fs.readFileSync(state.file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return state.empty();
    throw new UserError(`Cannot read the ${state.what} ${state.file}: ${(error as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new UserError(`The ${state.what} ${state.file} is corrupt (not JSON: ${(error as Error).message}); fix or remove it`);
  }
  state.assertVersion?.(json);
  const parsed = state.schema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue.path.length > 0 ? ` at ${issue.path.join('.')}` : '';
    throw new UserError(`The ${state.what} ${state.file} is corrupt (${issue.message}${where}); fix or remove it`);
  }
  return parsed.data;
}

async function writeJsonState<T>(state: JsonStateFile<T>, value: T): Promise<void> {
  // Validate what we write too: a bug must never leave a file that every later command refuses.
  const checked = state.schema.parse(value);
  fs.mkdirSync(path.dirname(state.file), { recursive: true, mode: 0o700 });
  // synchronous, as the release store writes (store.ts): the same steps without the thread pool's trips
  writeFileAtomic.sync(state.file, `${JSON.stringify(checked, null, 2)}\n`, { mode: 0o600, fsync: true });
}

/**
 * Applies `change` to the current value under the lock and writes the result. `change` returns
 * undefined for "nothing to do" and throws a UserError to refuse; either way nothing is written.
 */
export async function updateJsonState<T, R = void>(
  state: JsonStateFile<T>,
  // May await a short call (a docker call that pins an image), never a deploy: the lock is held.
  change: (value: T) => Promise<{ file: T; result: R } | undefined> | { file: T; result: R } | undefined,
): Promise<R | undefined> {
  fs.mkdirSync(path.dirname(state.file), { recursive: true, mode: 0o700 });
  const lock = await acquireFileLock(state.lockFile, { waitSeconds: LOCK_WAIT_SECONDS, what: `The ${state.what}`, heldBy: state.heldBy });
  try {
    const outcome = await change(readJsonState(state));
    if (!outcome) return undefined;
    await writeJsonState(state, outcome.file);
    return outcome.result;
  } finally {
    lock.release();
  }
}
