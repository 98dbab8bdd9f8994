import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { whoDeployed } from '../../src/lib/identity/who.js';
import { publicPipeline } from '../../src/lib/pipelines/model.js';
import { confirmationLines, heldImages, leftoversByApp, summary } from '../../src/lib/purge/plan.js';
import { PUBLIC_RELEASE_KEYS, publicRelease } from '../../src/lib/releases/public.js';
import { FileReleaseStore } from '../../src/lib/releases/store.js';
import { assertReadableVersion, declaredVersion, SCHEMA_VERSION } from '../../src/lib/schema-version.js';
import { refusal, releaseRecord } from './support.js';

const repo = path.resolve(import.meta.dirname, '../..');

/** The backticked names in the first column of the table under a docs/json.md heading. */
function documentedFields(heading: string): string[] {
  const doc = fs.readFileSync(path.join(repo, 'docs/json.md'), 'utf8');
  const section = doc.slice(doc.indexOf(heading)).split('\n## ')[0];
  return section.split('\n').filter((line) => line.startsWith('| `')).flatMap((line) => [...line.split('|')[1].matchAll(/`([a-z_]+)`/g)].map((m) => m[1]));
}

const full = releaseRecord({
  id: 3, kind: 'promote', pid: 123, pid_start: '9', dokku_pid: '44', log: 'logs/3.log.gz', retained_by: 'ownstack-retain.myapp.v3',
  image_tag: 'ownstack/myapp:v3', events: [{ at: '2025-01-01T00:00:00.000Z', what: 'restart', who: 'bob' }], schema_version: 1,
  promoted_from: { app: 'myapp-staging', id: 7 }, image_id: 'sha256:a',
  tasks: [{ name: 'release', status: 'succeeded', exit_code: 0, command: './migrate' }],
});

describe('the public release object', () => {
  it('has exactly the documented keys, in order, and none of the bookkeeping', () => {
    const shown = publicRelease(full, { currentId: 3, expired: false });
    expect(Object.keys(shown)).toEqual([...PUBLIC_RELEASE_KEYS]);
    for (const internal of ['pid', 'pid_start', 'dokku_pid', 'log', 'retained_by', 'events', 'image_tag', 'schema_version']) {
      expect(shown).not.toHaveProperty(internal);
    }
    expect(Object.keys(shown.tasks[0])).toEqual(['name', 'status', 'exit_code', 'command']);
    expect(shown.promoted_from).toEqual({ app: 'myapp-staging', id: 7, host: null });
  });

  it('is what docs/json.md documents, field for field', () => {
    expect(new Set(documentedFields('## The release object'))).toEqual(new Set(PUBLIC_RELEASE_KEYS));
  });

  it('is a pure function of the record and what the caller knows', () => {
    const record = releaseRecord({ id: 2, image_id: 'sha256:gone' });
    expect(publicRelease(record, { currentId: 3, expired: true })).toMatchObject({ current: false, expired: true, status: 'succeeded', display_status: 'expired' });
    // the current release and a failed one are never expired, whatever the caller says
    expect(publicRelease(record, { currentId: 2, expired: true })).toMatchObject({ current: true, expired: false, display_status: 'succeeded' });
    expect(publicRelease(releaseRecord({ status: 'failed' }), { currentId: undefined, expired: true })).toMatchObject({ expired: false, display_status: 'failed' });
    // a copy: changing the output never changes the record
    const shown = publicRelease(full, { currentId: 3, expired: false });
    shown.tasks[0].command = 'changed';
    expect(full.tasks[0].command).toBe('./migrate');
  });

  it('a pipeline shows its name, creation time, the four stages and its settings, nothing else', () => {
    const shown = publicPipeline({ name: 'shop', created_at: 'x', stages: { review: [], development: [], staging: ['a'], production: ['b'] }, extra: 1 } as never);
    expect(Object.keys(shown)).toEqual(['name', 'created_at', 'stages', 'settings']);
    expect(shown.settings).toEqual({});
    expect(Object.keys(shown.stages)).toEqual(['review', 'development', 'staging', 'production']);
  });
});

describe('WHO', () => {
  const local = { unixUser: 'dokku' };
  it('is the ssh key name when a key pushed', () => {
    expect(whoDeployed({ ...local, sshName: 'alice-laptop', sshUser: 'dokku' })).toBe('alice-laptop');
  });
  it("names a local caller, not Dokku's 'default'", () => {
    expect(whoDeployed({ ...local, sshName: 'default', sshUser: 'root' })).toBe('root (local)');
    expect(whoDeployed({ unixUser: 'root' })).toBe('root (local)');
  });
  it('is the user who typed sudo', () => {
    expect(whoDeployed({ ...local, sshName: 'default', sshUser: 'root', sudoUser: 'alice' })).toBe('alice (sudo)');
    // sudo -u dokku by alice: no switch by Dokku, SUDO_USER kept
    expect(whoDeployed({ unixUser: 'dokku', sshName: 'default', sudoUser: 'alice' })).toBe('alice (sudo)');
  });
  it("is the login user when Dokku's own sudo hid the first one", () => {
    const facts = { ...local, sshName: 'default', sshUser: 'root', sudoUser: 'root' };
    expect(whoDeployed({ ...facts, loginUser: () => 'alice' })).toBe('alice (login)');
    expect(whoDeployed({ ...facts, loginUser: () => 'root' })).toBe('root (local)');
    expect(whoDeployed({ ...facts, loginUser: () => undefined })).toBe('root (local)');
  });
  it('never looks up the login user when a key or sudo already names the person', () => {
    const loginUser = () => {
      throw new Error('looked up');
    };
    expect(whoDeployed({ ...local, sshName: 'ci', loginUser })).toBe('ci');
    expect(whoDeployed({ ...local, sshUser: 'root', sudoUser: 'alice', loginUser })).toBe('alice (sudo)');
  });
});

describe('schema versions', () => {
  let root: string | undefined;
  afterEach(() => {
    if (root) fs.rmSync(root, { recursive: true, force: true });
    root = undefined;
  });

  it("a file without a version is 0.1.0's, version 1", () => {
    expect(declaredVersion({ next_id: 1 }, 'schema_version')).toBe(1);
    expect(declaredVersion({ schema_version: 4 }, 'schema_version')).toBe(4);
    expect(declaredVersion(undefined, 'schema_version')).toBe(1);
  });

  it('reads every version up to its own and refuses a newer one in one line that names it', () => {
    for (const version of [1, SCHEMA_VERSION, 'x', null, 1.5]) expect(() => assertReadableVersion(version, 'The store')).not.toThrow();
    expect(refusal(() => assertReadableVersion(SCHEMA_VERSION + 1, 'The store'))).toBe(
      `The store was written by a newer ownstack (schema version ${SCHEMA_VERSION + 1}; this ownstack reads up to ${SCHEMA_VERSION}): upgrade ownstack, nothing was changed`,
    );
  });

  it('a store writes its version into the state and every record it writes', async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'ownstack-schema-'));
    const store = new FileReleaseStore({ dir: path.join(root, 'app'), app: 'app', who: 'alice' });
    const record = await store.create({ kind: 'push', pid: null });
    expect(JSON.parse(fs.readFileSync(store.recordFile(record.id), 'utf8')).schema_version).toBe(SCHEMA_VERSION);
    expect(JSON.parse(fs.readFileSync(path.join(root, 'app', 'state.json'), 'utf8')).schema_version).toBe(SCHEMA_VERSION);
  });

  it('a store with a newer state refuses to write, before it makes even its lock file', async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'ownstack-schema-'));
    const dir = path.join(root, 'app');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'state.json'), JSON.stringify({ schema_version: SCHEMA_VERSION + 1, next_id: 1, current_id: null, running: [] }));
    const store = new FileReleaseStore({ dir, app: 'app', who: 'alice' });
    await expect(store.create({ kind: 'push', pid: null })).rejects.toThrow(/schema version/);
    expect(fs.readdirSync(dir)).toEqual(['state.json']);
  });
});

describe('purge plan', () => {
  const holder = (app: string, id: number, image: string) => ({ app, name: `ownstack-retain.${app}.v${id}`, releaseId: id, imageId: image });

  it('gathers stores and holders per app, including apps that have only one of them', () => {
    const leftovers = leftoversByApp(['b', 'a'], [holder('a', 1, 'sha256:1'), holder('c', 2, 'sha256:2'), holder('a', 2, 'sha256:1')]);
    expect(leftovers.map((entry) => [entry.app, entry.hasStore, entry.holders.length])).toEqual([['a', true, 2], ['b', true, 0], ['c', false, 1]]);
    expect(heldImages(leftovers)).toEqual(['sha256:1', 'sha256:2']);
  });

  it("says what it removed, and asks as apps:destroy asks", () => {
    const leftovers = leftoversByApp(['a'], [holder('a', 1, 'sha256:1')]);
    expect(summary(leftovers, 0, 1)).toBe('Removed 1 release history, 1 image holder and 0 retained images (1 still in use, left alone)');
    expect(summary(leftovers, 2, 0)).toBe('Removed 1 release history, 1 image holder and 2 retained images');
    expect(confirmationLines('a', 'x')).toEqual(['WARNING: Potentially Destructive Action', 'This command will remove x.', 'To proceed, type "a"']);
  });
});
