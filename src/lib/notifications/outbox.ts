import fs from 'node:fs';
import path from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import type { Context } from '../context.js';
import { log } from '../output/log.js';
import { spawnDetachedSelf } from '../dokku/detached.js';
import type { ReleaseRecord } from '../releases/record.js';
import { readSetting } from '../settings/settings.js';
import { releaseEvent, type ReleaseChange, type ReleaseEvent } from './event.js';

// Queueing a release notification costs the deploy two small file writes and a process start
// that it does not wait for: the event (built now, as the release is at this moment) goes to the
// app's outbox, and a detached `ownstack notify-deliver APP EVENT-ID` sends it, with its bounded
// retries, and records the outcome on the release. No URL set: nothing is done.

export const DELIVER_COMMAND = 'notify-deliver';
export const EVENT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export interface QueuedEvent {
  release_id: number;
  change: ReleaseChange;
  event: ReleaseEvent;
}

export const outboxDir = (ctx: Context, app: string) => path.join(ctx.paths.ownstackApp(app), 'outbox');
export const outboxFile = (ctx: Context, app: string, eventId: string) => path.join(outboxDir(ctx, app), `${eventId}.json`);

export function notificationsEnabled(ctx: Context, app: string): boolean {
  return readSetting(ctx.paths, app, 'notify-url').computed !== '';
}

/** Called by the release store when a release starts or ends; never throws, never waits. */
export async function queueNotification(ctx: Context, record: ReleaseRecord, change: ReleaseChange): Promise<void> {
  try {
    if (!notificationsEnabled(ctx, record.app)) return;
    const event = releaseEvent(record, change, new Date());
    const queued: QueuedEvent = { release_id: record.id, change, event };
    fs.mkdirSync(outboxDir(ctx, record.app), { recursive: true, mode: 0o700 });
    await writeFileAtomic(outboxFile(ctx, record.app, event.id), `${JSON.stringify(queued)}\n`, { mode: 0o600, fsync: false });
    spawnDetachedSelf([DELIVER_COMMAND, record.app, event.id]);
  } catch (error) {
    log.warn(`ownstack: could not queue the ${change} notification of ${record.app} v${record.id}: ${(error as Error).message.split('\n')[0]}`);
  }
}
