import Table from 'cli-table3';
import { format as timeago } from 'timeago.js';
import { printable } from '../output/log.js';
import { shortSha } from './describe.js';
import type { DisplayStatus, ReleaseRecord } from './record.js';

// What `ownstack:history` and `ownstack:info` print. `expired` is derived here (the image of a
// succeeded release that no longer serves is gone from the engine), never stored.

export type DisplayedRecord = ReleaseRecord & { display_status: DisplayStatus };

/** Only succeeded, non-current releases with a known image can be expired: ask docker only then. */
export function needsImageCheck(records: ReleaseRecord[], currentId: number | undefined): boolean {
  return records.some((record) => record.status === 'succeeded' && record.id !== currentId && record.image_id !== null);
}

/** `imageIds` is every image on the engine (one docker call); undefined when unknown. */
export function displayStatus(record: ReleaseRecord, currentId: number | undefined, imageIds: Set<string> | undefined): DisplayStatus {
  if (record.status !== 'succeeded' || record.id === currentId || !imageIds || !record.image_id) return record.status;
  return imageIds.has(record.image_id) ? 'succeeded' : 'expired';
}

export function withDisplayStatus(records: ReleaseRecord[], currentId: number | undefined, imageIds: Set<string> | undefined): DisplayedRecord[] {
  return records.map((record) => ({ ...record, display_status: displayStatus(record, currentId, imageIds) }));
}

/** A release one can roll back to: succeeded, not the current one, and its image still exists. */
export function canRollBackTo(record: ReleaseRecord, currentId: number | undefined, imageIds: Set<string>): boolean {
  return record.status === 'succeeded' && record.id !== currentId && record.image_id !== null && imageIds.has(record.image_id);
}

export function relativeTime(iso: string | null, now: Date): string {
  if (!iso) return '';
  return timeago(iso, 'en_US', { relativeDate: now });
}

function statusCell(record: Pick<DisplayedRecord, 'display_status' | 'phase'>): string {
  if (record.display_status === 'failed' || record.display_status === 'running') return `${record.display_status} (${record.phase})`;
  return record.display_status;
}

// Borderless, two spaces between columns, as Dokku's own listings print them.
const PLAIN_TABLE_CHARS = Object.fromEntries(
  ['top', 'top-mid', 'top-left', 'top-right', 'bottom', 'bottom-mid', 'bottom-left', 'bottom-right',
    'left', 'left-mid', 'mid', 'mid-mid', 'right', 'right-mid'].map((key) => [key, '']),
);

/** Plain aligned columns; cells are made one-line safe, since a table row must stay one line. */
export function columns(header: string[], rows: string[][]): string {
  const table = new Table({
    head: header,
    chars: { ...PLAIN_TABLE_CHARS, middle: '  ' },
    style: { 'padding-left': 0, 'padding-right': 0, head: [], border: [], compact: true },
  });
  table.push(...rows.map((row) => row.map((value) => printable(value, 120))));
  return table.toString().split('\n').map((line) => line.trimEnd()).join('\n');
}

export function historyHeader(app: string, currentId: number | undefined): string {
  return `=====> ${app} Releases - Current: ${currentId === undefined ? 'none' : `v${currentId}`}`;
}

/** The fields a history row shows: a stored record's, or a public release another stack listed. */
export type HistoryRowFields = Pick<DisplayedRecord, 'id' | 'kind' | 'git_sha' | 'display_status' | 'phase' | 'started_at' | 'who' | 'description'>;

export function historyTable(records: HistoryRowFields[], now: Date): string {
  const rows = records.map((record) => [
    `v${record.id}`,
    record.kind,
    shortSha(record.git_sha) ?? '',
    statusCell(record),
    relativeTime(record.started_at, now),
    record.who,
    record.description,
  ]);
  return columns(['ID', 'KIND', 'SHA', 'STATUS', 'WHEN', 'WHO', 'DESCRIPTION'], rows);
}

/** `ownstack:info` rows, in Dokku's report shape. */
export function infoRows(
  current: DisplayedRecord | undefined,
  rollbackTargets: number,
  pipeline: { pipeline: string; stage: string } | undefined,
  now: Date,
): [string, string][] {
  const at = current ? current.finished_at ?? current.started_at : null;
  return [
    ['Current release', current ? `v${current.id}` : ''],
    ['Status', current ? statusCell(current) : ''],
    ['Kind', current?.kind ?? ''],
    ['Description', current?.description ?? ''],
    ['Git sha', current?.git_sha ?? ''],
    ['Image', current?.image_id ?? ''],
    ['Deployed at', at ? `${at} (${relativeTime(at, now)})` : ''],
    ['Deployed by', current?.who ?? ''],
    ['Rollback targets', String(rollbackTargets)],
    ['Pipeline', pipeline?.pipeline ?? ''],
    ['Stage', pipeline?.stage ?? ''],
  ];
}
