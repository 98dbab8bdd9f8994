import path from 'node:path';
import type { DokkuPaths } from '../dokku/env.js';
import { readJsonState, updateJsonState, type JsonStateFile } from '../state/json-file.js';
import { assertReadableVersion, declaredVersion, SCHEMA_VERSIONS } from '../schema-version.js';
import { emptyPipelines, pipelinesFormat, PipelinesFileSchema, type PipelinesFile } from './model.js';

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
    // The pipelines file has carried `version` since 0.1.0.
    assertVersion: (json) =>
      assertReadableVersion(declaredVersion(json, 'version'), `The pipelines file ${paths.pipelinesFile}`, SCHEMA_VERSIONS.pipelines),
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
  return updateJsonState(pipelinesState(paths), (file: PipelinesFile) => {
    const outcome = change(file);
    return outcome && { ...outcome, file: { ...outcome.file, version: pipelinesFormat(outcome.file) } };
  });
}

/**
 * Gives the pipelines file the format its content needs (plugin:install after an upgrade): a file
 * an earlier 0.2 build wrote with settings under format 1 becomes 2, so 0.1.0 refuses it instead
 * of dropping the settings. Returns the format written, or undefined when nothing changed.
 */
export async function restampPipelines(paths: DokkuPaths): Promise<number | undefined> {
  // Looked at without the lock first: on most installs there is nothing to do, not even a lock file.
  const seen = readPipelines(paths);
  if (seen.pipelines.length === 0 || pipelinesFormat(seen) === seen.version) return undefined;
  return updateJsonState(pipelinesState(paths), (file: PipelinesFile) => {
    const version = pipelinesFormat(file);
    return version === file.version || file.pipelines.length === 0 ? undefined : { file: { ...file, version }, result: version };
  });
}
