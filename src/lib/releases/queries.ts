import type { ReleaseRecord } from './record.js';
import type { FileReleaseStore } from './store.js';

// Reads over the newest part of a history, bounded so they never grow with its length.

/**
 * The succeeded releases whose images may still exist: retention keeps the images of the newest
 * `retention` succeeded releases (and Dokku the one before the current, for one more deploy),
 * so looking further back than that, plus a margin, finds nothing. At most 1000 records are read.
 */
export function rollbackCandidates(store: FileReleaseStore, retention: number): ReleaseRecord[] {
  const wanted = retention + 2;
  const found: ReleaseRecord[] = [];
  let from = store.readState().next_id - 1;
  for (let read = 0; from >= 1 && read < 1000 && found.length < wanted; ) {
    const { records } = store.newestFrom(from, 50);
    if (records.length === 0) break;
    for (const record of records) {
      if (record.status === 'succeeded' && found.length < wanted) found.push(record);
    }
    read += records.length;
    from = records[records.length - 1].id - 1;
  }
  return found;
}
