import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
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
  it('a promotion: its live log streams while it runs, and the stream ends once the kept copy replaces it', async () => {
    const record = await addRelease(host.ctx, 'web', { kind: 'promote', status: 'running', phase: 'release', startedAt: '2026-03-01T11:59:00.000Z' });
    const store = new FileReleaseStore({ dir: host.ctx.paths.ownstackApp('web'), app: 'web', who: 'alice' });
    const live = store.openLiveLog(record.id);
    live.line('-----> Releasing web');
    const alice = await signIn(host.ctx, 'alice', 'deployer', NOW);
    const app = createDashboardApp({ ctx: host.ctx, now: () => NOW, stream: { pollMs: 5, maxMs: 60_000 } });
    const response = await app.request(`/apps/web/releases/${record.id}/log/stream?from=0`, { headers: { Cookie: alice.cookie } });
    let step = 0;
    const events = await readEvents(
      response,
      (seen) => seen.some((event) => event.event === 'end'),
      async (seen) => {
        if (step === 0 && seen.length === 1) {
          // the record ends (post-deploy) before the run has written its last line and kept its log
          step = 1;
          await store.update(record.id, (draft) => { draft.status = 'succeeded'; draft.phase = 'postdeploy'; });
          await store.setCurrent(record.id);
          live.line('=====> Application deployed');
          live.close();
          const kept = await store.keepLiveLog(record.id);
          await store.update(record.id, (draft) => { draft.log = kept!.path; });
        }
      },
    );
    expect(events).toEqual([
      { event: 'line', data: '-----> Releasing web' },
      { event: 'line', data: '=====> Application deployed' },
      { event: 'status', data: 'succeeded succeeded' },
      { event: 'end', data: 'v1 succeeded.' },
    ]);
  });

  it('a live log line torn by a kill is not streamed while the release runs', async () => {
    const record = await addRelease(host.ctx, 'web', { kind: 'rollback', status: 'running', phase: 'release', startedAt: '2026-03-01T11:59:00.000Z' });
    const logFile = path.join(host.ctx.paths.ownstackApp('web'), 'logs', `${record.id}.log`);
    fs.writeFileSync(logFile, 'whole line\ntorn li', { mode: 0o600 });
    const alice = await signIn(host.ctx, 'alice', 'deployer', NOW);
    const page = await (await createDashboardApp({ ctx: host.ctx, now: () => NOW }).request(`/apps/web/releases/${record.id}/log`, { headers: { Cookie: alice.cookie } })).text();
    expect(page).toContain('whole line\n</pre>');
    expect(page).not.toContain('torn li');
    expect(page).toContain(`/log/stream?from=11`);
  });

  it('a promotion or rollback that ended without a log (it printed nothing) ends its stream at once', async () => {
    const record = await addRelease(host.ctx, 'web', { kind: 'rollback', status: 'succeeded', startedAt: '2026-03-01T11:59:00.000Z' });
    const alice = await signIn(host.ctx, 'alice', 'deployer', NOW);
    const app = createDashboardApp({ ctx: host.ctx, now: () => NOW, stream: { pollMs: 5, maxMs: 60_000 } });
    const response = await app.request(`/apps/web/releases/${record.id}/log/stream?from=0`, { headers: { Cookie: alice.cookie } });
    expect(await readEvents(response, (seen) => seen.some((event) => event.event === 'end'), async () => undefined)).toEqual([
      { event: 'status', data: 'expired expired' },
      { event: 'end', data: 'v1 succeeded.' },
    ]);
  });

  it("a git push ends (post-deploy) before its log is kept: Dokku's last lines arrive from the kept copy, then the outcome", async () => {
    const record = await addRelease(host.ctx, 'api', { status: 'running', phase: 'release', startedAt: '2026-03-01T11:59:00.000Z', buildId: 'b-8' });
    const logFile = host.ctx.paths.buildLog('api', 'b-8');
    fs.mkdirSync(path.dirname(logFile), { recursive: true });
    fs.writeFileSync(logFile, 'shown on the page\n');
    const store = new FileReleaseStore({ dir: host.ctx.paths.ownstackApp('api'), app: 'api', who: 'alice' });
    await store.update(record.id, (draft) => { draft.status = 'succeeded'; draft.phase = 'postdeploy'; });
    const alice = await signIn(host.ctx, 'alice', 'deployer', NOW);
    const app = createDashboardApp({ ctx: host.ctx, now: () => NOW, stream: { pollMs: 5, maxMs: 60_000, keptLogGraceMs: 60_000 } });
    const response = await app.request(`/apps/api/releases/${record.id}/log/stream?from=18`, { headers: { Cookie: alice.cookie } });
    const reading = readEvents(response, (seen) => seen.some((event) => event.event === 'end'), async () => undefined);
    // builds-record-finalize keeps Dokku's build log, with the lines printed after post-deploy
    const kept = await store.writeLog(record.id, 'shown on the page\n=====> Application deployed\n');
    await store.update(record.id, (draft) => { draft.log = kept; });
    expect(await reading).toEqual([
      { event: 'line', data: '=====> Application deployed' },
      { event: 'status', data: 'expired expired' },
      { event: 'end', data: 'v1 succeeded.' },
    ]);
  });

  it('a git push that ended and whose log is never kept ends its stream after the grace time', async () => {
    const record = await addRelease(host.ctx, 'api', { status: 'failed', reason: 'killed', startedAt: '2026-03-01T11:59:00.000Z', buildId: 'b-9' });
    const alice = await signIn(host.ctx, 'alice', 'deployer', NOW);
    const app = createDashboardApp({ ctx: host.ctx, now: () => NOW, stream: { pollMs: 5, maxMs: 60_000, keptLogGraceMs: 20 } });
    const response = await app.request(`/apps/api/releases/${record.id}/log/stream?from=0`, { headers: { Cookie: alice.cookie } });
    expect(await readEvents(response, (seen) => seen.some((event) => event.event === 'end'), async () => undefined)).toEqual([
      { event: 'status', data: 'failed failed (build: killed)' },
      { event: 'end', data: 'v1 failed at build: killed.' },
    ]);
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
      { event: 'status', data: 'failed failed (build: exit status 1)' },
      { event: 'end', data: 'v1 failed at build: exit status 1.' },
    ]);
  });

  it('a release that already ended sends the rest and its outcome at once', async () => {
    await addRelease(host.ctx, 'web', { status: 'succeeded', startedAt: '2026-03-01T11:00:00.000Z', log: 'one\ntwo\n' });
    const alice = await signIn(host.ctx, 'alice', 'deployer', NOW);
    const app = createDashboardApp({ ctx: host.ctx, now: () => NOW, stream: { pollMs: 5, maxMs: 1000 } });
    const text = await (await app.request('/apps/web/releases/1/log/stream?from=4', { headers: { Cookie: alice.cookie } })).text();
    expect(text).toBe('event: line\ndata: two\n\nevent: status\ndata: expired expired\n\nevent: end\ndata: v1 succeeded.\n\n');
  });
});
