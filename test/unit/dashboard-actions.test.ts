import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createDashboardApp } from '../../src/web/app.js';
import type { ActionRunner } from '../../src/web/ssh-actions.js';
import { assertCommandWords, controlSocketName, dashboardIdentity, knownHostsLines, parseSshHost } from '../../src/lib/dashboard/ssh.js';
import { sshArgvFor } from '../../src/lib/dokku/ssh.js';
import { addRequest } from '../../src/lib/approvals/model.js';
import { updateRequests } from '../../src/lib/approvals/store.js';
import { addPipeline, addRelease, makeHost, signIn, snapshotTree, type SignedIn, type TestHost } from './dashboard-support.js';

// The actions: each is one Dokku command (an argument array ending in --web-user NAME) handed to
// the runner, which sends it over ssh in production; here a stub records it and plays the host.

let host: TestHost;
let alice: SignedIn;
let carol: SignedIn;
let sent: string[][];
let onRun: (words: string[]) => Promise<{ code: number; output: string }>;
const NOW = new Date('2026-03-01T12:00:00.000Z');

beforeEach(async () => {
  host = makeHost();
  await addRelease(host.ctx, 'web-staging', { status: 'succeeded', sha: 'a'.repeat(40), startedAt: '2026-03-01T10:00:00.000Z', finishedAt: '2026-03-01T10:01:00.000Z', current: true, retained: true });
  await addRelease(host.ctx, 'web', { status: 'succeeded', startedAt: '2026-03-01T09:00:00.000Z', finishedAt: '2026-03-01T09:01:00.000Z', retained: true });
  await addRelease(host.ctx, 'web', { status: 'succeeded', startedAt: '2026-03-01T10:00:00.000Z', finishedAt: '2026-03-01T10:01:00.000Z', current: true, retained: true });
  await addPipeline(host.ctx, 'shop', { production: ['web'], staging: ['web-staging'] });
  alice = await signIn(host.ctx, 'alice', 'deployer', NOW);
  carol = await signIn(host.ctx, 'carol', 'viewer', NOW);
  sent = [];
  onRun = async () => ({ code: 0, output: '' });
});
afterEach(() => host.cleanup());

const runAction: ActionRunner = (words) => {
  sent.push(words);
  return { exited: onRun(words).then((result) => ({ ...result, stdout: result.output })) };
};
const dashboard = () => createDashboardApp({ ctx: host.ctx, now: () => NOW, runAction, followMs: 5_000 });
const get = (url: string, who: SignedIn = alice) => dashboard().request(url, { headers: { Cookie: who.cookie } });
const post = (url: string, who: SignedIn = alice, csrf: string | null = who.csrf) =>
  dashboard().request(url, {
    method: 'POST',
    headers: { Cookie: who.cookie, 'Content-Type': 'application/x-www-form-urlencoded' },
    body: csrf === null ? '' : new URLSearchParams({ csrf }).toString(),
  });

describe('promote', () => {
  it('the confirmation says what goes where, the guards and the commits, and posts back to itself', async () => {
    onRun = async () => ({ code: 0, output: `${JSON.stringify([{ target: 'web', stage: 'production', state: 'ahead', reason: null, commits: [{ sha: 'b'.repeat(40), author: 'Ann', date: '', subject: '<b>fix</b>' }], more: 0 }])}\n` });
    const response = await get('/apps/web-staging/promote');
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(sent).toEqual([['pipeline:diff', 'web-staging', '--format', 'json']]);
    expect(html).toContain('v1</a> · push · <code>aaaaaaa</code>');
    expect(html).toContain('<code>000000000000</code>');
    expect(html).toMatch(/<strong>web<\/strong> \(Production\), now/);
    expect(html).toContain('No promotion guard is set on pipeline shop.');
    expect(html).toContain('&lt;b&gt;fix&lt;/b&gt; (Ann)');
    expect(html).toContain('<form method="post" action="/apps/web-staging/promote">');
    expect(html).toContain(`name="csrf" value="${alice.csrf}"`);
  });

  it('the POST runs pipeline:promote as the web user and follows the new release to its live log', async () => {
    onRun = async () => {
      // someone else's deploy meanwhile is not taken for the promotion
      await addRelease(host.ctx, 'web', { kind: 'push', status: 'running', startedAt: '2026-03-01T12:00:00.000Z', who: 'bob' });
      await addRelease(host.ctx, 'web', { kind: 'promote', status: 'running', startedAt: '2026-03-01T12:00:00.000Z', who: 'alice (dashboard)' });
      return { code: 0, output: '' };
    };
    const response = await post('/apps/web-staging/promote');
    expect(sent).toEqual([['pipeline:promote', 'web-staging', '--web-user', 'alice']]);
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe('/apps/web/releases/4/log');
  });

  it('a promotion that makes no release (a request waiting for approval) shows the output; a failure is a 502', async () => {
    onRun = async () => ({ code: 0, output: '-----> Request #1 waits for approval\n' });
    let response = await post('/apps/web-staging/promote');
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('Request #1 waits for approval');
    onRun = async () => ({ code: 1, output: ' !     locked\n' });
    response = await post('/apps/web-staging/promote');
    expect(response.status).toBe(502);
    expect(await response.text()).toContain('failed (exit 1)');
  });

  it('production has nothing to promote to: 409, one line, nothing run', async () => {
    const response = await post('/apps/web/promote');
    expect(response.status).toBe(409);
    expect(await response.text()).toMatch(/^App web is in the last stage .*\n$/);
    expect(sent).toEqual([]);
  });
});

describe('rollback and deploy now', () => {
  it('the rollback confirmation shows the migration warning and the undo; the POST runs ownstack:rollback', async () => {
    await addRelease(host.ctx, 'web', { status: 'succeeded', startedAt: '2026-03-01T11:00:00.000Z', finishedAt: '2026-03-01T11:01:00.000Z', current: true, retained: true });
    const { FileReleaseStore } = await import('../../src/lib/releases/store.js');
    const store = new FileReleaseStore({ dir: host.ctx.paths.ownstackApp('web'), app: 'web', who: 'x' });
    await store.update(2, (draft) => { draft.tasks = [{ name: 'release', status: 'succeeded', exit_code: 0, command: 'migrate' }]; });
    const page = await (await get('/apps/web/releases/1/rollback')).text();
    expect(page).toContain('Rolling back past v2, whose release task ran: database migrations are not undone');
    expect(page).toContain('<code>dokku ownstack:rollback web 3</code>');
    onRun = async () => {
      await addRelease(host.ctx, 'web', { kind: 'rollback', status: 'running', startedAt: '2026-03-01T12:00:00.000Z', who: 'alice (dashboard)' });
      return { code: 0, output: '' };
    };
    const response = await post('/apps/web/releases/1/rollback');
    expect(sent).toEqual([['ownstack:rollback', 'web', '1', '--web-user', 'alice']]);
    expect(response.headers.get('location')).toBe('/apps/web/releases/4/log');
  });

  it('the current release cannot be rolled back to (409); the app page offers Roll back only where it can', async () => {
    expect((await post('/apps/web/releases/2/rollback')).status).toBe(409);
    const html = await (await get('/apps/web')).text();
    expect(html).toContain('href="/apps/web/releases/1/rollback"');
    expect(html).not.toContain('href="/apps/web/releases/2/rollback"');
    expect(html).toContain('href="/apps/web/deploy"');
    expect(sent).toEqual([]);
  });

  it('Deploy now runs ownstack:rebuild (ps:rebuild naming the web user)', async () => {
    expect(await (await get('/apps/web/deploy')).text()).toContain('<code>dokku ownstack:rebuild web</code>');
    onRun = async () => ({ code: 0, output: '' });
    await post('/apps/web/deploy');
    expect(sent).toEqual([['ownstack:rebuild', 'web', '--web-user', 'alice']]);
  });
});

describe('approvals', () => {
  const addPending = async (requestedBy: string) => {
    await updateRequests(host.ctx.paths, (file) => {
      const { file: next } = addRequest(file, {
        pipeline: 'shop',
        source: { app: 'web-staging', release_id: 1, image_id: `sha256:${'1'.padStart(64, '0')}`, git_sha: null },
        targets: [{ app: 'web', stage: 'production', stack: null }],
        requestedBy,
        ttlMs: 3_600_000,
      }, NOW);
      return { file: next, result: undefined };
    });
  };

  it('a pending request has Approve and Reject for deployers, not for viewers; each runs pipeline:approve/reject as the web user', async () => {
    await addPending('bob (dashboard)');
    const html = await (await get('/pipelines')).text();
    expect(html).toContain('Request r1: web-staging v1 to web, by bob (dashboard)');
    expect(html).toContain('action="/pipelines/shop/requests/1/approve"');
    expect(html).toContain('action="/pipelines/shop/requests/1/reject"');
    expect(await (await get('/pipelines', carol)).text()).not.toContain('/requests/1/approve');
    onRun = async () => {
      await addRelease(host.ctx, 'web', { kind: 'promote', status: 'running', startedAt: '2026-03-01T12:00:00.000Z', who: 'alice (dashboard)' });
      return { code: 0, output: '' };
    };
    const approved = await post('/pipelines/shop/requests/1/approve');
    expect(sent).toEqual([['pipeline:approve', 'shop', 'r1', '--web-user', 'alice']]);
    expect(approved.headers.get('location')).toBe('/apps/web/releases/3/log');
    onRun = async () => ({ code: 0, output: '-----> Request r1 rejected\n' });
    const rejected = await post('/pipelines/shop/requests/1/reject');
    expect(sent[1]).toEqual(['pipeline:reject', 'shop', 'r1', '--web-user', 'alice']);
    expect(await rejected.text()).toContain('Request r1 rejected');
    expect((await post('/pipelines/shop/requests/1/approve', carol)).status).toBe(403);
  });

  it('hostile or unknown requests: 400 or 404, one line, nothing run', async () => {
    for (const url of ['/pipelines/..%2Fx/requests/1/approve', '/pipelines/shop/requests/r0/approve', '/pipelines/shop/requests/%24(id)/reject', '/pipelines/SHOP/requests/1/approve']) {
      const response = await post(url);
      expect(response.status, url).toBe(400);
      expect((await response.text()).split('\n').length, url).toBe(2);
    }
    expect((await post('/pipelines/shop/requests/9/approve')).status).toBe(404);
    expect(sent).toEqual([]);
  });
});

describe('refusals', () => {
  it('a viewer sees no action and every action of theirs is refused (403, one line), nothing run', async () => {
    for (const url of ['/pipelines', '/apps/web']) {
      const html = await (await get(url, carol)).text();
      expect(html, url).not.toMatch(/\/promote"|\/rollback"|\/deploy"/);
    }
    for (const url of ['/apps/web-staging/promote', '/apps/web/releases/1/rollback', '/apps/web/deploy']) {
      for (const response of [await get(url, carol), await post(url, carol)]) {
        expect(response.status, url).toBe(403);
        expect(await response.text(), url).toBe('Refused: this session is read-only (a viewer cannot act)\n');
      }
    }
    expect(sent).toEqual([]);
  });

  it('a POST without or with a wrong CSRF token is refused (403) and runs nothing', async () => {
    for (const url of ['/apps/web-staging/promote', '/apps/web/releases/1/rollback', '/apps/web/deploy']) {
      expect((await post(url, alice, null)).status, url).toBe(403);
      expect((await post(url, alice, carol.csrf)).status, url).toBe(403);
    }
    expect(sent).toEqual([]);
  });

  it('a session whose name is no valid web user cannot act', async () => {
    const odd = await signIn(host.ctx, 'a b (c)', 'deployer', NOW);
    const response = await post('/apps/web/deploy', odd);
    expect(response.status).toBe(403);
    expect(sent).toEqual([]);
  });

  it('a link minted locally (root (local), alice (sudo)) acts as its person', async () => {
    const local = await signIn(host.ctx, 'alice (sudo)', 'deployer', NOW);
    await post('/apps/web/deploy', local);
    expect(sent.at(-1)?.slice(-2)).toEqual(['--web-user', 'alice']);
  });

  it('no action writes to the store the dashboard reads', async () => {
    const before = snapshotTree(host.ctx.paths.ownstackRoot);
    await get('/apps/web-staging/promote');
    await post('/apps/web/deploy');
    await get('/apps/web/releases/1/rollback');
    expect(snapshotTree(host.ctx.paths.ownstackRoot)).toEqual(before);
  });
});

describe('ssh', () => {
  it('the command goes as separate words after the host, with our key and known host only', () => {
    const files = { dir: '/d/ssh', privateKey: '/d/ssh/id_ed25519', knownHosts: '/d/ssh/known_hosts', target: '/d/ssh/target.json' };
    const target = { user: 'dokku', host: '172.17.0.1', port: 2222 };
    const args = sshArgvFor(dashboardIdentity(files, target), target, ['pipeline:promote', 'web', '--web-user', 'alice']);
    expect(args.slice(-6)).toEqual(['--', '172.17.0.1', 'pipeline:promote', 'web', '--web-user', 'alice']);
    expect(args).toEqual(expect.arrayContaining(['-i', '/d/ssh/id_ed25519', 'StrictHostKeyChecking=yes', 'UserKnownHostsFile=/d/ssh/known_hosts', 'BatchMode=yes', '-p', '2222', '-l', 'dokku']));
    expect(args.slice(0, 2)).toEqual(['-F', '/dev/null']);
    expect(args).toEqual(expect.arrayContaining(['GlobalKnownHostsFile=/dev/null', 'HostKeyAlias=ownstack-dokku-host']));
    // one shared connection per target, in the dashboard's own ssh directory
    expect(args).toEqual(expect.arrayContaining(['ControlMaster=auto', 'ControlPath=mux-dokku@172.17.0.1-2222', 'ControlPersist=60']));
  });

  it('shares no connection when its socket name would not fit a unix socket (a connection per command instead)', () => {
    const long = { user: 'dokku', host: `${'h'.repeat(80)}.example.com`, port: 2222 };
    expect(controlSocketName({ user: 'dokku', host: '172.17.0.1', port: 2222 })).toBe('mux-dokku@172.17.0.1-2222');
    expect(controlSocketName(long)).toBeUndefined();
    const files = { dir: '/d/ssh', privateKey: '/d/ssh/id_ed25519', knownHosts: '/d/ssh/known_hosts', target: '/d/ssh/target.json' };
    expect(sshArgvFor(dashboardIdentity(files, long), long, ['version']).join(' ')).not.toMatch(/Control/);
    expect(dashboardIdentity(files, { user: 'dokku', host: '172.17.0.1', port: 2222 }).control).toEqual({ dir: '/d/ssh', name: 'mux-dokku@172.17.0.1-2222' });
  });

  it('a word Dokku would re-parse into something else is refused', () => {
    for (const word of ['a b', '$(id)', '`id`', "'", '"', 'a;b', 'a|b', '-x', '', 'a\nb', '../x', '*']) expect(() => assertCommandWords([word]), word).toThrow(/cannot be sent/);
  });

  it('dashboard-ssh-host and known_hosts', () => {
    expect(parseSshHost('172.17.0.1')).toEqual({ host: '172.17.0.1', port: 22 });
    expect(parseSshHost('dokku.internal:2222')).toEqual({ host: 'dokku.internal', port: 2222 });
    for (const bad of ['', 'a b', 'h:0', 'h:70000', '-oProxyCommand=x', 'h:', ':22', 'a;b']) expect(parseSshHost(bad), bad).toBeUndefined();
    expect(knownHostsLines(['ssh-ed25519 AAAAC3Nz root@host\n', 'garbage'])).toBe('ownstack-dokku-host ssh-ed25519 AAAAC3Nz\n');
    expect(() => knownHostsLines([])).toThrow(/No ssh host key/);
  });
});
