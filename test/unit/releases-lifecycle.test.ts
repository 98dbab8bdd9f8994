import { describe, expect, it } from 'vitest';
import { describeRelease, refreshDescription } from '../../src/lib/releases/describe.js';
import { atAbandoned, atDeployPhase, atFailed, atReleasePhase, atSucceeded } from '../../src/lib/releases/lifecycle.js';
import { ownstackReleaseId } from '../../src/lib/releases/linking.js';
import { finalizedByDokku, kindForBuildSource, redeployOutsideDeployLock, type ReleaseRecord } from '../../src/lib/releases/record.js';
import { sourceFacts } from '../../src/lib/releases/source.js';
import { appJsonScripts, NO_TASKS, procfileReleaseCommand, taskCommands, type TaskCommands } from '../../src/lib/releases/tasks.js';

const NOW = '2025-01-02T00:00:00.000Z';

function record(overrides: Partial<ReleaseRecord> = {}): ReleaseRecord {
  return {
    id: 2, app: 'myapp', kind: 'push', status: 'running', phase: 'build', reason: null, description: 'Deploy',
    git_sha: null, source: null, source_metadata: null, image_id: null, image_tag: null, builder: null, who: 'alice',
    started_at: '2025-01-01T00:00:00.000Z', finished_at: null, build_id: 'b1', pid: 10, pid_start: '5', dokku_pid: '9',
    promoted_from: null, rollback_of: null, tasks: [], retained_by: null, events: [], log: null, ...overrides,
  };
}

const ALL: TaskCommands = { predeploy: 'pre.sh', release: 'migrate', postdeploy: 'seed', dokkuPostdeploy: 'warm' };
const statusOf = (r: ReleaseRecord) => Object.fromEntries(r.tasks.map((task) => [task.name, task.status]));

describe('kinds', () => {
  it.each([
    ['git-hook', 'push'], ['git:sync', 'push'], ['git:from-archive', 'push'], ['git:from-image', 'image'], ['git:load-image', 'image'],
    ['ps:rebuild', 'rebuild'], ['config-redeploy', 'config'], ['deploy', 'deploy'], ['unknown', 'deploy'],
    ['ps:restart', undefined], ['ps:start', undefined],
  ])('%s → %s', (source, kind) => {
    expect(kindForBuildSource(source)).toBe(kind);
  });

  // Dokku locks only its git deploys (git_receive_app)
  it.each([
    ['config-redeploy', true], ['deploy', true], ['my-custom-source', true], [undefined, true], ['ps:restart', true], ['ps:start', true],
    ['git-hook', false], ['git:sync', false], ['git:from-archive', false], ['git:from-image', false], ['git:load-image', false],
    ['ps:rebuild', false],
  ])('a deploy from %s takes the deploy lock itself: %s', (source, takes) => {
    expect(redeployOutsideDeployLock(source)).toBe(takes);
  });

  it.each([
    ['config-redeploy', true], ['deploy', true], ['git-hook', true], ['ps:rebuild', true], ['ps:restart', false], ['ps:start', false],
  ])('Dokku finalizes a deploy from %s: %s', (source, finalized) => {
    expect(finalizedByDokku(source)).toBe(finalized);
  });

  it('describes each kind the Heroku way', () => {
    expect(describeRelease({ kind: 'push', git_sha: '1a2b3c4d5e6f' })).toBe('Deploy 1a2b3c4');
    expect(describeRelease({ kind: 'push' })).toBe('Deploy');
    expect(describeRelease({ kind: 'image', source: 'docker-image', source_metadata: 'nginx:1.25' })).toBe('Deploy image nginx:1.25');
    expect(describeRelease({ kind: 'config' })).toBe('Config change');
    expect(describeRelease({ kind: 'rebuild' })).toBe('Rebuild');
    expect(describeRelease({ kind: 'promote', promoted_from: { app: 'myapp-staging', id: 7 } })).toBe('Promote myapp-staging v7');
    expect(describeRelease({ kind: 'rollback', rollback_of: 10 })).toBe('Rollback to v10');
  });

  it('keeps the description of a promote or rollback its creator wrote', () => {
    const promote = record({ kind: 'promote', description: 'Promote staging v3', git_sha: 'abcdef0123' });
    refreshDescription(promote);
    expect(promote.description).toBe('Promote staging v3');
    const push = record({ git_sha: 'abcdef0123' });
    refreshDescription(push);
    expect(push.description).toBe('Deploy abcdef0');
  });

  it('links only OWNSTACK_RELEASE values that name this app', () => {
    expect(ownstackReleaseId('myapp', 'myapp/12')).toBe(12);
    expect(ownstackReleaseId('myapp', 'other/12')).toBeUndefined();
    expect(ownstackReleaseId('myapp', 'myapp/x')).toBeUndefined();
    expect(ownstackReleaseId('myapp', undefined)).toBeUndefined();
  });
});

describe('task commands', () => {
  it('reads the Procfile release line', () => {
    expect(procfileReleaseCommand('web: run\n# release: no\nrelease: ./migrate --all\n')).toBe('./migrate --all');
    expect(procfileReleaseCommand('web: run\n')).toBeNull();
    expect(procfileReleaseCommand(null)).toBeNull();
  });

  it('reads app.json scripts, comments and trailing commas allowed (Dokku accepts JSONC)', () => {
    const json = `{
      // tasks
      "scripts": { "dokku": { "predeploy": "a // not a comment", "postdeploy": "c", }, /* x */ "postdeploy": "b" },
    }`;
    expect(appJsonScripts(json)).toEqual({ predeploy: 'a // not a comment', postdeploy: 'b', dokkuPostdeploy: 'c' });
    expect(appJsonScripts('not json')).toEqual({ predeploy: null, postdeploy: null, dokkuPostdeploy: null });
    expect(taskCommands(null, null)).toEqual(NO_TASKS);
  });
});

describe('the signals of a deploy', () => {
  it('a full success records every task that exists, and skips the rest', () => {
    const r = record();
    const facts = { commands: { ...ALL, postdeploy: 'seed' }, firstDeploy: false };
    atReleasePhase(r, facts, 'dockerfile');
    expect(r.phase).toBe('release');
    atDeployPhase(r, facts, 'sha256:new');
    expect(r.phase).toBe('deploy');
    atSucceeded(r, facts, 'sha256:serving', NOW);
    expect(r).toMatchObject({ status: 'succeeded', phase: 'postdeploy', image_id: 'sha256:serving', finished_at: NOW, builder: 'dockerfile' });
    // Heroku's postdeploy runs on the first deploy only.
    expect(statusOf(r)).toEqual({ predeploy: 'succeeded', release: 'succeeded', postdeploy: 'skipped', 'dokku-postdeploy': 'succeeded' });
    expect(r.tasks.find((task) => task.name === 'release')).toMatchObject({ exit_code: 0, command: 'migrate' });
  });

  it('a deploy without a release phase (rollback --skip-release) ran no release task', () => {
    const r = record({ kind: 'rollback', phase: 'deploy' });
    atSucceeded(r, { commands: ALL, firstDeploy: false }, null, NOW);
    expect(statusOf(r)).toEqual({ predeploy: 'skipped', release: 'skipped', postdeploy: 'skipped', 'dokku-postdeploy': 'succeeded' });
  });

  it('a failing predeploy: finalize without our pre-release-builder → failed at release', () => {
    const r = record();
    expect(atFailed(r, { commands: ALL, firstDeploy: false, exitCode: 1, newImageServes: false }, NOW)).toEqual({ live: false });
    expect(r).toMatchObject({ status: 'failed', phase: 'release', finished_at: NOW });
    expect(r.reason).toMatch(/predeploy task failed.*\(exit 1\)/);
    expect(statusOf(r)).toEqual({ predeploy: 'failed', release: 'skipped', postdeploy: 'skipped', 'dokku-postdeploy': 'skipped' });
  });

  it('a failing release task: reached pre-release-builder only → failed at release', () => {
    const r = record();
    const facts = { commands: ALL, firstDeploy: false };
    atReleasePhase(r, facts, null);
    atFailed(r, { ...facts, exitCode: 1, newImageServes: false }, NOW);
    expect(r).toMatchObject({ status: 'failed', phase: 'release' });
    expect(r.reason).toMatch(/^release task failed \(Procfile release\)/);
    expect(statusOf(r)).toEqual({ predeploy: 'succeeded', release: 'failed', postdeploy: 'skipped', 'dokku-postdeploy': 'skipped' });
  });

  it('a failing health check: reached post-release-builder, old image still serves → failed at deploy', () => {
    const r = record();
    const facts = { commands: ALL, firstDeploy: false };
    atReleasePhase(r, facts, null);
    atDeployPhase(r, facts, 'sha256:new');
    expect(atFailed(r, { ...facts, exitCode: 1, newImageServes: false }, NOW)).toEqual({ live: false });
    expect(r).toMatchObject({ status: 'failed', phase: 'deploy' });
    expect(r.reason).toMatch(/checks/);
    expect(statusOf(r)).toEqual({ predeploy: 'succeeded', release: 'succeeded', postdeploy: 'skipped', 'dokku-postdeploy': 'skipped' });
  });

  it('a failing dokku postdeploy after the switch → failed at postdeploy, and live', () => {
    const r = record();
    const facts = { commands: ALL, firstDeploy: false };
    atDeployPhase(r, facts, 'sha256:new');
    expect(atFailed(r, { ...facts, exitCode: 1, newImageServes: true }, NOW)).toEqual({ live: true });
    expect(r).toMatchObject({ status: 'failed', phase: 'postdeploy' });
    expect(r.reason).toMatch(/live/);
    expect(statusOf(r)['dokku-postdeploy']).toBe('failed');
  });

  it('finalize fires twice: the second changes nothing', () => {
    const r = record();
    atFailed(r, { commands: ALL, firstDeploy: false, exitCode: 1, newImageServes: false }, NOW);
    const once = structuredClone(r);
    atFailed(r, { commands: ALL, firstDeploy: false, exitCode: 2, newImageServes: true }, '2030-01-01T00:00:00.000Z');
    expect(r).toEqual(once);
  });

  it('a process that died without a result fails at the phase it reached', () => {
    const killed = record({ phase: 'build' });
    atAbandoned(killed, undefined, 'remote: building...\n', NOW);
    expect(killed).toMatchObject({ status: 'failed', phase: 'build', finished_at: NOW });
    expect(killed.reason).toMatch(/ended during the build phase/);

    const buildFailed = record({ phase: 'build' });
    atAbandoned(buildFailed, { status: 'running' }, 'Step 3/4\n !     App build failed\n', NOW);
    expect(buildFailed).toMatchObject({ status: 'failed', phase: 'build', reason: 'build failed' });

    const dokkuSaysOk = record({ phase: 'deploy' });
    atAbandoned(dokkuSaysOk, { status: 'succeeded', exit_code: 0 }, undefined, NOW);
    expect(dokkuSaysOk.status).toBe('succeeded');
  });
});

describe('deploy sources', () => {
  it('take the SHA from git-push and git-sync metadata', () => {
    const sha = 'a'.repeat(40);
    expect(sourceFacts('git-push', sha)).toEqual({ source: 'git-push', metadata: sha, sha });
    expect(sourceFacts('git-sync', `https://github.com/x/y.git#${sha}`).sha).toBe(sha);
    expect(sourceFacts('docker-image', 'nginx:1.25')).toEqual({ source: 'docker-image', metadata: 'nginx:1.25', sha: null });
  });

  it('never keep credentials from a URL', () => {
    const facts = sourceFacts('git-sync', `https://user:s3cret@github.com/x/y.git#${'b'.repeat(40)}`);
    expect(facts.metadata).toBe(`https://github.com/x/y.git#${'b'.repeat(40)}`);
    expect(JSON.stringify(facts)).not.toContain('s3cret');
  });
});
