import type { SSEStreamingApi } from 'hono/streaming';
import type { Context } from '../lib/context.js';
import { releaseLog } from '../lib/dashboard/app-pages.js';
import type { ReleaseReader } from '../lib/dashboard/releases.js';

// /apps/<app>/releases/<id>/log/stream: the lines a running release's log gains after `from`
// (what the page already shows), as Server-Sent Events, until the release ends; then one `end`
// event with its outcome. The log is polled: a file on a (later read-only) mount gives no events.

export interface StreamOptions {
  pollMs: number;
  /** The longest a stream stays open; the page's refresh link still works after. */
  maxMs: number;
  /**
   * How long after a release ends its kept log is waited for. A release made without a Dokku build
   * (a promotion, a rollback) has no build log to follow while it runs, and its output is kept only
   * after its record is finished: without this wait, its page would end with an empty log.
   */
  settleMs: number;
}

export async function streamReleaseLog(
  stream: SSEStreamingApi,
  ctx: Context,
  reader: ReleaseReader,
  id: number,
  from: number,
  options: StreamOptions,
): Promise<void> {
  let offset = from;
  let partial = '';
  const started = Date.now();
  let endedAt: number | undefined;
  while (!stream.aborted && !stream.closed) {
    const record = reader.get(id);
    if (!record) {
      await stream.writeSSE({ event: 'end', data: `v${id} no longer exists.` });
      return;
    }
    const text = releaseLog(ctx, reader, record) ?? '';
    if (text.length > offset) {
      const fresh = partial + text.slice(offset);
      offset = text.length;
      const lines = fresh.split('\n');
      partial = record.status === 'running' ? (lines.pop() ?? '') : '';
      for (const line of lines) if (line !== '' || record.status === 'running') await stream.writeSSE({ event: 'line', data: line });
    }
    if (record.status !== 'running' && record.log === null && Date.now() - (endedAt ??= Date.now()) < options.settleMs) {
      await stream.sleep(options.pollMs);
      continue;
    }
    if (record.status !== 'running') {
      const outcome = record.status === 'failed' ? `failed at ${record.phase}: ${record.reason ?? 'no reason recorded'}` : record.status;
      await stream.writeSSE({ event: 'end', data: `v${id} ${outcome}.` });
      return;
    }
    if (Date.now() - started > options.maxMs) {
      await stream.writeSSE({ event: 'end', data: 'Still running; refresh the page to follow it further.' });
      return;
    }
    await stream.sleep(options.pollMs);
  }
}
