import fs from 'node:fs';
import type { Context } from '../context.js';
import { openStore } from '../releases/store.js';
import type { NotificationOutcome } from '../releases/record.js';
import { readSetting, settingNumber } from '../settings/settings.js';
import { EVENT_ID_HEADER, requestBody, SIGNATURE_HEADER, signBody, type NotifyFormat } from './event.js';
import { outboxFile, type QueuedEvent } from './outbox.js';

// The background half of a release notification (`ownstack notify-deliver APP EVENT-ID`, started
// detached by outbox.ts). Bounded: at most ATTEMPTS tries of `notify-timeout` seconds each (5 by
// default), RETRY_DELAYS_MS apart, so one event ends within 3 × timeout + 3 s (18 s by default)
// whatever the receiver does. A 2xx is delivered; a network error, a timeout, 408, 429 or 5xx is
// tried again; any other answer is final. The outcome goes on the release
// (`notifications`), shown by `ownstack:info`; the URL and the secret never go anywhere.

export const ATTEMPTS = 3;
export const RETRY_DELAYS_MS = [1000, 2000];
const MAX_KEPT = 6;

const retriable = (status: number) => status === 408 || status === 429 || status >= 500;

interface AttemptResult {
  status?: number;
  error?: string;
}

async function attempt(url: string, body: string, headers: Record<string, string>, timeoutMs: number): Promise<AttemptResult> {
  try {
    const response = await fetch(url, { method: 'POST', body, headers, signal: AbortSignal.timeout(timeoutMs), redirect: 'manual' });
    await response.arrayBuffer().catch(() => undefined);
    return { status: response.status };
  } catch (error) {
    const name = (error as Error).name;
    if (name === 'TimeoutError' || name === 'AbortError') return { error: `no answer within ${timeoutMs / 1000} s` };
    const cause = (error as { cause?: { code?: string } }).cause?.code;
    return { error: cause ? `connection failed (${cause})` : 'connection failed' };
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
    event: queued.change,
    status: delivered ? 'delivered' : 'failed',
    attempts,
    http_status: result.status ?? null,
    error: delivered ? null : (result.error ?? `HTTP ${result.status}`),
    at: new Date().toISOString(),
  };
  try {
    await openStore(ctx, app).update(queued.release_id, (record) => {
      record.notifications = [...(record.notifications ?? []), outcome].slice(-MAX_KEPT);
    });
  } finally {
    fs.rmSync(file, { force: true });
  }
}
