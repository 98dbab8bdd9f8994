import type { SSEStreamingApi } from 'hono/streaming';
import type { Context } from '../lib/context.js';
import { releaseLog } from '../lib/dashboard/app-pages.js';
import { releaseRow, statusText, type ReleaseReader } from '../lib/dashboard/releases.js';
import { deployedByOwnstack } from '../lib/releases/record.js';

// /apps/<app>/releases/<id>/log/stream: the lines a running release's log gains after `from`
// (what the page already shows), as Server-Sent Events, until the release ends; then a `status`
// event (the page's header shows it) and one `end` event with its outcome. The log is polled: a
// file on a (later read-only) mount gives no events.

export interface StreamOptions {
  pollMs: number;
  /** The longest a stream stays open; the page's refresh link still works after. */
  maxMs: number;
  /**
   * How long after a Dokku build (a git push, a rebuild) ends its kept log is waited for: its record
   * ends at post-deploy, and builds-record-finalize keeps Dokku's build log, last lines included,
   * a moment later. A release ownstack runs (promote, rollback, image deploy) needs no wait: the
   * log it writes as it runs says when it is complete (it is replaced by the kept copy).
   */
  keptLogGraceMs: number;
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
    // A promote/rollback's record ends (post-deploy) a moment before its last lines are kept: its
    // log is complete once the live log it writes has been replaced by the kept copy.
    const keptCopyDue = record.status !== 'running' && record.log === null && !deployedByOwnstack(record);
    const ended = record.status !== 'running' && !reader.hasLiveLog(id) && !(keptCopyDue && Date.now() - (endedAt ??= Date.now()) < options.keptLogGraceMs);
    const text = releaseLog(ctx, reader, record) ?? '';
    if (text.length > offset) {
      const fresh = partial + text.slice(offset);
      offset = text.length;
      const lines = fresh.split('\n');
      partial = ended ? '' : (lines.pop() ?? '');
      for (const line of lines) if (line !== '' || !ended) await stream.writeSSE({ event: 'line', data: line });
    }
    if (ended) {
      const outcome = record.status === 'failed' ? `failed at ${record.phase}: ${record.reason ?? 'no reason recorded'}` : record.status;
      const row = releaseRow(record, reader.currentId());
      // "<status> <text>": the page's header takes the class from the first word, the text from the rest.
      await stream.writeSSE({ event: 'status', data: `${row.status} ${statusText(row)}` });
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
