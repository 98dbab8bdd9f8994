import type { NotificationOutcome, ReleaseRecord } from '../releases/record.js';

// `ownstack:info`'s "Last notification": the newest delivery outcome among the recent releases
// (a failed deploy is newer than the current release, and its notification counts too).

export const NOTIFICATION_LOOKBACK = 10;

export interface LastNotification extends NotificationOutcome {
  release: number;
}

export function lastNotification(records: ReleaseRecord[]): LastNotification | undefined {
  let last: LastNotification | undefined;
  for (const record of records) {
    for (const outcome of record.notifications ?? []) {
      if (!last || outcome.at > last.at) last = { release: record.id, ...outcome };
    }
  }
  return last;
}

export function notificationLine(last: LastNotification | undefined): string {
  if (!last) return '';
  const attempts = `${last.attempts} attempt${last.attempts === 1 ? '' : 's'}`;
  if (last.status === 'delivered') return `v${last.release} ${last.event}: delivered (HTTP ${last.http_status}, ${attempts}) at ${last.at}`;
  return `v${last.release} ${last.event}: FAILED after ${attempts}: ${last.error ?? 'no answer'} at ${last.at}`;
}
