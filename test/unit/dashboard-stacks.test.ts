import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createDashboardApp } from '../../src/web/app.js';
import type { ActionResult, ActionRunner } from '../../src/web/ssh-actions.js';
import { AnswerCache } from '../../src/lib/dashboard/answers.js';
import { mixedStage, remoteState, type PipelineCard } from '../../src/lib/dashboard/app-pages.js';
import { askHost, parsePipelineInfo, parseStackCheck, reachabilityOf } from '../../src/lib/dashboard/remote.js';
import { addStackTo, parseStackAddress } from '../../src/lib/stacks/model.js';
import { updateStacks } from '../../src/lib/stacks/store.js';
import { SCHEMA_VERSIONS } from '../../src/lib/schema-version.js';
import { VERSION } from '../../src/lib/version.js';
import { publicRelease } from '../../src/lib/releases/public.js';
import { parseHistoryAnswer, parseHistoryOutput } from '../../src/lib/stacks/history.js';
import { releaseRecord } from './support.js';
import { addPipeline, addRelease, makeHost, signIn, snapshotTree, type SignedIn, type TestHost } from './dashboard-support.js';

// Other stacks, as the dashboard learns of them: through this host (`pipeline:info`, `stacks:check`,
// `ownstack:version` over its ssh path, a stub here that plays the host), remembered in memory and
// asked again in the background, so a stack that does not answer never holds a page.

const NOW = new Date('2026-03-01T12:00:00.000Z');
const SHA = 'c'.repeat(40);

/** A promise settled by hand, for questions that take as long as a test wants. */
function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((done) => (resolve = done));
  return { promise, resolve };
}

describe('AnswerCache', () => {
  it('asks once for concurrent readers, waits at most waitMs for a first answer, then says it is asking', async () => {
    let asked = 0;
    const answer = deferred<string>();
    const cache = new AnswerCache<string>(() => ((asked += 1), answer.promise), { freshMs: 1000, waitMs: 20 });
    const [first, second] = await Promise.all([cache.read('shop'), cache.read('shop')]);
    expect(first).toEqual({ answer: undefined, asking: true });
    expect(second).toEqual({ answer: undefined, asking: true });
    expect(asked).toBe(1);
    // a reader that finds the first question on its way does not wait for it at all
    let settled = false;
    const third = cache.read('shop').then((reading) => ((settled = true), reading));
    await new Promise((resolve) => setImmediate(resolve));
    expect(settled).toBe(true);
    expect(await third).toEqual({ answer: undefined, asking: true });
    answer.resolve('v7');
    await answer.promise;
    await new Promise((resolve) => setImmediate(resolve));
    const answered = await cache.read('shop');
    expect(answered.answer?.value).toBe('v7');
    expect(answered.asking).toBe(false);
    expect(asked).toBe(1);
  });

  it('shows a stale answer at once and asks again in the background; a broken asker keeps the last answer', async () => {
    let clock = 0;
    let next: Promise<string> = Promise.resolve('first');
    const cache = new AnswerCache<string>(() => next, { freshMs: 100, waitMs: 1000, now: () => new Date(clock) });
    expect((await cache.read('k')).answer?.value).toBe('first');
    clock = 150;
    const slow = deferred<string>();
    next = slow.promise;
    const stale = await cache.read('k');
    expect(stale.answer).toEqual({ value: 'first', at: new Date(0) });
    expect(stale.asking).toBe(true);
    slow.resolve('second');
    await slow.promise;
    await new Promise((resolve) => setImmediate(resolve));
    expect((await cache.read('k')).answer?.value).toBe('second');
    clock = 300;
    next = Promise.reject(new Error('boom'));
    await cache.read('k');
    await new Promise((resolve) => setImmediate(resolve));
    expect((await cache.read('k')).answer?.value).toBe('second');
  });
});

describe('answers of this host', () => {
  const info = (apps: unknown[]) => JSON.stringify({ name: 'shop', apps });
  const member = (fields: Record<string, unknown>) => ({ app: 'web', stack: 'eu', stage: 'production', reachable: true, current: null, error: null, ...fields });

  it('pipeline:info --format json: each member checked field by field', () => {
    const parsed = parsePipelineInfo(
      JSON.parse(info([member({ current: { id: 7, git_sha: SHA, status: 'succeeded', kind: 'deploy', who: 'ann', started_at: '2026-03-01T11:00:00.000Z' } })])),
    );
    expect(parsed).toEqual([
      { app: 'web', stack: 'eu', stage: 'production', reachable: true, error: null, current: { id: 7, git_sha: SHA, status: 'succeeded', kind: 'deploy', who: 'ann', started_at: '2026-03-01T11:00:00.000Z' } },
    ]);
    // an older host's answer: no kind, who or time
    expect(parsePipelineInfo({ apps: [member({ current: { id: 3, git_sha: null, status: 'failed' } })] })?.[0].current).toEqual({
      id: 3, git_sha: null, status: 'failed', kind: null, who: null, started_at: null,
    });
    expect(parsePipelineInfo({ apps: [member({ error: 'line\u001b[31m' })] })?.[0].error).toBe('line\\u001b[31m');
    for (const bad of [null, [], {}, { apps: {} }, { apps: [null] }, { apps: [member({ app: 1 })] }, { apps: [member({ stack: 3 })] }, { apps: [member({ reachable: 'yes' })] }]) {
      expect(parsePipelineInfo(bad)).toBeUndefined();
    }
  });

  it('askHost: the JSON on the last line of stdout, or one line saying why there is none', async () => {
    const answering = (code: number, stdout: string, output = stdout) => async () => ({ code, stdout, output });
    expect(await askHost(answering(0, `noise\n${info([])}\n`), ['pipeline:info', 'shop'], parsePipelineInfo)).toEqual({ ok: true, value: [] });
    expect(await askHost(answering(1, '', ' !     Pipeline shop does not exist\n'), ['pipeline:info', 'shop'], parsePipelineInfo)).toEqual({ ok: false, why: 'Pipeline shop does not exist' });
    expect(await askHost(answering(0, 'not json'), ['pipeline:info', 'shop'], parsePipelineInfo)).toEqual({ ok: false, why: 'pipeline:info gave no answer this dashboard can read' });
    const throwing = () => {
      throw new Error('Actions are not set up here');
    };
    expect(await askHost(throwing, ['x'], parsePipelineInfo)).toEqual({ ok: false, why: 'Actions are not set up here' });
  });

  it('stacks:check --format json of one stack, and the reachability classes it names', () => {
    const check = { stack: 'eu', address: 'dokku@eu.example.com', status: 'ok', cause: null, ownstack_version: '0.2.0', ownstack_commit: 'abc1234', schema_versions: { releases: 1, pipelines: 2, stacks: 1 }, message: null };
    expect(parseStackCheck([check])).toEqual(check);
    // before the cause was named: the status alone
    expect(parseStackCheck([{ ...check, status: 'unreachable', cause: undefined, ownstack_version: null, message: 'm' }])).toMatchObject({ status: 'unreachable', cause: null, ownstack_version: null, schema_versions: null });
    for (const bad of [[], [check, check], [{ ...check, status: 'great' }], [{ ...check, stack: 1 }], { stack: 'eu' }]) expect(parseStackCheck(bad)).toBeUndefined();
    const classes = (
      [
        ['ok', null],
        ['unreachable', 'timed-out'],
        ['unreachable', 'connection-refused'],
        ['refused', 'key-refused'],
        ['refused', 'host-key-changed'],
        ['failed', null],
      ] as const
    ).map(([status, cause]) => reachabilityOf({ status, cause }));
    expect(classes).toEqual(['ok', 'timed out', 'refused', 'key refused', 'host key changed', 'failed']);
  });

  it('a remote card from the answer: asking, unreachable with its reason, a release, and "mixed" where a stage disagrees', () => {
    expect(remoteState('web', 'eu', undefined)).toEqual({ state: 'asking' });
    expect(remoteState('web', 'eu', { ok: false, why: 'no ssh' })).toEqual({ state: 'problem', why: 'this host could not be asked: no ssh' });
    const answer = (fields: Record<string, unknown>) => ({ ok: true as const, value: parsePipelineInfo({ apps: [member(fields)] })! });
    expect(remoteState('web', 'eu', answer({ reachable: false, error: 'stack eu is unreachable (no answer within 10s)' }))).toEqual({
      state: 'unreachable',
      why: 'stack eu is unreachable (no answer within 10s)',
    });
    expect(remoteState('web', 'us', answer({}))).toMatchObject({ state: 'problem' });
    expect(remoteState('web', 'eu', answer({}))).toEqual({ state: 'no-release' });
    const release = remoteState('web', 'eu', answer({ current: { id: 7, git_sha: SHA, status: 'succeeded', kind: 'promote', who: 'ann', started_at: null } }));
    expect(release).toEqual({ state: 'release', release: { id: 7, kind: 'promote', sha: 'ccccccc', who: 'ann', startedAt: null, status: 'succeeded' } });

    const remote: PipelineCard = { kind: 'remote', app: 'web', stack: 'eu', remote: release };
    const local = (sha: string | null): PipelineCard => ({
      kind: 'local', app: 'web', latest: undefined, problem: undefined,
      current: { app: 'web', id: 2, kind: 'push', status: 'succeeded', current: true, phase: 'postdeploy', failure: null, description: '', sha, who: 'ann', startedAt: '', finishedAt: null, duration: null },
    });
    expect(mixedStage([local('bbbbbbb'), remote])).toBe('Mixed: web runs bbbbbbb, web@eu runs ccccccc');
    expect(mixedStage([local('ccccccc'), remote])).toBeUndefined();
    expect(mixedStage([local(null), remote])).toBeUndefined();
    expect(mixedStage([local('bbbbbbb'), { ...remote, remote: { state: 'asking' } }])).toBeUndefined();
  });
});

describe('ownstack:history --format json from another stack', () => {
  const release = publicRelease(releaseRecord({ id: 3, app: 'web' }), { currentId: 3, expired: false });

  it('takes a list of public releases as they are, after notices on earlier lines', () => {
    expect(parseHistoryAnswer([release])).toEqual([release]);
    expect(parseHistoryAnswer([])).toEqual([]);
    expect(parseHistoryOutput(`-----> a notice\n${JSON.stringify([release])}\n`)).toEqual([release]);
  });

  it('refuses anything else: not a list, a wrong type in a shown field, an unknown status', () => {
    for (const bad of [{}, null, 'x', [null], [{ ...release, id: '3' }], [{ ...release, id: 0 }], [{ ...release, status: 'done' }], [{ ...release, display_status: 'gone' }],
      [{ ...release, description: 5 }], [{ ...release, current: 'yes' }], [{ ...release, git_sha: 7 }], [{ ...release, started_at: null }], [{ ...release, kind: 'magic' }]]) {
      expect(parseHistoryAnswer(bad), JSON.stringify(bad)).toBeUndefined();
    }
    expect(parseHistoryOutput('not json')).toBeUndefined();
    expect(parseHistoryOutput('')).toBeUndefined();
  });
});

describe('the pages', () => {
  let host: TestHost;
  let alice: SignedIn;
  let asked: string[][];
  let answer: (words: string[]) => Promise<{ code: number; stdout: string }>;

  beforeEach(async () => {
    host = makeHost();
    await addRelease(host.ctx, 'web-staging', { status: 'succeeded', sha: SHA, startedAt: '2026-03-01T10:00:00.000Z', current: true, retained: true });
    await addRelease(host.ctx, 'web', { status: 'succeeded', sha: 'b'.repeat(40), startedAt: '2026-03-01T10:00:00.000Z', current: true, retained: true });
    await addPipeline(host.ctx, 'shop', { production: ['web', 'web@eu', 'web@dark'], staging: ['web-staging'] });
    for (const [name, address] of [['eu', 'dokku@eu.example.com'], ['dark', 'dokku@127.0.0.1:2299'], ['old', 'dokku@old.example.com']]) {
      await updateStacks(host.ctx.paths, (file) => ({ file: addStackTo(file, name, parseStackAddress(address), '2026-01-01T00:00:00.000Z'), result: undefined }));
    }
    alice = await signIn(host.ctx, 'alice', 'deployer', NOW);
    asked = [];
    answer = async () => ({ code: 0, stdout: '' });
  });
  afterEach(() => host.cleanup());

  const runAction: ActionRunner = (words) => {
    asked.push(words);
    return { exited: answer(words).then((result): ActionResult => ({ ...result, output: result.stdout })) };
  };
  const eu = { app: 'web', stack: 'eu', stage: 'production', reachable: true, error: null, current: { id: 7, git_sha: SHA, status: 'succeeded', kind: 'promote', who: '<img src=x onerror=alert(1)> (dashboard)', started_at: '2026-03-01T11:00:00.000Z' } };
  const dark = { app: 'web', stack: 'dark', stage: 'production', reachable: false, current: null, error: 'stack dark (dokku@127.0.0.1:2299) is unreachable (no answer within 10s): Connection timed out during banner exchange' };
  const pipelineInfo = JSON.stringify({ name: 'shop', apps: [eu, dark] });

  it('/pipelines: remote cards from pipeline:info, unreachable with its reason, mixed production, inert text', async () => {
    answer = async (words) => ({ code: 0, stdout: words[0] === 'pipeline:info' ? `${pipelineInfo}\n` : '' });
    const before = snapshotTree(host.ctx.paths.ownstackRoot);
    const dashboard = createDashboardApp({ ctx: host.ctx, now: () => NOW, runAction });
    const html = await (await dashboard.request('/pipelines', { headers: { Cookie: alice.cookie } })).text();
    expect(asked).toEqual([['pipeline:info', 'shop', '--format', 'json']]);
    expect(html).toContain('<strong>web@eu</strong><p>Current: <span>v7 · promote · <code>ccccccc</code> · &lt;img src=x onerror=alert(1)&gt; (dashboard) · ');
    expect(html).not.toContain('<img');
    expect(html).toContain('<span class="status-unreachable">unreachable: stack dark (dokku@127.0.0.1:2299) is unreachable (no answer within 10s): Connection timed out during banner exchange</span>');
    expect(html).toContain('<p class="status-mixed">Mixed: web runs bbbbbbb, web@eu runs ccccccc</p>');
    expect(html).toContain('Apps on other stacks: as this host last saw them');
    expect(html).not.toContain('data-asking');
    // a second page within freshMs: no second question
    await dashboard.request('/pipelines', { headers: { Cookie: alice.cookie } });
    expect(asked).toHaveLength(1);
    expect(snapshotTree(host.ctx.paths.ownstackRoot)).toEqual(before);
  });

  it('a host that has not answered yet never holds the page: "asking…", the reload script, one question', async () => {
    const pending = deferred<{ code: number; stdout: string }>();
    answer = () => pending.promise;
    const dashboard = createDashboardApp({ ctx: host.ctx, now: () => NOW, runAction, answers: { waitMs: 10 } });
    for (let i = 0; i < 3; i += 1) {
      const response = await dashboard.request('/pipelines', { headers: { Cookie: alice.cookie } });
      expect(response.status).toBe(200);
      const html = await response.text();
      expect(html).toContain('<strong>web@eu</strong><p>Current: <span class="note">asking…</span>');
      expect(html).toContain('data-asking=""');
      expect(html).toContain('window.location.reload()');
    }
    expect(asked).toHaveLength(1);
    pending.resolve({ code: 0, stdout: pipelineInfo });
    await pending.promise;
    await new Promise((resolve) => setImmediate(resolve));
    const html = await (await dashboard.request('/pipelines', { headers: { Cookie: alice.cookie } })).text();
    expect(html).toContain('v7 · promote');
    expect(html).not.toContain('data-asking');
  });

  /** A public release as `ownstack:history --format json` prints it, on stack eu. */
  const euRelease = (id: number, startedAt: string, fields: Record<string, unknown> = {}) => ({
    ...publicRelease(releaseRecord({ id, app: 'web', kind: 'promote', git_sha: SHA, who: 'ann', started_at: startedAt, finished_at: startedAt }), { currentId: 2, expired: false }),
    ...fields,
  });

  it('/deployments: releases of apps on other stacks merged newest first, labelled app@stack, each log linked to its stack; a dark stack unreachable', async () => {
    const euHistory = [euRelease(2, '2026-03-01T11:00:00.000Z', { description: '<img src=x>\u001b[31m' }), euRelease(1, '2026-03-01T09:00:00.000Z', { status: 'failed', display_status: 'failed', phase: 'deploy', reason: 'boom' })];
    answer = async (words) =>
      words[1] === 'web@eu' ? { code: 0, stdout: `${JSON.stringify(euHistory)}\n` } : { code: 1, stdout: '' };
    const before = snapshotTree(host.ctx.paths.ownstackRoot);
    const dashboard = createDashboardApp({ ctx: host.ctx, now: () => NOW, runAction });
    const get = async (url: string) => (await dashboard.request(url, { headers: { Cookie: alice.cookie } })).text();
    const html = await get('/deployments');
    expect(asked.map((words) => words.join(' ')).sort()).toEqual(['ownstack:history web@dark --format json --limit 50', 'ownstack:history web@eu --format json --limit 50']);
    const order = [...html.matchAll(/<tr><td>(?:<a href="[^"]+">)?([a-z@-]+)(?:<\/a>)?<\/td><td>v(\d+)/g)].map((match) => `${match[1]} v${match[2]}`);
    expect(order).toEqual(['web@eu v2', 'web v1', 'web-staging v1', 'web@eu v1']);
    expect(html).not.toContain('href="/apps/web%40eu');
    expect(html).not.toContain('Log of web v2');
    expect(html).toContain('&lt;img src=x&gt;\\u001b[31m');
    expect(html).toContain('<span class="status-failed">failed (deploy: boom)</span>');
    expect(html).toContain('web@eu: 2 releases, asked');
    expect(html).toMatch(/web@dark: <span class="status-unreachable">unreachable: ownstack:history exited with code 1<\/span>/);
    expect(html).not.toContain('data-asking');
    // the filters: a stack, this host, a status, an app on every stack
    const rowsOf = (page: string) => [...page.matchAll(/<tr><td>(?:<a href="[^"]+">)?([a-z@-]+)(?:<\/a>)?<\/td><td>v(\d+)/g)].map((match) => `${match[1]} v${match[2]}`);
    expect(rowsOf(await get('/deployments?stack=eu'))).toEqual(['web@eu v2', 'web@eu v1']);
    expect(rowsOf(await get('/deployments?stack=-'))).toEqual(['web v1', 'web-staging v1']);
    expect(rowsOf(await get('/deployments?status=failed'))).toEqual(['web@eu v1']);
    expect(rowsOf(await get('/deployments?app=web-staging'))).toEqual(['web-staging v1']);
    expect(rowsOf(await get('/deployments?pipeline=shop&app=web'))).toEqual(['web@eu v2', 'web v1', 'web@eu v1']);
    expect((await dashboard.request('/deployments?stack=nowhere', { headers: { Cookie: alice.cookie } })).status).toBe(404);
    // all within freshMs: each member asked once
    expect(asked).toHaveLength(2);
    expect(snapshotTree(host.ctx.paths.ownstackRoot)).toEqual(before);
  });

  it('/deployments while a stack has not answered: "asking…" for its app, this host\'s rows, the reload script', async () => {
    const never = deferred<{ code: number; stdout: string }>();
    answer = (words) => (words[1] === 'web@dark' ? never.promise : Promise.resolve({ code: 0, stdout: '[]' }));
    const dashboard = createDashboardApp({ ctx: host.ctx, now: () => NOW, runAction, answers: { waitMs: 10 } });
    const html = await (await dashboard.request('/deployments?status=succeeded', { headers: { Cookie: alice.cookie } })).text();
    expect(html).toContain('web@dark: <span class="note">asking…</span>');
    expect(html).toContain('web@eu: 0 releases, asked');
    expect(html).toContain('data-asking=""');
    expect(html).toContain('href="/deployments?status=succeeded">Refresh</a>');
    expect(html).toContain('Log of web v1');
  });

  it('a log of a release on another stack: linked from its row, asked of this host, shown whole and inert; a failure one line', async () => {
    const euHistory = [euRelease(2, '2026-03-01T11:00:00.000Z')];
    const euLog = '-----> Deploying web\n<script>alert(1)</script>\n\u001b[31mred\u009b2J\tdone\n';
    answer = async (words) => {
      if (words[0] === 'ownstack:history') return words[1] === 'web@eu' ? { code: 0, stdout: JSON.stringify(euHistory) } : { code: 1, stdout: '' };
      if (words[1] === 'web@eu') return { code: 0, stdout: euLog };
      return { code: 1, stdout: ' !     stack dark (dokku@127.0.0.1:2299) is unreachable (no answer within 10s): Connection timed out\u001b[2J\n' };
    };
    const before = snapshotTree(host.ctx.paths.ownstackRoot);
    const dashboard = createDashboardApp({ ctx: host.ctx, now: () => NOW, runAction });
    const get = (url: string) => dashboard.request(url, { headers: { Cookie: alice.cookie } });
    expect(await (await get('/deployments?stack=eu')).text()).toContain('<a href="/stacks/eu/apps/web/releases/2/log" aria-label="Log of web@eu v2">');

    const response = await get('/stacks/eu/apps/web/releases/2/log');
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(asked.at(-1)).toEqual(['ownstack:deploy-log', 'web@eu', '2']);
    expect(html).toContain('-----&gt; Deploying web\n&lt;script&gt;alert(1)&lt;/script&gt;\n\\u001b[31mred\\u009b2J\tdone\n</pre>');
    expect(html).not.toContain('<script>alert');
    expect(html).not.toMatch(/[\u001b\u009b]/);
    expect(html).not.toContain('data-asking');

    const failed = await (await get('/stacks/dark/apps/web/releases/5/log')).text();
    expect(asked.at(-1)).toEqual(['ownstack:deploy-log', 'web@dark', '5']);
    expect(failed).toContain('<p id="log-status" role="status" class="status-unreachable">No log: stack dark (dokku@127.0.0.1:2299) is unreachable (no answer within 10s): Connection timed out\\u001b[2J</p>');
    expect(failed).not.toContain('<pre');
    // a stack this host does not know, an app in no pipeline of it: 404, nothing asked
    const count = asked.length;
    expect((await get('/stacks/nowhere/apps/web/releases/2/log')).status).toBe(404);
    expect((await get('/stacks/eu/apps/other/releases/2/log')).status).toBe(404);
    expect(asked).toHaveLength(count);
    expect(snapshotTree(host.ctx.paths.ownstackRoot)).toEqual(before);
  });

  it('a log of a release on a stack that has not answered: "asking…" at once, the reload script', async () => {
    const never = deferred<{ code: number; stdout: string }>();
    answer = () => never.promise;
    const dashboard = createDashboardApp({ ctx: host.ctx, now: () => NOW, runAction, answers: { waitMs: 10 } });
    const html = await (await dashboard.request('/stacks/dark/apps/web/releases/5/log', { headers: { Cookie: alice.cookie } })).text();
    expect(html).toContain('data-asking=""');
    expect(html).toContain('href="/stacks/dark/apps/web/releases/5/log">Refresh</a>');
    expect(html).not.toContain('<pre');
  });

  it('the Promote confirmation lists each remote target with what it runs now', async () => {
    answer = async (words) => ({ code: 0, stdout: words[0] === 'pipeline:info' ? pipelineInfo : '[]' });
    const dashboard = createDashboardApp({ ctx: host.ctx, now: () => NOW, runAction });
    const html = await (await dashboard.request('/apps/web-staging/promote', { headers: { Cookie: alice.cookie } })).text();
    expect(html).toContain('<strong>web@eu</strong> (Production), now <span>v7 · promote');
    expect(html).toContain('<strong>web@dark</strong> (Production), now <span class="status-unreachable">unreachable: stack dark');
    expect(html).toContain('Promote v1 to web, web@eu, web@dark');
  });

  it('/stacks: each stack per its own stacks:check, this host\'s version, the version warnings', async () => {
    const checks: Record<string, unknown> = {
      eu: { stack: 'eu', address: 'dokku@eu.example.com', status: 'ok', cause: null, ownstack_version: VERSION, ownstack_commit: 'abc1234', schema_versions: SCHEMA_VERSIONS, message: null },
      dark: { stack: 'dark', address: 'dokku@127.0.0.1:2299', status: 'unreachable', cause: 'timed-out', ownstack_version: null, ownstack_commit: null, schema_versions: null, message: 'stack dark (dokku@127.0.0.1:2299) is unreachable (no answer within 10s): Connection timed out' },
      old: { stack: 'old', address: 'dokku@old.example.com', status: 'ok', cause: null, ownstack_version: '0.1.0', ownstack_commit: null, schema_versions: { releases: 1, pipelines: 1, stacks: 1 }, message: null },
    };
    answer = async (words) => {
      if (words[0] === 'ownstack:version') return { code: 0, stdout: JSON.stringify({ version: VERSION, commit: 'abc1234', schema_versions: SCHEMA_VERSIONS }) };
      return { code: words[1] === 'dark' ? 1 : 0, stdout: JSON.stringify([checks[words[1]]]) };
    };
    const before = snapshotTree(host.ctx.paths.ownstackRoot);
    const dashboard = createDashboardApp({ ctx: host.ctx, now: () => NOW, runAction });
    const html = await (await dashboard.request('/stacks', { headers: { Cookie: alice.cookie } })).text();
    expect(asked.map((words) => words.join(' ')).sort()).toEqual([
      'ownstack:version --format json',
      'stacks:check dark --format json',
      'stacks:check eu --format json',
      'stacks:check old --format json',
    ]);
    expect(html).toContain('<a href="/stacks" aria-current="page">Stacks</a>');
    expect(html).toContain(`This host: ownstack ${VERSION} (abc1234), schema versions releases ${SCHEMA_VERSIONS.releases}, pipelines ${SCHEMA_VERSIONS.pipelines}, stacks ${SCHEMA_VERSIONS.stacks}`);
    expect(html).toMatch(/<td>eu<\/td><td><code>dokku@eu.example.com<\/code><\/td><td><span class="status-succeeded">ok<\/span><\/td><td>[^<]+ \(abc1234\)<\/td>/);
    expect(html).toContain('<span class="status-unreachable">timed out</span><p class="note">stack dark (dokku@127.0.0.1:2299) is unreachable (no answer within 10s): Connection timed out</p>');
    expect(html).toContain(`Stack old runs ownstack 0.1.0, this host ${VERSION}: upgrade the older one so both run the same version`);
    expect(html).not.toContain('data-asking');
    expect(snapshotTree(host.ctx.paths.ownstackRoot)).toEqual(before);
  });

  it('/stacks while a stack has not answered: the others shown, that one "asking", the page reloads itself', async () => {
    const never = deferred<{ code: number; stdout: string }>();
    answer = async (words) => {
      if (words[1] === 'dark') return never.promise;
      if (words[0] === 'ownstack:version') return { code: 0, stdout: JSON.stringify({ version: VERSION, commit: 'abc1234', schema_versions: SCHEMA_VERSIONS }) };
      return { code: 0, stdout: JSON.stringify([{ stack: words[1], address: 'a', status: 'ok', cause: null, ownstack_version: VERSION, ownstack_commit: 'abc1234', schema_versions: SCHEMA_VERSIONS, message: null }]) };
    };
    const dashboard = createDashboardApp({ ctx: host.ctx, now: () => NOW, runAction, answers: { waitMs: 10 } });
    const html = await (await dashboard.request('/stacks', { headers: { Cookie: alice.cookie } })).text();
    expect(html).toContain('<td>dark</td><td><code>dokku@127.0.0.1:2299</code></td><td><span class="note">asking</span>');
    expect(html).toContain('<td>eu</td><td><code>dokku@eu.example.com</code></td><td><span class="status-succeeded">ok</span>');
    expect(html).toContain('data-asking=""');
  });
});
