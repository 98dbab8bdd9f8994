import path from 'node:path';
import type { DokkuPaths } from '../dokku/env.js';
import { readJsonState, updateJsonState, type JsonStateFile } from '../state/json-file.js';
import { emptyRequests, RequestsFileSchema, type RequestsFile } from './model.js';

// All promotion requests in one small file beside the pipelines file, kept the same way
// (src/lib/state/json-file.ts): lock-free reads, every change a read-modify-write under its own
// lock, held for milliseconds (never across a deploy).

export function requestsLockFile(paths: DokkuPaths): string {
  return path.join(path.dirname(paths.requestsFile), '.promotion-requests.lock');
}

function requestsState(paths: DokkuPaths): JsonStateFile<RequestsFile> {
  return {
    file: paths.requestsFile,
    lockFile: requestsLockFile(paths),
    schema: RequestsFileSchema,
    empty: emptyRequests,
    what: 'promotion requests file',
    heldBy: 'another pipeline command',
  };
}

export function readRequests(paths: DokkuPaths): RequestsFile {
  return readJsonState(requestsState(paths));
}

/**
 * Applies `change` under the lock and writes its file; undefined from `change` writes nothing, a
 * thrown UserError refuses with nothing written. `change` may await a short docker call (pinning
 * an image), never a deploy.
 */
export function updateRequests<T>(
  paths: DokkuPaths,
  change: (file: RequestsFile) => Promise<{ file: RequestsFile; result: T } | undefined> | { file: RequestsFile; result: T } | undefined,
): Promise<T | undefined> {
  return updateJsonState(requestsState(paths), change);
}
