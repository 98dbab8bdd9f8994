import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

// The trigger modules end to end, in-process, against a temporary Dokku layout. Docker finds no
// such images here (or is absent), so image IDs stay null; retention and pipelines are other
// modules' business and are replaced by spies.
vi.mock('../../src/lib/retention/index.js', () => ({
  onReleaseSucceeded: vi.fn(async () => undefined),
  onAppDestroyed: vi.fn(async () => undefined),
  onAppRenamed: vi.fn(async () => undefined),
}));
vi.mock('../../src/lib/pipelines/lookup.js', () => ({
  pipelineOfApp: vi.fn(() => undefined),
  forgetApp: vi.fn(async () => undefined),
  renameApp: vi.fn(async () => undefined),
}));

const { createContext } = await import('../../src/lib/context.js');
const { runTriggerHandler } = await import('../../src/triggers/index.js');
const { openStore } = await import('../../src/lib/releases/store.js');
const retention = await import('../../src/lib/retention/index.js');
const pipelines = await import('../../src/lib/pipelines/lookup.js');

let root: string;
let env: Record<string, string>;
const SHA = '1a2b3c4d5e6f7a8b9c0d1a2b3c4d5e6f7a8b9c0d';
const APP = 'myapp';

const ctx = () => createContext(env);
const trigger = (name: string, ...args: string[]) => runTriggerHandler(ctx(), name, args);
const store = () => openStore(ctx(), APP);
const dataFile = (...parts: string[]) => path.join(root, 'lib', 'data', ...parts);

function write(file: string, text: string) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
}

function startDeploy(buildId: string, source: string) {
  env.DOKKU_BUILD_ID = buildId;
  env.DOKKU_BUILD_SOURCE = source;
  env.DOKKU_BUILD_LOG_FILE = dataFile('builds', APP, `${buildId}.log`);
  write(env.DOKKU_BUILD_LOG_FILE, `output of ${buildId}\n`);
}

/** A successful git push, trigger by trigger, as Dokku fires them (SUMMARY.md §2.4). */
async function push(buildId: string, sha = SHA) {
  startDeploy(buildId, 'git-hook');
  expect(await trigger('builds-record-start', APP, buildId, String(process.pid), 'git-hook')).toBe(0);
  await trigger('pre-receive-app', APP, 'dockerfile', '/tmp/build', sha);
  await trigger('pre-release-builder', 'dockerfile', APP, `dokku/${APP}:latest`);
  expect(await trigger('post-release-builder', 'dockerfile', APP, `dokku/${APP}:latest`)).toBe(0);
  fs.copyFileSync(dataFile('ps', APP, `Procfile.${env.DOKKU_PID}`), dataFile('ps', APP, 'Procfile')); // core-post-deploy
  await trigger('post-deploy', APP, '', '', 'latest');
  await trigger('builds-record-finalize', APP, buildId, '0');
  await trigger('builds-record-finalize', APP, buildId, '0');
  await trigger('deploy-source-set', APP, 'git-push', sha);
}

beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'ownstack-triggers-'));
  env = { DOKKU_ROOT: path.join(root, 'home'), DOKKU_LIB_ROOT: path.join(root, 'lib'), DOKKU_PID: String(process.pid), SSH_NAME: 'alice', SSH_USER: 'dokku' };
  fs.mkdirSync(path.join(root, 'home', APP), { recursive: true });
  write(dataFile('ps', APP, `Procfile.${process.pid}`), 'web: serve\nrelease: ./migrate\n');
  vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  delete process.env.OWNSTACK_RELEASE;
});
afterEach(() => {
  vi.restoreAllMocks();
  delete process.env.OWNSTACK_RELEASE;
  fs.rmSync(root, { recursive: true, force: true });
});

describe('a git push', () => {
  it('records a succeeded push with SHA, who, builder, tasks, snapshot and log; it becomes current', async () => {
    await push('b1');
    const record = store().get(1)!;
    expect(record).toMatchObject({
      kind: 'push', status: 'succeeded', phase: 'postdeploy', git_sha: SHA, who: 'alice', builder: 'dockerfile',
      build_id: 'b1', source: 'git-push', source_metadata: SHA, description: 'Deploy 1a2b3c4', log: 'logs/1.log.gz',
    });
    expect(record.tasks.find((task) => task.name === 'release')).toMatchObject({ status: 'succeeded', command: './migrate' });
    expect(store().currentId()).toBe(1);
    expect(store().readSnapshot(1)?.procfile).toBe('web: serve\nrelease: ./migrate\n');
    expect(store().readLog(1)).toBe('output of b1\n');
    expect(retention.onReleaseSucceeded).toHaveBeenCalledOnce();
  });

  it('knows its source when it succeeds, before deploy-source-set: the release.end notification carries it', async () => {
    startDeploy('b1', 'git-hook');
    await trigger('builds-record-start', APP, 'b1', String(process.pid), 'git-hook');
    await trigger('pre-receive-app', APP, 'dockerfile', '/tmp/build', SHA);
    await trigger('pre-release-builder', 'dockerfile', APP, `dokku/${APP}:latest`);
    await trigger('post-release-builder', 'dockerfile', APP, `dokku/${APP}:latest`);
    expect(store().get(1)).toMatchObject({ status: 'running', source: null, source_metadata: null });
    await trigger('post-deploy', APP, '', '', 'latest');
    expect(store().get(1)).toMatchObject({ status: 'succeeded', source: 'git-push', source_metadata: SHA });
    await trigger('deploy-source-set', APP, 'git-push', SHA);
    expect(store().get(1)).toMatchObject({ source: 'git-push', source_metadata: SHA });
  });

  it("a review app's first push whose environments.review.env cannot be applied is warned about and still recorded", async () => {
    const { createPipeline, addApp, emptyPipelines } = await import('../../src/lib/pipelines/model.js');
    const { updatePipelines } = await import('../../src/lib/pipelines/store.js');
    await updatePipelines(ctx().paths, () => ({ file: addApp(createPipeline(emptyPipelines(), 'p', 'prd', 'now'), 'p', APP, 'review'), result: undefined }));
    const source = path.join(root, 'build');
    write(path.join(source, 'app.json'), JSON.stringify({ environments: { review: { env: { PIN: '0042' } } } }));
    const warnings: string[] = [];
    vi.mocked(process.stderr.write).mockImplementation((chunk) => (warnings.push(String(chunk)), true));
    startDeploy('b1', 'git-hook');
    await trigger('builds-record-start', APP, 'b1', String(process.pid), 'git-hook');
    await trigger('pre-receive-app', APP, 'dockerfile', source, SHA);
    expect(warnings.join('')).toContain('pre-receive-app: app.json environments.review.env.PIN: the value is a number with a sign or leading zeros');
    expect(store().get(1)).toMatchObject({ status: 'running', git_sha: SHA, builder: 'dockerfile' });
  });

  it('a git:sync learns its source from deploy-source-set only (the remote is not known before)', async () => {
    startDeploy('s1', 'git:sync');
    await trigger('builds-record-start', APP, 's1', String(process.pid), 'git:sync');
    await trigger('pre-receive-app', APP, 'dockerfile', '/tmp/build', SHA);
    await trigger('post-deploy', APP, '', '', 'latest');
    expect(store().get(1)).toMatchObject({ status: 'succeeded', source: null });
    await trigger('deploy-source-set', APP, 'git-sync', `https://example.com/r.git#${SHA}`);
    expect(store().get(1)).toMatchObject({ source: 'git-sync', source_metadata: `https://example.com/r.git#${SHA}` });
  });

  it('a failing release task: failed at release, the log kept, the previous release still current', async () => {
    await push('b1');
    startDeploy('b2', 'git-hook');
    await trigger('builds-record-start', APP, 'b2', String(process.pid), 'git-hook');
    await trigger('pre-receive-app', APP, 'dockerfile', '/tmp/build', 'f'.repeat(40));
    await trigger('pre-release-builder', 'dockerfile', APP, `dokku/${APP}:latest`);
    await trigger('builds-record-finalize', APP, 'b2', '1');
    await trigger('builds-record-finalize', APP, 'b2', '1');
    expect(store().get(2)).toMatchObject({ status: 'failed', phase: 'release', git_sha: 'f'.repeat(40), source: null });
    expect(store().get(2)?.reason).toMatch(/release task failed/);
    expect(store().readLog(2)).toBe('output of b2\n');
    expect(store().currentId()).toBe(1);
  });

  it('a build failure (no finalize, the hook process gone) fails at build on the next touch', async () => {
    startDeploy('b1', 'git-hook');
    await trigger('builds-record-start', APP, 'b1', '999999', 'git-hook');
    write(env.DOKKU_BUILD_LOG_FILE, 'Step 2/3\n !     App build failed\n');
    // The next command that touches the app (here a new deploy) finishes the dead one.
    startDeploy('b2', 'git-hook');
    await trigger('builds-record-start', APP, 'b2', String(process.pid), 'git-hook');
    expect(store().get(1)).toMatchObject({ status: 'failed', phase: 'build', reason: 'build failed' });
    expect(store().readLog(1)).toContain('App build failed');
  });
});

describe('other deploys', () => {
  it('config:set is a config release carrying the current SHA; ps:restart is an event, not a release', async () => {
    await push('b1');
    startDeploy('b2', 'config-redeploy');
    await trigger('builds-record-start', APP, 'b2', String(process.pid), 'config-redeploy');
    await trigger('pre-release-builder', 'dockerfile', APP, `dokku/${APP}:latest`);
    await trigger('post-release-builder', 'dockerfile', APP, `dokku/${APP}:latest`);
    await trigger('post-deploy', APP, '', '', 'latest');
    await trigger('builds-record-finalize', APP, 'b2', '0');
    expect(store().get(2)).toMatchObject({ kind: 'config', status: 'succeeded', git_sha: SHA, description: 'Config change' });

    startDeploy('b3', 'ps:restart');
    await trigger('builds-record-start', APP, 'b3', String(process.pid), 'ps:restart');
    await trigger('post-deploy', APP, '', '', 'latest');
    expect(store().newest(10).records.map((record) => record.id)).toEqual([2, 1]);
    expect(store().get(2)?.events).toEqual([expect.objectContaining({ what: 'restart', who: 'alice' })]);
  });

  it('ps:rebuild and git:from-image get their kinds', async () => {
    for (const [id, source, kind] of [['r1', 'ps:rebuild', 'rebuild'], ['i1', 'git:from-image', 'image']]) {
      startDeploy(id, source);
      await trigger('builds-record-start', APP, id, String(process.pid), source);
      await trigger('post-deploy', APP, '', '', 'latest');
      expect(store().findByBuildId(id)).toMatchObject({ kind, status: 'succeeded' });
    }
    await trigger('deploy-source-set', APP, 'docker-image', 'nginx:1.25');
    expect(store().get(2)?.description).toBe('Deploy image nginx:1.25');
  });

  it('an ownstack promote links to the record it made (OWNSTACK_RELEASE) instead of making one', async () => {
    const promote = await store().create({ kind: 'promote', promoted_from: { app: 'staging', id: 7 }, phase: 'release' });
    process.env.OWNSTACK_RELEASE = `${APP}/${promote.id}`;
    startDeploy('p1', 'deploy');
    await trigger('builds-record-start', APP, 'p1', String(process.pid), 'deploy');
    await trigger('pre-release-builder', 'dockerfile', APP, `dokku/${APP}:latest`);
    await trigger('post-release-builder', 'dockerfile', APP, `dokku/${APP}:latest`);
    await trigger('post-deploy', APP, '', '', 'latest');
    await trigger('builds-record-finalize', APP, 'p1', '0');
    expect(store().newest(10).records).toHaveLength(1);
    expect(store().get(promote.id)).toMatchObject({ kind: 'promote', build_id: 'p1', status: 'succeeded', description: 'Promote staging v7', log: null });
    expect(store().currentId()).toBe(promote.id);
  });
});

describe('never breaking a deploy by accident', () => {
  it('post-release-builder stops the deploy when the record cannot be written; the others warn and exit 0', async () => {
    write(dataFile('ownstack', APP), 'not a directory'); // the store cannot be created
    startDeploy('b1', 'git-hook');
    expect(await trigger('builds-record-start', APP, 'b1', String(process.pid), 'git-hook')).toBe(0);
    expect(await trigger('pre-release-builder', 'dockerfile', APP, `dokku/${APP}:latest`)).toBe(0);
    expect(await trigger('post-release-builder', 'dockerfile', APP, `dokku/${APP}:latest`)).toBe(1);
    expect(await trigger('post-deploy', APP, '', '', 'latest')).toBe(0);
    expect(await trigger('builds-record-finalize', APP, 'b1', '1')).toBe(0);
    const lines = (process.stderr.write as unknown as { mock: { calls: unknown[][] } }).mock.calls.map((call) => String(call[0]));
    expect(lines.some((line) => line.startsWith(' !     ownstack: cannot record the release of myapp'))).toBe(true);
  });

  it('a hostile app argument is refused with a warning, not a crash', async () => {
    expect(await trigger('builds-record-start', '../x', 'b1', '1', 'git-hook')).toBe(0);
    expect(fs.existsSync(dataFile('ownstack'))).toBe(false);
  });
});

describe('the app lifecycle', () => {
  it('apps:rename moves the history; apps:destroy removes it after releasing images and pipelines', async () => {
    await push('b1');
    expect(await trigger('post-app-rename-setup', APP, 'renamed')).toBe(0);
    expect(fs.existsSync(dataFile('ownstack', APP))).toBe(false);
    expect(openStore(ctx(), 'renamed').get(1)).toMatchObject({ app: 'renamed', git_sha: SHA });
    expect(pipelines.renameApp).toHaveBeenCalledWith(expect.anything(), APP, 'renamed');
    expect(retention.onAppRenamed).toHaveBeenCalledWith(expect.anything(), APP, 'renamed');

    expect(await trigger('post-delete', 'renamed', 'latest')).toBe(0);
    expect(fs.existsSync(dataFile('ownstack', 'renamed'))).toBe(false);
    expect(retention.onAppDestroyed).toHaveBeenCalledWith(expect.anything(), 'renamed');
    expect(pipelines.forgetApp).toHaveBeenCalledWith(expect.anything(), 'renamed');
  });
});
