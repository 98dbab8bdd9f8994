import fs from 'node:fs';
import type { DokkuPaths } from '../dokku/env.js';
import { formatDuration } from '../pipelines/settings.js';
import type { DisplayStatus, ReleaseRecord } from '../releases/record.js';
import { shortSha } from '../releases/describe.js';
import { FileReleaseStore } from '../releases/store.js';

// The dashboard's view of the release stores. It never writes to them (they will be mounted
// read-only): no touchStore (which finishes abandoned records), no lock, no notification. Only
// the store's pure reads are reachable through ReleaseReader, so a write cannot slip in.

export type ReleaseReader = Pick<FileReleaseStore, 'app' | 'exists' | 'readState' | 'newestFrom' | 'get' | 'readLog' | 'hasLiveLog' | 'currentId'>;

const APP_DIR = /^[a-z0-9][a-z0-9.-]*$/;

export function readReleases(paths: DokkuPaths, app: string): ReleaseReader {
  // `who` names the author of new records; this reader creates none.
  return new FileReleaseStore({ dir: paths.ownstackApp(app), app, who: 'dashboard' });
}

/** Every app with a release store on this host, by name (the store goes with apps:destroy). */
export function storedApps(paths: DokkuPaths): string[] {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(paths.ownstackRoot, { withFileTypes: true });
  } catch {
    return [];
  }
  return entries.filter((entry) => entry.isDirectory() && APP_DIR.test(entry.name)).map((entry) => entry.name).sort();
}

/**
 * `expired` as the store knows it: a succeeded release that does not serve and whose image
 * retention no longer holds (retained_by is cleared when the hold is released, and the image goes
 * with it). The CLI asks Docker instead; the dashboard has no Docker socket.
 */
export function storedDisplayStatus(record: ReleaseRecord, currentId: number | undefined): DisplayStatus {
  if (record.status !== 'succeeded' || record.id === currentId) return record.status;
  return record.retained_by === null ? 'expired' : 'succeeded';
}

/** A release's status as pages show it: a failure with its phase and reason, a run with its phase. */
export function statusText(row: Pick<ReleaseRow, 'status' | 'failure' | 'phase'>): string {
  if (row.failure) return `${row.status} (${row.failure})`;
  return row.status === 'running' ? `${row.status} (${row.phase})` : row.status;
}

/** One release as every page shows it (built from the record's public fields only). */
export interface ReleaseRow {
  app: string;
  id: number;
  kind: ReleaseRecord['kind'];
  status: DisplayStatus;
  current: boolean;
  phase: ReleaseRecord['phase'];
  /** For a failure: the phase and one-line reason. */
  failure: string | null;
  description: string;
  sha: string | null;
  who: string;
  startedAt: string;
  finishedAt: string | null;
  duration: string | null;
  /** The stack another host's release is on (as that stack listed it); absent on this host. */
  stack?: string;
}

export function releaseRow(record: ReleaseRecord, currentId: number | undefined): ReleaseRow {
  return rowOf(record, storedDisplayStatus(record, currentId), record.id === currentId);
}

/** The release fields a row is built from: a stored record's, or a public release another stack listed. */
export type RowFields = Pick<ReleaseRecord, 'app' | 'id' | 'kind' | 'status' | 'phase' | 'reason' | 'description' | 'git_sha' | 'who' | 'started_at' | 'finished_at'>;

export function rowOf(record: RowFields, status: DisplayStatus, current: boolean, stack?: string): ReleaseRow {
  const started = Date.parse(record.started_at);
  const finished = record.finished_at ? Date.parse(record.finished_at) : NaN;
  return {
    app: record.app,
    id: record.id,
    kind: record.kind,
    status,
    current,
    phase: record.phase,
    failure: record.status === 'failed' ? `${record.phase}: ${firstLine(record.reason) ?? 'no reason recorded'}` : null,
    description: record.description,
    sha: shortSha(record.git_sha),
    who: record.who,
    startedAt: record.started_at,
    finishedAt: record.finished_at,
    duration: Number.isFinite(started) && Number.isFinite(finished) ? formatDuration(finished - started) : null,
    ...(stack === undefined ? {} : { stack }),
  };
}

function firstLine(text: string | null): string | null {
  if (!text) return null;
  const line = text.split('\n')[0].trim();
  return line.length > 300 ? `${line.slice(0, 300)}…` : line;
}

/** Record reads that several cursors share: when it runs out, they all stop (and say so). */
export interface ReadBudget {
  remaining: number;
}

/** Reads one app's history downward in growing chunks, as the merge needs it, within a shared budget. */
export class ReleaseCursor {
  private buffer: ReleaseRecord[] = [];
  private from: number;
  private chunk: number;
  private done = false;
  readonly currentId: number | undefined;
  unreadable: number[] = [];

  constructor(
    private readonly reader: ReleaseReader,
    private readonly keep: (record: ReleaseRecord) => boolean = () => true,
    private readonly budget: ReadBudget = { remaining: Infinity },
    /** Records read at first: about this app's share of what the page needs; later chunks double. */
    firstChunk = 4,
  ) {
    this.chunk = firstChunk;
    const state = reader.readState();
    this.from = state.next_id - 1;
    this.currentId = state.current_id ?? undefined;
  }

  peek(): ReleaseRecord | undefined {
    while (this.buffer.length === 0 && !this.done) this.fill();
    return this.buffer[0];
  }

  take(): ReleaseRecord | undefined {
    const record = this.peek();
    this.buffer.shift();
    return record;
  }

  private fill(): void {
    if (this.from < 1 || this.budget.remaining <= 0) {
      this.done = true;
      return;
    }
    const { records, corrupt } = this.reader.newestFrom(this.from, this.chunk);
    this.budget.remaining -= records.length + corrupt.length;
    this.unreadable.push(...corrupt.map((bad) => bad.id));
    if (records.length < this.chunk) this.done = true;
    else this.from = records[records.length - 1].id - 1;
    this.buffer.push(...records.filter(this.keep));
    this.chunk = Math.min(this.chunk * 2, 64);
  }
}
