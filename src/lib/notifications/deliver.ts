import fs from 'node:fs';
import type { Context } from '../context.js';
import { acquireFileLock, type HeldLock } from '../dokku/lock.js';
import { openStore } from '../releases/store.js';
import { readSetting, settingNumber } from '../settings/settings.js';
import { EVENT_ID_HEADER, requestBody, SIGNATURE_HEADER, signBody, type NotifyFormat } from './event.js';
import { outboxDir, outboxFile, queuedEventIds, senderLockFile, type QueuedEvent } from './outbox.js';
import { recordOutcome, type NotificationOutcome } from './status.js';
import { runningTimeSignal } from './running-timeout.js';

// The background half of a release notification (`ownstack notify-deliver APP`, started detached
// by outbox.ts when no sender holds the app's outbox). Each event is bounded: at most ATTEMPTS
// tries of `notify-timeout` seconds each (5 by default, counted while the sender runs, see
// running-timeout.ts), RETRY_DELAYS_MS apart, so one event ends within 3 × timeout + 3 s (18 s
// by default) whatever the receiver does, unless the host starves the sender itself. A 2xx is delivered; a network error, a timeout, 408, 429 or 5xx is
// tried again; any other answer is final. The outcome goes to the app's notifications.json
// (status.ts), shown by `ownstack:info`; the URL and the secret never go anywhere.

export const ATTEMPTS = 3;
export const RETRY_DELAYS_MS = [1000, 2000];

const retriable = (status: number) => status === 408 || status === 429 || status >= 500;

interface AttemptResult {
  status?: number;
  error?: string;
}

async function attempt(url: string, body: string, headers: Record<string, string>, timeoutMs: number): Promise<AttemptResult> {
  const timeout = runningTimeSignal(timeoutMs);
  try {
    const response = await fetch(url, { method: 'POST', body, headers, signal: timeout.signal, redirect: 'manual' });
    await response.arrayBuffer().catch(() => undefined);
    return { status: response.status };
  } catch (error) {
    const name = (error as Error).name;
    if (name === 'TimeoutError' || name === 'AbortError') return { error: `no answer within ${timeoutMs / 1000} s` };
    const cause = (error as { cause?: { code?: string } }).cause?.code;
    return { error: cause ? `connection failed (${cause})` : 'connection failed' };
  } finally {
    timeout.clear();
  }
}

/** How long a sender waits for more events while the app has a release running. */
export const SENDER_LINGER_MS = 30 * 60 * 1000;
/** How often a waiting sender looks at the app's releases even if the outbox stays quiet. */
const SENDER_RECHECK_MS = 2000;

export interface SenderOptions {
  lingerMs?: number;
  deliver?: (ctx: Context, app: string, eventId: string) => Promise<void>;
}

/**
 * The app's sender: while it holds the outbox lock it sends every queued event (side by side, so
 * a receiver that hangs on one holds up none of the others), and it stays while a release of the
 * app is running, so that release's end event costs the deploy no process start. Only the holder
 * sends; after letting go it looks once more, since a queuer that saw the lock held started
 * nobody.
 */
export async function runSender(ctx: Context, app: string, options: SenderOptions = {}): Promise<void> {
  for (;;) {
    let lock: HeldLock;
    try {
      lock = await acquireFileLock(senderLockFile(ctx, app), { waitSeconds: 0, what: `the notification outbox of ${app}`, heldBy: 'another sender' });
    } catch {
      return; // another sender holds it, and sends what is queued
    }
    try {
      await sendWhileReleasing(ctx, app, options);
    } finally {
      lock.release();
    }
    if (queuedEventIds(ctx, app).length === 0) return;
  }
}

async function sendWhileReleasing(ctx: Context, app: string, options: SenderOptions): Promise<void> {
  const deliver = options.deliver ?? deliverQueued;
  const deadline = Date.now() + (options.lingerMs ?? SENDER_LINGER_MS);
  const inFlight = new Set<string>();
  // A wake-up that comes while we are looking is kept for the next wait, not lost.
  let woken = false;
  let resolveWait: (() => void) | undefined;
  const wake = () => {
    woken = true;
    resolveWait?.();
  };
  // Watching before looking: an event written after the look wakes us.
  let watcher: fs.FSWatcher | undefined;
  try {
    watcher = fs.watch(outboxDir(ctx, app), () => wake());
    watcher.on('error', () => wake());
  } catch {
    // no outbox directory: nothing is queued, and the rechecks below still look
  }
  try {
    for (;;) {
      woken = false;
      for (const id of queuedEventIds(ctx, app)) {
        if (inFlight.has(id)) continue;
        inFlight.add(id);
        // An event leaves the outbox before it leaves inFlight, so it is never sent twice.
        void deliver(ctx, app, id)
          .catch(() => undefined)
          .finally(() => {
            inFlight.delete(id);
            wake();
          });
      }
      if (inFlight.size === 0 && (Date.now() >= deadline || !releaseRunning(ctx, app))) return;
      if (woken) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, SENDER_RECHECK_MS);
        resolveWait = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      resolveWait = undefined;
    }
  } finally {
    watcher?.close();
  }
}

function releaseRunning(ctx: Context, app: string): boolean {
  try {
    const store = openStore(ctx, app);
    return store.exists() && store.runningIds().length > 0;
  } catch {
    return false; // the app or its store is gone
  }
}

export async function deliverQueued(ctx: Context, app: string, eventId: string): Promise<void> {
  const file = outboxFile(ctx, app, eventId);
  let queued: QueuedEvent;
  try {
    queued = JSON.parse(fs.readFileSync(file, 'utf8')) as QueuedEvent;
  } catch {
    return; // already delivered by another run, or never written
  }
  const url = readSetting(ctx.paths, app, 'notify-url').computed;
  const format = readSetting(ctx.paths, app, 'notify-format').computed as NotifyFormat;
  const secret = readSetting(ctx.paths, app, 'notify-secret').computed;
  const timeoutMs = settingNumber(ctx.paths, app, 'notify-timeout') * 1000;
  if (!url) {
    fs.rmSync(file, { force: true });
    return;
  }

  const body = requestBody(queued.event, format);
  const headers: Record<string, string> = {
    'Content-Type': 'application/json',
    'User-Agent': 'ownstack-webhook',
    [EVENT_ID_HEADER]: queued.event.id,
  };
  if (secret) headers[SIGNATURE_HEADER] = signBody(body, secret);

  let result: AttemptResult = {};
  let attempts = 0;
  while (attempts < ATTEMPTS) {
    if (attempts > 0) await new Promise((resolve) => setTimeout(resolve, RETRY_DELAYS_MS[attempts - 1]));
    attempts += 1;
    result = await attempt(url, body, headers, timeoutMs);
    if (result.status !== undefined && (result.status < 300 || !retriable(result.status))) break;
  }
  const delivered = result.status !== undefined && result.status >= 200 && result.status < 300;
  const outcome: NotificationOutcome = {
    release: queued.release_id,
    event: queued.change,
    status: delivered ? 'delivered' : 'failed',
    attempts,
    http_status: result.status ?? null,
    error: delivered ? null : (result.error ?? `HTTP ${result.status}`),
    at: new Date().toISOString(),
  };
  try {
    recordOutcome(ctx, app, outcome);
  } finally {
    fs.rmSync(file, { force: true });
  }
}
