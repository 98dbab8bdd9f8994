import type { LiveLogWriter } from './live-log.js';
import type { ReleaseKind, ReleaseRecord } from './record.js';

// The contract of an app's release store (implemented in store.ts). Writes are atomic and take
// the store's own lock for one read-modify-write at a time; reads never take it.

/** What a caller supplies to start a record; the store fills id, status, times and defaults. */
export interface NewRelease {
  kind: ReleaseKind;
  description?: string;
  git_sha?: string | null;
  source?: string | null;
  source_metadata?: string | null;
  image_id?: string | null;
  builder?: string | null;
  build_id?: string | null;
  pid?: number | null;
  promoted_from?: { app: string; id: number; host?: string } | null;
  rollback_of?: number | null;
  phase?: ReleaseRecord['phase'];
  forced?: ReleaseRecord['forced'];
  approval?: ReleaseRecord['approval'];
  config_keys?: string[] | null;
}

export interface CorruptRecord {
  id: number;
  file: string;
  problem: string;
}

export interface Snapshot {
  procfile: string | null;
  appJson: string | null;
}

export interface ReleaseStore {
  readonly app: string;
  readonly dir: string;
  /** New `running` record with the next ID (never reused), who from src/lib/identity/who.ts. */
  create(init: NewRelease): Promise<ReleaseRecord>;
  /** Atomic read-modify-write under the store lock; returns the record as written. */
  update(id: number, change: (record: ReleaseRecord) => void): Promise<ReleaseRecord>;
  /** undefined when there is no such release; throws a UserError naming the file when corrupt. */
  get(id: number): ReleaseRecord | undefined;
  /** Newest first; cost depends on `limit`, not on how many releases exist. */
  newest(limit: number): { records: ReleaseRecord[]; corrupt: CorruptRecord[] };
  /** The release whose image serves now, as last recorded. */
  currentId(): number | undefined;
  setCurrent(id: number): Promise<void>;
  /** The newest record linked to a Dokku build ID, if any (searches recent records only). */
  findByBuildId(buildId: string): ReleaseRecord | undefined;
  /** The Procfile and app.json a release deployed, kept so promote/rollback can install them. */
  writeSnapshot(id: number, snapshot: Snapshot): Promise<void>;
  readSnapshot(id: number): Snapshot | undefined;
  /** Stores a deploy log compressed (gzip); returns the path relative to the store. */
  writeLog(id: number, content: string | Buffer): Promise<string>;
  readLog(id: number): string | undefined;
  /** The log written line by line while the release runs, until writeLog keeps the final one. */
  openLiveLog(id: number): LiveLogWriter;
  /** Keeps the live log as the final one (writeLog); undefined, and no file, when it is empty. */
  keepLiveLog(id: number): Promise<{ path: string; text: string } | undefined>;
}
