import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FileReleaseStore } from '../../src/lib/releases/store.js';
import { createDashboardApp } from '../../src/web/app.js';
import { addRelease, makeHost, signIn, type TestHost } from './dashboard-support.js';

// The live log: Server-Sent Events from a running release's log until it ends, then its outcome.

let host: TestHost;
const NOW = new Date('2026-03-01T12:00:00.000Z');
beforeEach(() => {
  host = makeHost();
});
afterEach(() => host.cleanup());

/** Reads SSE events from a response until `until` says stop; `between` runs after each chunk (to change the store). */
async function readEvents(response: Response, until: (events: { event: string; data: string }[]) => boolean, between: (events: { event: string; data: string }[]) => Promise<void>) {
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  const events: { event: string; data: string }[] = [];
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let end: number;
    while ((end = buffer.indexOf('\n\n')) !== -1) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const event = /^event: (.*)$/m.exec(block)?.[1] ?? 'message';
      const data = [...block.matchAll(/^data: ?(.*)$/gm)].map((m) => m[1]).join('\n');
      events.push({ event, data });
    }
    if (until(events)) break;
    await between(events);
  }
  await reader.cancel();
  return events;
}

describe('the live log stream', () => {
  it('a release without a build log (a promotion): the output kept just after it ends is sent before the outcome', async () => {
    const record = await addRelease(host.ctx, 'web', { kind: 'promote', status: 'running', phase: 'release', startedAt: '2026-03-01T11:59:00.000Z' });
    const store = new FileReleaseStore({ dir: host.ctx.paths.ownstackApp('web'), app: 'web', who: 'alice' });
    // the promotion's record is finished (post-deploy) before its output is kept
    await store.update(record.id, (draft) => { draft.status = 'succeeded'; draft.phase = 'postdeploy'; });
    // the route reads the record once, then the stream once per poll: resolved at the stream's first poll
    const original = FileReleaseStore.prototype.get;
    let reads = 0;
    let firstPoll!: () => void;
    const polled = new Promise<void>((resolve) => { firstPoll = resolve; });
    const spy = vi.spyOn(FileReleaseStore.prototype, 'get').mockImplementation(function (this: FileReleaseStore, id: number) {
      const result = original.call(this, id);
      reads += 1;
      if (reads === 2) firstPoll();
      return result;
    });
    try {
      const alice = await signIn(host.ctx, 'alice', 'deployer', NOW);
      const app = createDashboardApp({ ctx: host.ctx, now: () => NOW, stream: { pollMs: 5, maxMs: 60_000, settleMs: 60_000 } });
      const response = await app.request(`/apps/web/releases/${record.id}/log/stream?from=0`, { headers: { Cookie: alice.cookie } });
      const reading = readEvents(response, (seen) => seen.some((event) => event.event === 'end'), async () => undefined);
      await polled;
      const kept = await store.writeLog(record.id, '-----> Promoting web-staging v4 to web\n');
      await store.update(record.id, (draft) => { draft.log = kept; });
      expect(await reading).toEqual([
        { event: 'line', data: '-----> Promoting web-staging v4 to web' },
        { event: 'end', data: 'v1 succeeded.' },
      ]);
    } finally {
      spy.mockRestore();
    }
  });

  it('a release that ended without a kept log ends its stream once the settle time has passed', async () => {
    const record = await addRelease(host.ctx, 'web', { kind: 'rollback', status: 'succeeded', startedAt: '2026-03-01T11:59:00.000Z' });
    const alice = await signIn(host.ctx, 'alice', 'deployer', NOW);
    const app = createDashboardApp({ ctx: host.ctx, now: () => NOW, stream: { pollMs: 5, maxMs: 60_000, settleMs: 20 } });
    const response = await app.request(`/apps/web/releases/${record.id}/log/stream?from=0`, { headers: { Cookie: alice.cookie } });
    expect(await readEvents(response, (seen) => seen.some((event) => event.event === 'end'), async () => undefined)).toEqual([{ event: 'end', data: 'v1 succeeded.' }]);
  });

  it('sends the lines the log gains after the page, then the outcome when the release ends', async () => {
    const record = await addRelease(host.ctx, 'api', { status: 'running', phase: 'build', startedAt: '2026-03-01T11:59:00.000Z', buildId: 'b-7' });
    const logFile = host.ctx.paths.buildLog('api', 'b-7');
    fs.mkdirSync(path.dirname(logFile), { recursive: true });
    fs.writeFileSync(logFile, 'shown on the page\n');
    const alice = await signIn(host.ctx, 'alice', 'deployer', NOW);
    const app = createDashboardApp({ ctx: host.ctx, now: () => NOW, stream: { pollMs: 5, maxMs: 60_000 } });
    const response = await app.request(`/apps/api/releases/${record.id}/log/stream?from=18`, { headers: { Cookie: alice.cookie } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);

    fs.appendFileSync(logFile, '-----> step 2\n<script>x</script>\n');
    let finished = false;
    const events = await readEvents(
      response,
      (seen) => seen.some((event) => event.event === 'end'),
      async (seen) => {
        // once the new lines arrived, the deploy fails: its log is kept and the record finished
        if (!finished && seen.filter((event) => event.event === 'line').length >= 2) {
          finished = true;
          const store = new FileReleaseStore({ dir: host.ctx.paths.ownstackApp('api'), app: 'api', who: 'alice' });
          const kept = await store.writeLog(record.id, `${fs.readFileSync(logFile, 'utf8')}remote: build failed\n`);
          await store.update(record.id, (draft) => {
            draft.status = 'failed';
            draft.reason = 'exit status 1';
            draft.log = kept;
          });
        }
      },
    );
    expect(events).toEqual([
      { event: 'line', data: '-----> step 2' },
      { event: 'line', data: '<script>x</script>' },
      { event: 'line', data: 'remote: build failed' },
      { event: 'end', data: 'v1 failed at build: exit status 1.' },
    ]);
  });

  it('a release that already ended sends the rest and its outcome at once', async () => {
    await addRelease(host.ctx, 'web', { status: 'succeeded', startedAt: '2026-03-01T11:00:00.000Z', log: 'one\ntwo\n' });
    const alice = await signIn(host.ctx, 'alice', 'deployer', NOW);
    const app = createDashboardApp({ ctx: host.ctx, now: () => NOW, stream: { pollMs: 5, maxMs: 1000 } });
    const text = await (await app.request('/apps/web/releases/1/log/stream?from=4', { headers: { Cookie: alice.cookie } })).text();
    expect(text).toBe('event: line\ndata: two\n\nevent: end\ndata: v1 succeeded.\n\n');
  });
});
