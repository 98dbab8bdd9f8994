import fs from 'node:fs';
import path from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import { acquireFileLock } from '../dokku/lock.js';
import type { DokkuPaths } from '../dokku/env.js';
import { UserError } from '../output/errors.js';
import { assertReadableVersion, declaredVersion } from '../schema-version.js';
import { emptyPipelines, PipelinesFileSchema, type PipelinesFile } from './model.js';

// All pipelines live in one small file. Reads take no lock (the file is only ever replaced by a
// rename, so a reader sees the old or the new whole file); every change is a read-modify-write
// under the pipelines' own lock, never Dokku's deploy lock.

/** Seconds a change waits for another pipeline:* command; changes take milliseconds. */
const LOCK_WAIT_SECONDS = 30;

export function pipelinesLockFile(paths: DokkuPaths): string {
  return path.join(path.dirname(paths.pipelinesFile), '.pipelines.lock');
}

export function readPipelines(paths: DokkuPaths): PipelinesFile {
  const file = paths.pipelinesFile;
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return emptyPipelines();
    throw new UserError(`Cannot read the pipelines file ${file}: ${(error as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new UserError(`The pipelines file ${file} is corrupt (not JSON: ${(error as Error).message}); fix or remove it`);
  }
  // The pipelines file has carried `version` since 0.1.0.
  assertReadableVersion(declaredVersion(json, 'version'), `The pipelines file ${file}`);
  const parsed = PipelinesFileSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue.path.length > 0 ? ` at ${issue.path.join('.')}` : '';
    throw new UserError(`The pipelines file ${file} is corrupt (${issue.message}${where}); fix or remove it`);
  }
  return parsed.data;
}

async function writePipelines(paths: DokkuPaths, file: PipelinesFile): Promise<void> {
  // Validate what we write too: a bug must never leave a file that every later command refuses.
  const checked = PipelinesFileSchema.parse(file);
  fs.mkdirSync(path.dirname(paths.pipelinesFile), { recursive: true, mode: 0o700 });
  await writeFileAtomic(paths.pipelinesFile, `${JSON.stringify(checked, null, 2)}\n`, { mode: 0o600, fsync: true });
}

/**
 * Applies `change` to the current pipelines under the lock and writes the result. `change`
 * returns undefined for "nothing to do" and throws a UserError to refuse; either way nothing is
 * written.
 */
export async function updatePipelines<T = void>(
  paths: DokkuPaths,
  change: (file: PipelinesFile) => { file: PipelinesFile; result: T } | undefined,
): Promise<T | undefined> {
  fs.mkdirSync(path.dirname(paths.pipelinesFile), { recursive: true, mode: 0o700 });
  const lock = await acquireFileLock(pipelinesLockFile(paths), { waitSeconds: LOCK_WAIT_SECONDS, what: 'The pipelines file', heldBy: 'another pipeline command' });
  try {
    const outcome = change(readPipelines(paths));
    if (!outcome) return undefined;
    await writePipelines(paths, outcome.file);
    return outcome.result;
  } finally {
    lock.release();
  }
}
