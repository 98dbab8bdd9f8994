import path from 'node:path';
import fs from 'node:fs';
import writeFileAtomic from 'write-file-atomic';
import * as z from 'zod/mini';
import type { Context } from '../context.js';

// How the app's release notifications went, for `ownstack:info`'s "Last notification". Kept in a
// file of their own (data/ownstack/<app>/notifications.json), written only by the app's one
// sender while it holds the outbox lock, never in the release records: the sender runs at the
// lowest CPU priority, and taking the release store's lock there would let a starved background
// process hold up the deploy's own triggers (a priority inversion).

export const NotificationOutcomeSchema = z.object({
  /** The release the event was about. */
  release: z.int().check(z.positive()),
  event: z.enum(['start', 'end']),
  status: z.enum(['delivered', 'failed']),
  attempts: z.int(),
  /** The receiver's last HTTP status, null when it never answered. */
  http_status: z.nullable(z.int()),
  /** One line, for a failed delivery. */
  error: z.nullable(z.string()),
  at: z.string(),
});
export type NotificationOutcome = z.infer<typeof NotificationOutcomeSchema>;

/** Outcomes kept, newest last. */
export const OUTCOMES_KEPT = 20;

export const notificationsFile = (ctx: Context, app: string) => path.join(ctx.paths.ownstackApp(app), 'notifications.json');

/** The kept outcomes, oldest first; none when the file is missing or damaged (it is only a report). */
export function readOutcomes(ctx: Context, app: string): NotificationOutcome[] {
  try {
    const parsed = z.array(NotificationOutcomeSchema).safeParse(JSON.parse(fs.readFileSync(notificationsFile(ctx, app), 'utf8')));
    return parsed.success ? parsed.data : [];
  } catch {
    return [];
  }
}

/** Adds an outcome; only the sender holding the app's outbox lock calls this, so nobody races it. */
export function recordOutcome(ctx: Context, app: string, outcome: NotificationOutcome): void {
  const outcomes = [...readOutcomes(ctx, app), outcome].slice(-OUTCOMES_KEPT);
  writeFileAtomic.sync(notificationsFile(ctx, app), `${JSON.stringify(outcomes)}\n`, { mode: 0o600 });
}

export function lastNotification(outcomes: NotificationOutcome[]): NotificationOutcome | undefined {
  let last: NotificationOutcome | undefined;
  for (const outcome of outcomes) {
    if (!last || outcome.at >= last.at) last = outcome;
  }
  return last;
}

export function notificationLine(last: NotificationOutcome | undefined): string {
  if (!last) return '';
  const attempts = `${last.attempts} attempt${last.attempts === 1 ? '' : 's'}`;
  if (last.status === 'delivered') return `v${last.release} ${last.event}: delivered (HTTP ${last.http_status}, ${attempts}) at ${last.at}`;
  return `v${last.release} ${last.event}: FAILED after ${attempts}: ${last.error ?? 'no answer'} at ${last.at}`;
}
