import { UserError } from './output/errors.js';
import { printable } from './output/log.js';

// Every file ownstack keeps (a store's state.json and release records, the pipelines file, the
// stacks file) says which format wrote it. 0.1.0 wrote no version in a store: its files are
// format 1. A reader accepts every format up to its own and refuses a newer one before it writes
// anything: a downgrade must never half-understand, then rewrite, a file it does not know.
//
// A file moves to a new format when an older ownstack would drop or misread what it holds, and
// only then: the pipelines file is format 2 when it holds what 0.1.0 cannot keep (pipeline
// settings, which 0.1.0 drops on its next write; apps on other stacks, which it calls corrupt),
// so a host that uses neither can still go back to 0.1.0 (pipelines/model.ts).

/** The newest format of each file this ownstack reads (and writes, when the content needs it). */
export const SCHEMA_VERSIONS = { releases: 1, pipelines: 2, stacks: 1 } as const;
export type SchemaVersions = { [file in keyof typeof SCHEMA_VERSIONS]: number };

/** The release store's format (state.json and release records). */
export const SCHEMA_VERSION = SCHEMA_VERSIONS.releases;

/** The version a parsed JSON file declares (`field`), 1 when it has none (ownstack 0.1.0). */
export function declaredVersion(data: unknown, field: string): unknown {
  if (typeof data !== 'object' || data === null || !(field in data)) return 1;
  return (data as Record<string, unknown>)[field];
}

/**
 * Refuses a file written by a newer ownstack, in one line that names the version found. A value
 * that is no version at all is left to the schema check (a damaged file, not a newer one).
 */
export function assertReadableVersion(version: unknown, what: string, newest: number = SCHEMA_VERSION): void {
  if (typeof version !== 'number' || !Number.isInteger(version) || version <= newest) return;
  throw new UserError(
    `${what} was written by a newer ownstack (schema version ${printable(String(version))}; this ownstack reads up to ${newest}): upgrade ownstack, nothing was changed`,
  );
}
