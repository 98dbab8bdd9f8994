import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mintLogin } from '../../src/lib/dashboard/logins.js';
import { revokeSessions, touchSession } from '../../src/lib/dashboard/sessions.js';
import { createDashboardApp } from '../../src/web/app.js';
import { addPipeline, addRelease, makeHost, signIn, writeHistory, type SignedIn, type TestHost } from './dashboard-support.js';
import { releaseRecord } from './support.js';

// The dashboard over HTTP (Hono's app.request, no browser, no socket): sign-in, sessions, CSRF,
// and the pages' content from a real temporary store written with the project's own store code.

let host: TestHost;
const NOW = new Date('2026-03-01T12:00:00.000Z');
const app = (extra: Partial<Parameters<typeof createDashboardApp>[0]> = {}) => createDashboardApp({ ctx: host.ctx, now: () => NOW, ...extra });

beforeEach(() => {
  host = makeHost();
});
afterEach(() => host.cleanup());

const get = (path: string, who?: SignedIn, extra: Partial<Parameters<typeof createDashboardApp>[0]> = {}) =>
  app(extra).request(path, { headers: who ? { Cookie: who.cookie } : {} });
const post = (path: string, form: Record<string, string>, who?: SignedIn, headers: Record<string, string> = {}) =>
  app().request(path, { method: 'POST', body: new URLSearchParams(form), headers: { ...(who ? { Cookie: who.cookie } : {}), ...headers } });

describe('signing in with a link', () => {
  it('GET shows a Sign in button (a POST form) and uses nothing; POST signs in once', async () => {
    const { token } = await mintLogin(host.ctx.paths.dashboardRoot, { name: 'alice', role: 'deployer' }, NOW);
    for (let i = 0; i < 2; i++) {
      const page = await get(`/login/${token}`);
      expect(page.status).toBe(200);
      const html = await page.text();
      expect(html).toContain(`<form method="post" action="/login/${token}">`);
      expect(html).toContain('Sign in as alice</button>');
      expect(page.headers.get('referrer-policy')).toBe('no-referrer');
    }
    const signedIn = await post(`/login/${token}`, {});
    expect(signedIn.status).toBe(303);
    expect(signedIn.headers.get('location')).toBe('/pipelines');
    const cookie = signedIn.headers.get('set-cookie')!;
    expect(cookie).toMatch(/^ownstack_session=[A-Za-z0-9_-]{43};/);
    expect(cookie).toContain('HttpOnly');
    expect(cookie).toContain('SameSite=Strict');
    expect(cookie).not.toContain('Secure');
    const pipelines = await app().request('/pipelines', { headers: { Cookie: cookie.split(';')[0] } });
    expect(pipelines.status).toBe(200);
    expect(await pipelines.text()).toContain('Signed in as alice (deployer)');

    const again = await post(`/login/${token}`, {});
    expect(again.status).toBe(401);
    expect(again.headers.get('set-cookie')).toBeNull();
    expect(await again.text()).toContain('dokku ownstack:dashboard:login');
    expect((await get(`/login/${token}`)).status).toBe(401);
  });

  it('the cookie is Secure when the request came over https', async () => {
    const { token } = await mintLogin(host.ctx.paths.dashboardRoot, { name: 'alice', role: 'deployer' }, NOW);
    const response = await createDashboardApp({ ctx: host.ctx, now: () => NOW, isHttps: () => true }).request(`/login/${token}`, { method: 'POST' });
    expect(response.headers.get('set-cookie')).toContain('Secure');
  });

  it('an expired or unknown link is a 401 page saying how to get a new one', async () => {
    const { token } = await mintLogin(host.ctx.paths.dashboardRoot, { name: 'alice', role: 'deployer' }, new Date(NOW.getTime() - 11 * 60 * 1000));
    for (const response of [await get(`/login/${token}`), await post(`/login/${token}`, {}), await post(`/login/${'A'.repeat(43)}`, {})]) {
      expect(response.status).toBe(401);
      const html = await response.text();
      expect(html).toContain('already used, has expired (links last 10 minutes) or is unknown');
      expect(html).toContain('dokku ownstack:dashboard:login');
    }
  });

  it('a --viewer link signs in a read-only viewer', async () => {
    const { token } = await mintLogin(host.ctx.paths.dashboardRoot, { name: 'Bob Smith', role: 'viewer' }, NOW);
    expect(await (await get(`/login/${token}`)).text()).toContain('signs you in once, read-only');
    const response = await post(`/login/${token}`, {});
    const page = await app().request('/deployments', { headers: { Cookie: response.headers.get('set-cookie')!.split(';')[0] } });
    expect(await page.text()).toContain('Signed in as Bob Smith (viewer)');
  });

  it('a sign-in form posted from another site is refused and leaves the link usable', async () => {
    const { token } = await mintLogin(host.ctx.paths.dashboardRoot, { name: 'alice', role: 'deployer' }, NOW);
    const refused = await post(`/login/${token}`, {}, undefined, { 'Sec-Fetch-Site': 'cross-site' });
    expect(refused.status).toBe(403);
    expect(refused.headers.get('set-cookie')).toBeNull();
    expect((await post(`/login/${token}`, {})).status).toBe(303);
  });

  it('logs one line per request, without the sign-in token', async () => {
    const { token } = await mintLogin(host.ctx.paths.dashboardRoot, { name: 'alice', role: 'deployer' }, NOW);
    const lines: string[] = [];
    const logged = createDashboardApp({ ctx: host.ctx, now: () => NOW, log: (line) => lines.push(line) });
    await logged.request(`/login/${token}?t=${token}`);
    await logged.request(`/login/${token}`, { method: 'POST' });
    await logged.request('/deployments?app=x');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^GET \/login\/… 200 \d+ms$/);
    expect(lines[1]).toMatch(/^POST \/login\/… 303 \d+ms$/);
    expect(lines[2]).toMatch(/^GET \/deployments 401 \d+ms$/);
    expect(lines.join('\n')).not.toContain(token);
  });

  it('every answer says the time the app spent on it in Server-Timing, refusals too', async () => {
    for (const url of ['/login/unknown', '/deployments', '/deployments?page=x']) {
      const response = await app().request(url);
      expect(response.headers.get('server-timing'), url).toMatch(/^app;dur=\d+\.\d$/);
    }
  });
});

describe('sessions and CSRF', () => {
  it('every page but /login/* needs a session: 401 telling how to sign in', async () => {
    for (const url of ['/', '/pipelines', '/deployments', '/apps/web', '/apps/web/releases/1/log', '/apps/web/releases/1/log/stream', '/nothing-here']) {
      const response = await get(url);
      expect(response.status, url).toBe(401);
      expect(await response.text(), url).toContain('dokku ownstack:dashboard:login');
    }
    const bogus = await app().request('/pipelines', { headers: { Cookie: `ownstack_session=${'x'.repeat(43)}` } });
    expect(bogus.status).toBe(401);
  });

  it('a revoked session gets 401 on its next request', async () => {
    const alice = await signIn(host.ctx, 'alice', 'deployer', NOW);
    expect((await get('/pipelines', alice)).status).toBe(200);
    revokeSessions(host.ctx.paths.dashboardRoot, 'all');
    expect((await get('/pipelines', alice)).status).toBe(401);
  });

  it('a session idle for 12 hours is over', async () => {
    const alice = await signIn(host.ctx, 'alice', 'deployer', new Date(NOW.getTime() - 12 * 3600 * 1000));
    expect((await get('/pipelines', alice)).status).toBe(401);
  });

  it('a POST without the CSRF token, or with a wrong one, gets 403 and does nothing', async () => {
    const alice = await signIn(host.ctx, 'alice', 'deployer', NOW);
    const bob = await signIn(host.ctx, 'bob', 'deployer', NOW);
    for (const form of [{} as Record<string, string>, { csrf: '' }, { csrf: 'wrong' }, { csrf: bob.csrf }, { csrf: `${alice.csrf}x` }]) {
      const response = await post('/logout', form, alice);
      expect(response.status).toBe(403);
      expect(await response.text()).toBe('Refused: the form has no valid CSRF token (reload the page and try again)\n');
      expect(await touchSession(host.ctx.paths.dashboardRoot, alice.secret, NOW)).toBeDefined();
    }
    const json = await app().request('/logout', { method: 'POST', body: JSON.stringify({ csrf: alice.csrf }), headers: { Cookie: alice.cookie, 'Content-Type': 'application/json' } });
    expect(json.status).toBe(403);
  });

  it('POST /logout with the session\'s token signs out', async () => {
    const alice = await signIn(host.ctx, 'alice', 'deployer', NOW);
    const page = await (await get('/pipelines', alice)).text();
    expect(page).toContain(`<input type="hidden" name="csrf" value="${alice.csrf}"/>`);
    const response = await post('/logout', { csrf: alice.csrf }, alice);
    expect(response.status).toBe(200);
    expect(response.headers.get('set-cookie')).toMatch(/^ownstack_session=;.*Max-Age=0/);
    expect((await get('/pipelines', alice)).status).toBe(401);
  });
});

describe('pages', () => {
  async function seed() {
    const ctx = host.ctx;
    await addRelease(ctx, 'web', { status: 'succeeded', startedAt: '2026-03-01T09:00:00.000Z', finishedAt: '2026-03-01T09:01:30.000Z', sha: 'aaaaaaa1111', log: 'built v1\n' });
    await addRelease(ctx, 'web', { status: 'succeeded', startedAt: '2026-03-01T10:00:00.000Z', finishedAt: '2026-03-01T10:02:00.000Z', sha: 'bbbbbbb2222', current: true, retained: true, log: 'built v2\n' });
    await addRelease(ctx, 'web', { status: 'failed', phase: 'build', reason: 'npm ERR! missing script: build\nsecond line', startedAt: '2026-03-01T11:00:00.000Z', finishedAt: '2026-03-01T11:00:40.000Z', sha: 'ccccccc3333', who: 'carol', log: 'step 1\nnpm ERR! missing script: build\n' });
    await addRelease(ctx, 'web-staging', { status: 'succeeded', startedAt: '2026-03-01T10:30:00.000Z', finishedAt: '2026-03-01T10:31:00.000Z', sha: 'ddddddd4444', current: true, retained: true });
    await addRelease(ctx, 'api', { status: 'running', phase: 'build', startedAt: '2026-03-01T11:30:00.000Z', buildId: 'b-42' });
    await addPipeline(ctx, 'shop', { production: ['web', 'web@eu'], staging: ['web-staging'] });
  }

  it('/ redirects to /pipelines', async () => {
    const alice = await signIn(host.ctx, 'alice', 'deployer', NOW);
    const response = await get('/', alice);
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe('/pipelines');
  });

  it('/deployments: every release of every app, newest first, with status, failure, SHA, kind, who, when, duration and log link', async () => {
    await seed();
    const alice = await signIn(host.ctx, 'alice', 'deployer', NOW);
    const response = await get('/deployments', alice);
    expect(response.status).toBe(200);
    const html = await response.text();
    const order = [...html.matchAll(/<tr><td><a href="\/apps\/([a-z-]+)">[a-z-]+<\/a><\/td><td>v(\d+)/g)].map((m) => `${m[1]} v${m[2]}`);
    expect(order).toEqual(['api v1', 'web v3', 'web-staging v1', 'web v2', 'web v1']);
    expect(html).toContain('<span class="status-failed">failed (build: npm ERR! missing script: build)</span>');
    expect(html).not.toContain('second line');
    expect(html).toContain('<code>ccccccc</code>');
    expect(html).toContain('<time datetime="2026-03-01T11:00:00.000Z">2026-03-01T11:00:00.000Z</time> (1 hour ago)');
    expect(html).toContain('<td>40s</td>');
    expect(html).toContain('<td>carol</td>');
    expect(html).toContain('href="/apps/web/releases/3/log"');
    expect(html).toContain('v2 (current)');
    expect(html).toContain('<span class="status-expired">expired</span>'); // web v1: not current, no longer retained
    expect(html).toContain('<span class="status-running">running (build)</span>');
    expect(html).toMatch(/<html lang="en">/);
    expect(html).toContain('<label>App<select name="app">');
    expect(Buffer.byteLength(html)).toBeLessThan(150 * 1024);
  });

  it('/deployments filters by app, pipeline and status', async () => {
    await seed();
    const alice = await signIn(host.ctx, 'alice', 'deployer', NOW);
    const ids = async (query: string) => {
      const html = await (await get(`/deployments${query}`, alice)).text();
      return [...html.matchAll(/<tr><td><a href="\/apps\/([a-z-]+)">[a-z-]+<\/a><\/td><td>v(\d+)/g)].map((m) => `${m[1]} v${m[2]}`);
    };
    expect(await ids('?app=web')).toEqual(['web v3', 'web v2', 'web v1']);
    expect(await ids('?pipeline=shop')).toEqual(['web v3', 'web-staging v1', 'web v2', 'web v1']);
    expect(await ids('?status=failed')).toEqual(['web v3']);
    expect(await ids('?pipeline=shop&status=running')).toEqual([]);
    expect(await ids('?app=&pipeline=&status=')).toHaveLength(5);
    expect((await get('/deployments?pipeline=nope', alice)).status).toBe(404);
  });

  it('/deployments pages by 50, newest first across apps', async () => {
    for (const [app, offset] of [['even', 0], ['odd', 1]] as const) {
      const records = Array.from({ length: 30 }, (_, i) => releaseRecord({ started_at: `2026-03-01T10:${String(2 * i + offset).padStart(2, '0')}:00.000Z` }));
      await writeHistory(host.ctx, app, records, 30);
    }
    const alice = await signIn(host.ctx, 'alice', 'deployer', NOW);
    const first = await (await get('/deployments', alice)).text();
    const second = await (await get('/deployments?page=2', alice)).text();
    const times = (html: string) => [...html.matchAll(/<time datetime="([^"]+)"/g)].map((m) => m[1]);
    expect(times(first)).toHaveLength(50);
    expect(times(second)).toHaveLength(10);
    const all = [...times(first), ...times(second)];
    expect(all).toEqual([...all].sort().reverse());
    expect(new Set(all).size).toBe(60);
    expect(first).toContain('href="/deployments?page=2" rel="next"');
    expect(second).toContain('href="/deployments" rel="prev"');
    expect(second).not.toContain('rel="next"');
  });

  it('/apps/<app>: the history as ownstack:history shows it, current marked, expired shown', async () => {
    await seed();
    const alice = await signIn(host.ctx, 'alice', 'deployer', NOW);
    const html = await (await get('/apps/web', alice)).text();
    expect(html).toContain('<h1>web releases</h1>');
    expect(html).toContain('Current: v2 · pipeline shop, stage production');
    expect([...html.matchAll(/<tr><td>v(\d+)/g)].map((m) => m[1])).toEqual(['3', '2', '1']);
    expect(html).toContain('v2 (current)');
    expect(html).toContain('status-expired');
    for (const id of [1, 2, 3]) expect(html).toContain(`href="/apps/web/releases/${id}/log"`);
    expect((await get('/apps/nope', alice)).status).toBe(404);
  });

  it('the log page shows the whole log; a running release streams, and says so without JavaScript', async () => {
    await seed();
    const alice = await signIn(host.ctx, 'alice', 'deployer', NOW);
    const failed = await (await get('/apps/web/releases/3/log', alice)).text();
    expect(failed).toContain('step 1\nnpm ERR! missing script: build\n</pre>');
    expect(failed).not.toContain('<script');

    fs.mkdirSync(path.dirname(host.ctx.paths.buildLog('api', 'b-42')), { recursive: true });
    fs.writeFileSync(host.ctx.paths.buildLog('api', 'b-42'), '-----> Building api\n');
    const running = await (await get('/apps/api/releases/1/log', alice)).text();
    expect(running).toContain('-----&gt; Building api\n</pre>');
    expect(running).toContain('This release is still running. <a href="/apps/api/releases/1/log">Refresh</a>');
    expect(running).toContain('data-stream="/apps/api/releases/1/log/stream?from=20"');
    expect(running).toContain('<script>');

    const response = await get('/apps/web/releases/1/log', alice);
    expect(await response.text()).toContain('built v1');
    // CSP: only the page's own inline style and script run
    expect(response.headers.get('content-security-policy')).toMatch(/default-src 'none'; style-src 'sha256-[^']+'; script-src 'sha256-[^']+'/);
  });

  it('a release without a kept log says so', async () => {
    await addRelease(host.ctx, 'old', { status: 'succeeded', startedAt: '2026-01-01T00:00:00.000Z' });
    const alice = await signIn(host.ctx, 'alice', 'deployer', NOW);
    expect(await (await get('/apps/old/releases/1/log', alice)).text()).toContain('No deploy log is kept for v1');
  });

  it('/pipelines: one column per stage, a card per app with its current release; a remote member needs this host asked', async () => {
    await seed();
    await addRelease(host.ctx, 'web', { status: 'running', phase: 'release', startedAt: '2026-03-01T11:50:00.000Z' });
    const alice = await signIn(host.ctx, 'alice', 'deployer', NOW);
    const html = await (await get('/pipelines', alice)).text();
    expect(html).toContain('<h2 id="pipeline-shop">shop</h2>');
    for (const stage of ['Review', 'Development', 'Staging', 'Production']) expect(html).toContain(`<h3>${stage}</h3>`);
    expect(html).toContain('Current: <a href="/apps/web/releases/2/log">v2</a> · push · <code>bbbbbbb</code> · alice');
    expect(html).toContain('Latest attempt: <a href="/apps/web/releases/4/log">v4</a>');
    expect(html).toContain('<span class="status-running">running (release)</span>');
    expect(html).toContain('Current: <a href="/apps/web-staging/releases/1/log">v1</a>');
    expect(html).toContain('<strong>web@eu</strong>');
    // no ssh is set up for this dashboard: the card says so instead of a release
    expect(html).toContain('this host could not be asked: Actions are not set up here');
  });

  it('no page shows config values', async () => {
    const record = await addRelease(host.ctx, 'cfg', { kind: 'config', status: 'succeeded', startedAt: '2026-03-01T10:00:00.000Z', current: true, description: 'Config change: SECRET_KEY' });
    expect(record.kind).toBe('config');
    fs.mkdirSync(path.join(host.ctx.env.dokkuRoot, 'cfg'), { recursive: true });
    fs.writeFileSync(path.join(host.ctx.env.dokkuRoot, 'cfg', 'ENV'), 'export SECRET_KEY="hunter2-value"\n');
    const viewer = await signIn(host.ctx, 'Bob', 'viewer', NOW);
    for (const url of ['/pipelines', '/deployments', '/apps/cfg', '/apps/cfg/releases/1/log']) {
      const html = await (await get(url, viewer)).text();
      expect(html).not.toContain('hunter2-value');
    }
  });
});

describe('hostile content is shown inert', () => {
  it('descriptions, who, reasons and log lines are escaped', async () => {
    await addRelease(host.ctx, 'xss', {
      status: 'failed',
      phase: 'deploy',
      description: '<script>alert(1)</script>',
      who: '<img src=x onerror=alert(2)>',
      reason: '"\'><svg onload=alert(3)>',
      startedAt: '2026-03-01T10:00:00.000Z',
      log: 'ok\n</pre><script>alert(4)</script>\n',
    });
    const alice = await signIn(host.ctx, 'alice', 'deployer', NOW);
    for (const url of ['/deployments', '/apps/xss', '/apps/xss/releases/1/log']) {
      const html = await (await get(url, alice)).text();
      expect(html).not.toMatch(/<script>alert|<img src=x|<svg onload/);
    }
    const deployments = await (await get('/deployments', alice)).text();
    expect(deployments).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(deployments).toContain('&lt;img src=x onerror=alert(2)&gt;');
    expect(deployments).toContain('&quot;&#39;&gt;&lt;svg onload=alert(3)&gt;');
    expect(await (await get('/apps/xss/releases/1/log', alice)).text()).toContain('ok\n&lt;/pre&gt;&lt;script&gt;alert(4)&lt;/script&gt;\n</pre>');
  });
});
