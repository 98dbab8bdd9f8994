import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createDashboardApp } from '../../src/web/app.js';
import type { ActionResult, ActionRunner } from '../../src/web/ssh-actions.js';
import { assertCommandWords } from '../../src/lib/dashboard/ssh.js';
import { isBranchName, isRepositoryUrl, parsePushEvent, signatureMatches, signatureOf } from '../../src/lib/dashboard/github.js';
import { MAX_DELIVERIES, readDeliveries, recordDelivery } from '../../src/lib/dashboard/deliveries.js';
import { SIGNATURE_REFUSED } from '../../src/lib/dashboard/webhook.js';
import { writeSetting } from '../../src/lib/settings/settings.js';
import { addRelease, makeHost, signIn, snapshotTree, type TestHost } from './dashboard-support.js';

// GitHub push webhooks: the signature over the raw body, the push's fields, the command a push to
// the app's branch runs (handed to a stub runner that plays the host), and the delivery log.

const SECRET = 'a-webhook-secret-of-some-length';
const SHA = '0123456789abcdef0123456789abcdef01234567';
const REPO = 'https://github.com/acme/shop.git';
const NOW = new Date('2026-03-01T12:00:00.000Z');

let host: TestHost;
let sent: string[][];
let finish: (result: ActionResult) => void;

beforeEach(async () => {
  host = makeHost();
  await addRelease(host.ctx, 'web', { status: 'succeeded', startedAt: '2026-03-01T10:00:00.000Z', finishedAt: '2026-03-01T10:01:00.000Z', current: true, retained: true });
  await writeSetting(host.ctx.paths, 'web', 'github-webhook-secret', SECRET);
  sent = [];
});
afterEach(() => host.cleanup());

const runAction: ActionRunner = (words) => {
  sent.push(words);
  return { exited: new Promise((resolve) => { finish = resolve; }) };
};
const dashboard = () => createDashboardApp({ ctx: host.ctx, now: () => NOW, runAction });

function push(fields: Record<string, unknown> = {}) {
  return JSON.stringify({ ref: 'refs/heads/main', after: SHA, deleted: false, repository: { clone_url: REPO, default_branch: 'main' }, ...fields });
}

function deliver(body: string, options: { app?: string; event?: string; id?: string; signature?: string | null; type?: string } = {}) {
  const headers: Record<string, string> = { 'Content-Type': options.type ?? 'application/json', 'X-GitHub-Event': options.event ?? 'push', 'X-GitHub-Delivery': options.id ?? 'd-1' };
  if (options.signature !== null) headers['X-Hub-Signature-256'] = options.signature ?? signatureOf(SECRET, body);
  return dashboard().request(`/hooks/github/${options.app ?? 'web'}`, { method: 'POST', headers, body });
}

describe('the signature', () => {
  it('is the HMAC-SHA256 of the raw bytes with the secret, and nothing else matches', () => {
    const body = Buffer.from(push());
    const good = signatureOf(SECRET, body);
    expect(signatureMatches(SECRET, body, good)).toBe(true);
    expect(signatureMatches(SECRET, body, good.toUpperCase())).toBe(false);
    expect(signatureMatches(SECRET, Buffer.from(`${push()} `), good)).toBe(false);
    expect(signatureMatches(`${SECRET}x`, body, good)).toBe(false);
    expect(signatureMatches('', body, signatureOf('', body))).toBe(false);
    for (const bad of [undefined, '', 'sha256=', good.slice(0, -2), `${good}00`, good.replace('sha256=', 'sha1='), `sha256=${'z'.repeat(64)}`]) {
      expect(signatureMatches(SECRET, body, bad), String(bad)).toBe(false);
    }
  });
});

describe('the push payload', () => {
  it('takes the ref, branch, SHA, clone URL and default branch', () => {
    expect(parsePushEvent(JSON.parse(push()))).toEqual({ ref: 'refs/heads/main', branch: 'main', sha: SHA, repositoryUrl: REPO, defaultBranch: 'main' });
    expect(parsePushEvent(JSON.parse(push({ ref: 'refs/tags/v1' }))).branch).toBeUndefined();
    expect(parsePushEvent(JSON.parse(push({ deleted: true }))).sha).toBeUndefined();
    expect(parsePushEvent(JSON.parse(push({ after: '0'.repeat(40) }))).sha).toBeUndefined();
  });

  it('refuses a payload whose fields are missing, of the wrong type or shape', () => {
    const bad = [
      null, [], 'x', {}, JSON.parse(push({ ref: 7 })), JSON.parse(push({ ref: 'main' })), JSON.parse(push({ after: SHA.toUpperCase() })),
      JSON.parse(push({ after: `${SHA}0` })), JSON.parse(push({ repository: null })), JSON.parse(push({ ref: 'refs/heads/-x' })),
      JSON.parse(push({ ref: 'refs/heads/a..b' })), JSON.parse(push({ ref: 'refs/heads/a b' })),
      JSON.parse(push({ repository: { clone_url: REPO, default_branch: '$(id)' } })),
    ];
    for (const payload of bad) expect(() => parsePushEvent(payload), JSON.stringify(payload)).toThrow(/^Invalid push/);
  });

  it('a repository URL is http(s) with a plain host and path, never another scheme, an option or an escape', () => {
    for (const good of [REPO, 'http://127.0.0.1:8080/shop.git', 'https://git.example.com/group/sub/app', 'https://github.com/acme/shop']) {
      expect(isRepositoryUrl(good), good).toBe(true);
      expect(assertCommandWords([good])).toEqual([good]);
    }
    const bad = [
      'file:///srv/repo.git', 'ssh://git@github.com/acme/shop.git', 'git@github.com:acme/shop.git', 'git://github.com/acme/shop.git',
      'ext::sh -c touch% /tmp/pwned', '-uhttps://github.com/x', '--upload-pack=touch /tmp/x', 'https://user:pw@github.com/acme/shop.git',
      'https://github.com/acme/shop.git?x=1', 'https://github.com/acme/shop.git#main', 'https://github.com/acme/sh op.git',
      'https://github.com/acme/shop.git\n', 'https://github.com/acme/%2e%2e/x', 'https://github.com/acme/../x', 'https://github.com/acme/-x',
      'https://-github.com/acme/shop', 'https://github..com/acme/shop', 'https://github.com:99999/acme/shop', 'https://github.com',
      'https://github.com/acme/shop;id', 'https://github.com/acme/$(id)', 'HTTPS://github.com/acme/shop', `https://github.com/${'a/'.repeat(200)}x`,
    ];
    for (const url of bad) expect(isRepositoryUrl(url), url).toBe(false);
  });

  it('branch names: plain, no option, no parent step, no lock file', () => {
    for (const good of ['main', 'master', 'release/2026-03', 'feature_x.y', 'v1+build']) expect(isBranchName(good), good).toBe(true);
    for (const bad of ['', '-main', 'a..b', 'a/', 'a//b', 'a.lock', 'a/.b', 'a b', 'a~1', 'a^', 'a:b', 'a\\b', '$(id)', 'x'.repeat(201)]) expect(isBranchName(bad), bad).toBe(false);
  });
});

describe('POST /hooks/github/<app>', () => {
  it('a signed push to the default branch runs git:sync through ownstack:git-sync as github, answers 202 at once, and records the outcome when it ends', async () => {
    const before = snapshotTree(host.ctx.paths.ownstackRoot);
    const response = await deliver(push());
    expect(response.status).toBe(202);
    expect(await response.text()).toBe('Started: deploying 0123456 of main (git:sync --build)\n');
    expect(sent).toEqual([['ownstack:git-sync', 'web', REPO, SHA, '--web-user', 'github']]);
    expect(readDeliveries(host.ctx.paths, 'web')).toEqual([
      { delivery: 'd-1', event: 'push', ref: 'refs/heads/main', sha: SHA, received_at: NOW.toISOString(), outcome: 'started', reason: 'deploying 0123456 of main (git:sync --build)' },
    ]);
    finish({ code: 1, output: '-----> Fetching\n !     git:sync failed: remote hung up\n', stdout: '' });
    await expect.poll(() => readDeliveries(host.ctx.paths, 'web')[0].outcome).toBe('failed');
    expect(readDeliveries(host.ctx.paths, 'web')[0].reason).toBe('exit 1: git:sync failed: remote hung up');
    // the store the dashboard reads is untouched
    expect(snapshotTree(host.ctx.paths.ownstackRoot)).toEqual(before);
  });

  it('a succeeded deploy is recorded as such; the same delivery again runs nothing', async () => {
    expect((await deliver(push())).status).toBe(202);
    finish({ code: 0, output: 'done\n', stdout: 'done\n' });
    await expect.poll(() => readDeliveries(host.ctx.paths, 'web')[0].outcome).toBe('succeeded');
    const again = await deliver(push());
    expect(again.status).toBe(200);
    expect(await again.text()).toBe('Ignored: delivery d-1 already started a deploy\n');
    expect(sent).toHaveLength(1);
  });

  it('a forged, missing or stale signature, an unknown app or one without a secret: 401, one line, nothing runs', async () => {
    const cases = [
      deliver(push(), { signature: signatureOf('another-secret-entirely', push()) }),
      deliver(push(), { signature: null }),
      deliver(push(), { signature: signatureOf(SECRET, push({ after: 'f'.repeat(40) })) }),
      deliver(push(), { signature: 'sha1=0000' }),
      deliver(push(), { app: 'nope' }),
    ];
    for (const response of await Promise.all(cases)) {
      expect(response.status).toBe(401);
      expect(await response.text()).toBe(`${SIGNATURE_REFUSED}\n`);
    }
    await writeSetting(host.ctx.paths, 'web', 'github-webhook-secret', undefined);
    expect((await deliver(push())).status).toBe(401);
    expect(sent).toEqual([]);
    // the app's log says which it was; an app without a store gets no file
    expect(readDeliveries(host.ctx.paths, 'web').map((entry) => `${entry.outcome}: ${entry.reason}`).sort()).toEqual([
      "refused: no X-Hub-Signature-256 header (set the secret in the GitHub webhook)",
      'refused: no github-webhook-secret is set for web',
      "refused: the signature does not match the app's github-webhook-secret",
      "refused: the signature does not match the app's github-webhook-secret",
      "refused: the signature does not match the app's github-webhook-secret",
    ]);
    expect(fs.existsSync(path.join(host.ctx.paths.dashboardRoot, 'deliveries', 'nope.json'))).toBe(false);
  });

  it('ping, other events, other branches, tags and deletions are answered 200 and run nothing', async () => {
    const answers = [];
    for (const [body, event] of [
      [JSON.stringify({ zen: 'hi' }), 'ping'],
      [push(), 'issues'],
      [push({ ref: 'refs/heads/feature' }), 'push'],
      [push({ ref: 'refs/tags/v1' }), 'push'],
      [push({ deleted: true, after: '0'.repeat(40) }), 'push'],
    ] as const) {
      const response = await deliver(body, { event, id: `d-${event}-${answers.length}` });
      answers.push(`${response.status} ${await response.text()}`);
    }
    expect(answers).toEqual([
      '200 Ignored: ping (the webhook reaches the dashboard and its secret matches)\n',
      '200 Ignored: event issues (only push deploys)\n',
      '200 Ignored: a push to feature; web deploys main\n',
      '200 Ignored: refs/tags/v1 is not a branch\n',
      '200 Ignored: branch main was deleted\n',
    ]);
    expect(sent).toEqual([]);
    expect(readDeliveries(host.ctx.paths, 'web').map((entry) => entry.outcome)).toEqual(['ignored', 'ignored', 'ignored', 'ignored', 'ignored']);
  });

  it('github-branch picks the branch instead of the default one', async () => {
    await writeSetting(host.ctx.paths, 'web', 'github-branch', 'release');
    expect((await deliver(push())).status).toBe(200);
    expect((await deliver(push({ ref: 'refs/heads/release' }), { id: 'd-2' })).status).toBe(202);
    expect(sent).toEqual([['ownstack:git-sync', 'web', REPO, SHA, '--web-user', 'github']]);
  });

  it('a signed payload with a hostile repository, a form body or no JSON is refused with one line and recorded', async () => {
    const bodies: Array<[string, string | undefined]> = [
      [push({ repository: { clone_url: 'ext::sh -c id', default_branch: 'main' } }), undefined],
      [push({ repository: { clone_url: 'file:///etc', default_branch: 'main' } }), undefined],
      [push({ repository: { clone_url: '--upload-pack=id', default_branch: 'main' } }), undefined],
      [`payload=${encodeURIComponent(push())}`, 'application/x-www-form-urlencoded'],
      ['{not json', undefined],
    ];
    for (const [body, type] of bodies) {
      const response = await deliver(body, { type });
      expect([400, 415], body).toContain(response.status);
      expect((await response.text()).split('\n')).toHaveLength(2);
    }
    expect(sent).toEqual([]);
    expect(readDeliveries(host.ctx.paths, 'web').every((entry) => entry.outcome === 'refused')).toBe(true);
  });

  it('a body over the cap is refused before its signature is read', async () => {
    const response = await deliver(push({ padding: 'x'.repeat(1024 * 1024) }));
    expect(response.status).toBe(400);
    expect(await response.text()).toBe('Refused: the payload is too large\n');
    expect(sent).toEqual([]);
  });

  it('the app page shows the deliveries, the secret and body never', async () => {
    await deliver(push({ head_commit: { message: '<script>alert(1)</script>' } }), { id: '<b>x</b>' });
    const alice = await signIn(host.ctx, 'alice', 'deployer', NOW);
    const html = await (await dashboard().request('/apps/web', { headers: { Cookie: alice.cookie } })).text();
    expect(html).toContain('GitHub webhook deliveries');
    expect(html).toContain('started: deploying 0123456 of main');
    expect(html).not.toContain('<script>alert');
    expect(html).not.toContain('<b>x</b>');
    const file = fs.readFileSync(path.join(host.ctx.paths.dashboardRoot, 'deliveries', 'web.json'), 'utf8');
    expect(file).not.toContain(SECRET);
    expect(file).not.toContain('alert');
    expect(fs.statSync(path.join(host.ctx.paths.dashboardRoot, 'deliveries', 'web.json')).mode & 0o777).toBe(0o600);
  });
});

describe('the delivery log', () => {
  it('has the fields docs/json.md documents for ownstack:dashboard:deliveries --format json', async () => {
    const doc = fs.readFileSync(path.resolve(import.meta.dirname, '../../docs/json.md'), 'utf8');
    const section = doc.slice(doc.indexOf('## `ownstack:dashboard:deliveries')).split('\n## ')[0];
    const documented = section.split('\n').filter((line) => line.startsWith('| `')).flatMap((line) => [...line.split('|')[1].matchAll(/`([a-z_]+)`/g)].map((m) => m[1]));
    await recordDelivery(host.ctx.paths, 'web', { delivery: 'd', event: 'push', ref: 'refs/heads/main', sha: SHA, received_at: NOW.toISOString(), finished_at: NOW.toISOString(), outcome: 'succeeded', reason: 'deployed' });
    expect(new Set(Object.keys(readDeliveries(host.ctx.paths, 'web')[0]))).toEqual(new Set(documented));
  });

  it('keeps the newest MAX_DELIVERIES of an app, newest first', async () => {
    for (let index = 0; index < MAX_DELIVERIES + 5; index += 1) {
      await recordDelivery(host.ctx.paths, 'web', { delivery: `d-${index}`, event: 'push', received_at: NOW.toISOString(), outcome: 'ignored', reason: `line\n${index}` });
    }
    const list = readDeliveries(host.ctx.paths, 'web');
    expect(list).toHaveLength(MAX_DELIVERIES);
    expect(list[0]).toMatchObject({ delivery: `d-${MAX_DELIVERIES + 4}`, reason: `line ${MAX_DELIVERIES + 4}` });
    expect(list.at(-1)?.delivery).toBe('d-5');
  });
});
