import path from 'node:path';
import type { DokkuPaths } from '../dokku/env.js';
import { readJsonState, updateJsonState, type JsonStateFile } from '../state/json-file.js';
import { assertReadableVersion, declaredVersion, SCHEMA_VERSIONS } from '../schema-version.js';
import { emptyStacks, StacksFileSchema, type StacksFile } from './model.js';

// All stacks live in one small file next to the pipelines (no app name can start with a dot).

function stacksState(paths: DokkuPaths): JsonStateFile<StacksFile> {
  const file = path.join(paths.ownstackRoot, '.stacks.json');
  return {
    file,
    lockFile: path.join(paths.ownstackRoot, '.stacks.lock'),
    schema: StacksFileSchema,
    empty: emptyStacks,
    what: 'stacks file',
    heldBy: 'another stacks command',
    assertVersion: (json) => assertReadableVersion(declaredVersion(json, 'version'), `The stacks file ${file}`, SCHEMA_VERSIONS.stacks),
  };
}

export const readStacks = (paths: DokkuPaths): StacksFile => readJsonState(stacksState(paths));

export function updateStacks<T = void>(paths: DokkuPaths, change: (file: StacksFile) => { file: StacksFile; result: T } | undefined): Promise<T | undefined> {
  return updateJsonState(stacksState(paths), change);
}
