import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createDashboardApp } from '../../src/web/app.js';
import { addPipeline, addRelease, makeHost, signIn, snapshotTree, type SignedIn, type TestHost } from './dashboard-support.js';

// Hostile parameters on every route answer 400 or 404 with one line of text (never a stack), and
// no page, stream or refusal writes anything to the ownstack store the dashboard reads.

let host: TestHost;
let alice: SignedIn;
const NOW = new Date('2026-03-01T12:00:00.000Z');

beforeEach(async () => {
  host = makeHost();
  await addRelease(host.ctx, 'web', { status: 'succeeded', startedAt: '2026-03-01T10:00:00.000Z', finishedAt: '2026-03-01T10:01:00.000Z', current: true, retained: true, log: 'ok\n' });
  await addRelease(host.ctx, 'web', { status: 'failed', reason: 'boom', startedAt: '2026-03-01T11:00:00.000Z', finishedAt: '2026-03-01T11:01:00.000Z', log: 'boom\n' });
  await addPipeline(host.ctx, 'shop', { production: ['web'] });
  alice = await signIn(host.ctx, 'alice', 'deployer', NOW);
});
afterEach(() => host.cleanup());

const request = (url: string) => createDashboardApp({ ctx: host.ctx, now: () => NOW }).request(url, { headers: { Cookie: alice.cookie } });

// Raw path segments, as a browser or a script could send them (percent-encoded where a URL needs it).
const HOSTILE_SEGMENTS = [
  '..%2Fx', '..%5Cx', '%00', 'a%00b', '%0A', 'a%0Ab', '%0D%0A', '%24(id)', '%60id%60', '%3Bid', '%7Cid', '%26%26id',
  "'", '%22', "a'b", '%3Cscript%3E', 'WEB', '-x', '--help', '~root', '%20', 'a%09b', '%E2%80%AEx', '%C0%AE%C0%AE', '%', '%zz', '%E0%A4%A',
  'x'.repeat(300), '9'.repeat(30), '1e9', '-1', '0', 'v0', '0x10', '1.5', 'v', ' 1', 'null', 'undefined', '__proto__', 'constructor',
];

function assertOneLineRefusal(status: number, body: string, contentType: string | null, what: string) {
  expect([400, 404], `${what}: ${status} ${body}`).toContain(status);
  expect(contentType, what).toMatch(/^text\/plain/);
  expect(body.endsWith('\n'), what).toBe(true);
  expect(body.slice(0, -1), what).not.toContain('\n');
  expect(body, what).not.toMatch(/\bat .*\.(ts|js|tsx):\d+|Error:|TypeError|stack/i);
  expect(body.length, what).toBeLessThan(300);
}

describe('hostile parameters', () => {
  it('on every route with a path parameter: 400 or 404, one line', async () => {
    const routes = [
      (s: string) => `/apps/${s}`,
      (s: string) => `/apps/${s}/releases/1/log`,
      (s: string) => `/apps/web/releases/${s}/log`,
      (s: string) => `/apps/${s}/releases/1/log/stream`,
      (s: string) => `/apps/web/releases/${s}/log/stream`,
      (s: string) => `/apps/${s}/promote`,
      (s: string) => `/apps/${s}/deploy`,
      (s: string) => `/apps/${s}/releases/1/rollback`,
      (s: string) => `/apps/web/releases/${s}/rollback`,
      // the Stacks page takes no parameter: anything below it is no page
      (s: string) => `/stacks/${s}`,
    ];
    // the actions are also POSTed (with the session's CSRF token); a hostile one never runs anything
    const sent: string[][] = [];
    const acting = createDashboardApp({ ctx: host.ctx, now: () => NOW, runAction: (words) => (sent.push(words), { exited: Promise.resolve({ code: 0, output: '', stdout: '' }) }) });
    let checked = 0;
    for (const route of routes) {
      for (const segment of HOSTILE_SEGMENTS) {
        const url = route(segment);
        const response = await request(url);
        assertOneLineRefusal(response.status, await response.text(), response.headers.get('content-type'), url);
        checked += 1;
        if (/\/(promote|deploy|rollback)$/.test(url)) {
          const posted = await acting.request(url, {
            method: 'POST',
            headers: { Cookie: alice.cookie, 'Content-Type': 'application/x-www-form-urlencoded' },
            body: new URLSearchParams({ csrf: alice.csrf }).toString(),
          });
          assertOneLineRefusal(posted.status, await posted.text(), posted.headers.get('content-type'), `POST ${url}`);
        }
      }
    }
    expect(checked).toBe(routes.length * HOSTILE_SEGMENTS.length);
    expect(sent).toEqual([]);
  });

  it('on the log route of a release on another stack: 400 or 404, one line, before this host is asked', async () => {
    const routes = [
      (s: string) => `/stacks/${s}/apps/web/releases/1/log`,
      (s: string) => `/stacks/eu/apps/${s}/releases/1/log`,
      (s: string) => `/stacks/eu/apps/web/releases/${s}/log`,
    ];
    const sent: string[][] = [];
    const asking = createDashboardApp({ ctx: host.ctx, now: () => NOW, runAction: (words) => (sent.push(words), { exited: Promise.resolve({ code: 0, output: '', stdout: '' }) }) });
    for (const route of routes) {
      for (const segment of HOSTILE_SEGMENTS) {
        const url = route(segment);
        const response = await asking.request(url, { headers: { Cookie: alice.cookie } });
        assertOneLineRefusal(response.status, await response.text(), response.headers.get('content-type'), url);
      }
    }
    expect(sent).toEqual([]);
  });

  it('`.` and `..` segments are resolved by URL parsing before any route sees them', async () => {
    for (const url of ['/apps/..', '/apps/%2E%2E', '/apps/.%2e']) {
      const response = await request(url);
      expect(response.status, url).toBe(302); // it is `/`
      expect(response.headers.get('location')).toBe('/pipelines');
    }
    expect((await request('/apps/web/releases/..')).status).toBe(404); // /apps/web/
    expect((await request('/apps/web/releases/./log')).status).toBe(404); // /apps/web/releases/log
  });

  it('huge and absent release IDs: 400 and 404', async () => {
    expect((await request('/apps/web/releases/99999999999999999999/log')).status).toBe(400);
    expect((await request('/apps/web/releases/999999999/log')).status).toBe(404);
    expect((await request('/apps/web/releases/v3/log')).status).toBe(404);
    expect((await request('/apps/nope/releases/1/log')).status).toBe(404);
  });

  it('on every query parameter: 400 or 404, one line', async () => {
    const values = ['-1', '0', '1e9', '1000000000', '201', '1.5', '%00', '%0A', '%24(id)', "'", '%22', '%3Cscript%3E', '..%2Fx', 'x'.repeat(300), 'a%0Ab', 'RUNNING', 'expired', 'unknown'];
    const queries = [
      (v: string) => `/deployments?page=${v}`,
      (v: string) => `/deployments?app=${v}`,
      (v: string) => `/deployments?pipeline=${v}`,
      (v: string) => `/deployments?status=${v}`,
      (v: string) => `/deployments?stack=${v}`,
      (v: string) => `/apps/web?page=${v}`,
      (v: string) => `/apps/web/releases/1/log/stream?from=${v}`,
    ];
    for (const query of queries) {
      for (const value of values) {
        const url = query(value);
        const response = await request(url);
        // a well-formed app name that matches no app is an empty list, not an error
        if (url.startsWith('/deployments?app=') && /^[a-z0-9][a-z0-9.-]{0,199}$/.test(value)) {
          expect(response.status, url).toBe(200);
          expect(await response.text(), url).toContain('No releases match');
          continue;
        }
        // any character offset is a valid place to stream from (past the end: nothing more to send)
        if (url.includes('/log/stream?from=') && /^[0-9]{1,12}$/.test(value)) {
          expect(response.status, url).toBe(200);
          expect(await response.text(), url).toContain('event: end');
          continue;
        }
        assertOneLineRefusal(response.status, await response.text(), response.headers.get('content-type'), url);
      }
    }
    for (const url of ['/deployments?page=1&page=2', '/deployments?status=failed&status=running']) {
      const response = await request(url);
      assertOneLineRefusal(response.status, await response.text(), response.headers.get('content-type'), url);
    }
  });

  it('unknown routes and methods: 404, one line', async () => {
    for (const url of ['/nothing', '/apps', '/apps/', '/apps/web/releases', '/apps/web/releases/1', '/login', '/%00', '/deployments/x', '/stacks/', '/stacks/eu', '/pipelines/shop']) {
      const response = await request(url);
      assertOneLineRefusal(response.status, await response.text(), response.headers.get('content-type'), url);
    }
    const put = await createDashboardApp({ ctx: host.ctx, now: () => NOW }).request('/pipelines', { method: 'PUT', headers: { Cookie: alice.cookie } });
    expect(put.status).toBe(404);
  });

  it('hostile sign-in tokens: the 401 page, and nothing is created', async () => {
    const app = createDashboardApp({ ctx: host.ctx, now: () => NOW });
    for (const token of HOSTILE_SEGMENTS) {
      for (const method of ['GET', 'POST']) {
        const response = await app.request(`/login/${token}`, { method });
        expect([401, 404], `${method} ${token}`).toContain(response.status);
        expect(response.headers.get('set-cookie')).toBeNull();
      }
    }
    expect(fs.existsSync(path.join(host.ctx.paths.dashboardRoot, 'logins'))).toBe(false);
  });

  it('the GitHub webhook, with no session: hostile app names 400, hostile headers and bodies 401, one line, nothing runs or is written', async () => {
    const sent: string[][] = [];
    const app = createDashboardApp({ ctx: host.ctx, now: () => NOW, runAction: (words) => (sent.push(words), { exited: Promise.resolve({ code: 0, output: '', stdout: '' }) }) });
    const body = JSON.stringify({ ref: 'refs/heads/main', after: 'a'.repeat(40), repository: { clone_url: 'https://github.com/a/b.git', default_branch: 'main' } });
    const hook = (segment: string, headers: Record<string, string> = {}) =>
      app.request(`/hooks/github/${segment}`, { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-GitHub-Event': 'push', ...headers }, body });
    for (const segment of HOSTILE_SEGMENTS) {
      const response = await hook(segment, { 'X-Hub-Signature-256': `sha256=${'0'.repeat(64)}` });
      const text = await response.text();
      expect([400, 401, 404], `${segment}: ${response.status} ${text}`).toContain(response.status);
      expect(text.endsWith('\n') && !text.slice(0, -1).includes('\n'), segment).toBe(true);
      expect(text, segment).not.toMatch(/Error:|stack|\.ts:\d+/);
    }
    // web has a store but no secret: every header, however hostile, is the same 401
    for (const signature of ['', 'sha256=', `sha256=${'g'.repeat(64)}`, 'sha256=%00', `sha256=${'0'.repeat(64)}\t`, 'x'.repeat(300)]) {
      for (const delivery of ['../../x', '<script>', 'a'.repeat(300)]) {
        const response = await hook('web', { 'X-Hub-Signature-256': signature, 'X-GitHub-Delivery': delivery, 'X-GitHub-Event': '$(id)' });
        expect(response.status, signature).toBe(401);
      }
    }
    // GET and other methods on the hook are unknown routes behind the session wall
    expect((await app.request('/hooks/github/web')).status).toBe(401);
    expect(sent).toEqual([]);
    expect(fs.readdirSync(path.join(host.ctx.paths.dashboardRoot, 'deliveries'))).toEqual(['web.json']);
  });

  it('a damaged record is one line (500) naming it, never a stack', async () => {
    fs.writeFileSync(path.join(host.ctx.paths.ownstackApp('web'), 'releases', '2.json'), '{"id": 2, "trunc');
    const response = await request('/apps/web/releases/2/log');
    expect(response.status).toBe(500);
    const body = await response.text();
    expect(body).toMatch(/^Release v2 of web is unreadable: .*2\.json: the file is not valid JSON \(truncated\?\)\n$/);
    // and the listings name it instead of failing
    expect(await (await request('/deployments')).text()).toContain('Unreadable records, not listed: web v2.');
  });
});

describe('the dashboard never writes to the ownstack store', () => {
  it('rendering every page, stream and refusal leaves every file and directory of the store as it was', async () => {
    // the cases where the CLI's reads would write: a record left running by a process that is gone
    // (touchStore finishes it), and a missing state file (rebuilt from the records)
    await addRelease(host.ctx, 'api', { status: 'running', startedAt: '2026-03-01T11:30:00.000Z', pid: 999_999_999, buildId: 'b-1' });
    await addRelease(host.ctx, 'lost', { status: 'succeeded', startedAt: '2026-03-01T09:00:00.000Z', current: true });
    fs.rmSync(path.join(host.ctx.paths.ownstackApp('lost'), 'state.json'));
    await addPipeline(host.ctx, 'apis', { production: ['api', 'api@far'], staging: ['lost'] });
    const root = host.ctx.paths.ownstackRoot;
    const before = snapshotTree(root);
    expect(Object.keys(before).length).toBeGreaterThan(10);

    const app = createDashboardApp({ ctx: host.ctx, now: () => NOW, stream: { pollMs: 1, maxMs: 50 } });
    const urls = [
      '/', '/pipelines', '/deployments', '/deployments?status=running', '/deployments?pipeline=apis', '/deployments?page=2', '/apps/web', '/apps/api', '/apps/lost',
      '/apps/web/releases/1/log', '/apps/web/releases/2/log', '/apps/api/releases/1/log', '/apps/lost/releases/1/log',
      '/apps/web/releases/2/log/stream', '/apps/api/releases/1/log/stream', '/apps/..%2Fx', '/apps/web/releases/9/log', '/nothing',
    ];
    for (const url of urls) {
      const response = await app.request(url, { headers: { Cookie: alice.cookie } });
      await response.text();
      expect(response.status, url).toBeLessThan(500);
    }
    await app.request('/logout', { method: 'POST', body: new URLSearchParams({ csrf: alice.csrf }), headers: { Cookie: alice.cookie } });
    expect(snapshotTree(root)).toEqual(before);
  });
});
