import { UserError } from './output/errors.js';
import { printable } from './output/log.js';

// Every file ownstack keeps (a store's state.json and release records, the pipelines file) says
// which format wrote it. 0.1.0 wrote no version: its files are format 1, which is still today's
// format, so 0.1.0 can read what this version writes (it ignores the field). A reader accepts
// every format up to its own and refuses a newer one before it writes anything: a downgrade must
// never half-understand, then rewrite, a store it does not know.

/** The format this ownstack writes, and the newest it reads. */
export const SCHEMA_VERSION = 1;

/** The version a parsed JSON file declares (`field`), 1 when it has none (ownstack 0.1.0). */
export function declaredVersion(data: unknown, field: string): unknown {
  if (typeof data !== 'object' || data === null || !(field in data)) return 1;
  return (data as Record<string, unknown>)[field];
}

/**
 * Refuses a file written by a newer ownstack, in one line that names the version found. A value
 * that is no version at all is left to the schema check (a damaged file, not a newer one).
 */
export function assertReadableVersion(version: unknown, what: string): void {
  if (typeof version !== 'number' || !Number.isInteger(version) || version <= SCHEMA_VERSION) return;
  throw new UserError(
    `${what} was written by a newer ownstack (schema version ${printable(String(version))}; this ownstack reads up to ${SCHEMA_VERSION}): upgrade ownstack, nothing was changed`,
  );
}
