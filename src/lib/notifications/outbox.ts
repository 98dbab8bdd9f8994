import fs from 'node:fs';
import path from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import type { Context } from '../context.js';
import { log } from '../output/log.js';
import { spawnDetachedSelf } from '../dokku/detached.js';
import { isFileLocked } from '../dokku/lock.js';
import type { ReleaseRecord } from '../releases/record.js';
import { readSetting } from '../settings/settings.js';
import { releaseEvent, type ReleaseChange, type ReleaseEvent } from './event.js';

// Queueing a release notification costs the deploy a small file write and, at most, a process
// start that it does not wait for: the event (built now, as the release is at this moment) goes
// to the app's outbox, and a detached `ownstack notify-deliver APP` sends what the outbox holds,
// with bounded retries, and records each outcome on its release. That sender stays while the
// app has a release running (deliver.ts), so the end event of the release whose start it sent
// finds it there and starts nothing: one background process per release, not one per event.
// No URL set: nothing is done.

export const DELIVER_COMMAND = 'notify-deliver';
const EVENT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export interface QueuedEvent {
  release_id: number;
  change: ReleaseChange;
  event: ReleaseEvent;
}

export const outboxDir = (ctx: Context, app: string) => path.join(ctx.paths.ownstackApp(app), 'outbox');
export const outboxFile = (ctx: Context, app: string, eventId: string) => path.join(outboxDir(ctx, app), `${eventId}.json`);
/** Held by the app's one active sender (flock), for as long as it takes new events. */
export const senderLockFile = (ctx: Context, app: string) => path.join(outboxDir(ctx, app), '.sender.lock');

/** The IDs of the events waiting in the app's outbox (none when it does not exist). */
export function queuedEventIds(ctx: Context, app: string): string[] {
  let names: string[];
  try {
    names = fs.readdirSync(outboxDir(ctx, app));
  } catch {
    return [];
  }
  return names.filter((name) => name.endsWith('.json') && EVENT_ID.test(name.slice(0, -5))).map((name) => name.slice(0, -5));
}

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
    // Written before looking: a sender seen holding the lock takes this event before it lets go
    // (it looks again after unlocking), and one started now looks after locking.
    if (!isFileLocked(senderLockFile(ctx, record.app))) spawnDetachedSelf([DELIVER_COMMAND, record.app]);
  } catch (error) {
    log.warn(`ownstack: could not queue the ${change} notification of ${record.app} v${record.id}: ${(error as Error).message.split('\n')[0]}`);
  }
}
