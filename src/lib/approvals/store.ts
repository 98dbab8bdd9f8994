import fs from 'node:fs';
import path from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import type { DokkuPaths } from '../dokku/env.js';
import { acquireFileLock } from '../dokku/lock.js';
import { UserError } from '../output/errors.js';
import { emptyRequests, RequestsFileSchema, type RequestsFile } from './model.js';

// All promotion requests in one small file beside the pipelines file, kept the same way: lock-free
// reads of a file that is only ever replaced by a rename, and every change a read-modify-write
// under its own lock, held for milliseconds (never across a deploy).

const LOCK_WAIT_SECONDS = 30;

export function requestsLockFile(paths: DokkuPaths): string {
  return path.join(path.dirname(paths.requestsFile), '.promotion-requests.lock');
}

export function readRequests(paths: DokkuPaths): RequestsFile {
  const file = paths.requestsFile;
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return emptyRequests();
    throw new UserError(`Cannot read the promotion requests file ${file}: ${(error as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new UserError(`The promotion requests file ${file} is corrupt (not JSON: ${(error as Error).message}); fix or remove it`);
  }
  const parsed = RequestsFileSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue.path.length > 0 ? ` at ${issue.path.join('.')}` : '';
    throw new UserError(`The promotion requests file ${file} is corrupt (${issue.message}${where}); fix or remove it`);
  }
  return parsed.data;
}

/**
 * Applies `change` under the lock and writes its file; undefined from `change` writes nothing, a
 * thrown UserError refuses with nothing written. `change` may await a short docker call (pinning
 * an image), never a deploy.
 */
export async function updateRequests<T>(
  paths: DokkuPaths,
  change: (file: RequestsFile) => Promise<{ file: RequestsFile; result: T } | undefined> | { file: RequestsFile; result: T } | undefined,
): Promise<T | undefined> {
  fs.mkdirSync(path.dirname(paths.requestsFile), { recursive: true, mode: 0o700 });
  const lock = await acquireFileLock(requestsLockFile(paths), { waitSeconds: LOCK_WAIT_SECONDS, what: 'The promotion requests file', heldBy: 'another pipeline command' });
  try {
    const outcome = await change(readRequests(paths));
    if (!outcome) return undefined;
    const checked = RequestsFileSchema.parse(outcome.file);
    await writeFileAtomic(paths.requestsFile, `${JSON.stringify(checked, null, 2)}\n`, { mode: 0o600, fsync: true });
    return outcome.result;
  } finally {
    lock.release();
  }
}
