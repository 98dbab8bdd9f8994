import path from 'node:path';
import type { DokkuPaths } from '../dokku/env.js';
import { readJsonState, updateJsonState, type JsonStateFile } from '../state/json-file.js';
import { emptyPipelines, PipelinesFileSchema, type PipelinesFile } from './model.js';

// All pipelines live in one small file (src/lib/state/json-file.ts: lock-free reads, changes
// under the pipelines' own lock, never Dokku's deploy lock).

export function pipelinesLockFile(paths: DokkuPaths): string {
  return path.join(path.dirname(paths.pipelinesFile), '.pipelines.lock');
}

function pipelinesState(paths: DokkuPaths): JsonStateFile<PipelinesFile> {
  return {
    file: paths.pipelinesFile,
    lockFile: pipelinesLockFile(paths),
    schema: PipelinesFileSchema,
    empty: emptyPipelines,
    what: 'pipelines file',
    heldBy: 'another pipeline command',
  };
}

export function readPipelines(paths: DokkuPaths): PipelinesFile {
  return readJsonState(pipelinesState(paths));
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
  return updateJsonState(pipelinesState(paths), change);
}
