import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { processAlive, processStartTime } from '../../src/lib/dokku/host-files.js';
import { reconcileRunning, type ReconcileProbes } from '../../src/lib/releases/reconcile.js';
import { FileReleaseStore } from '../../src/lib/releases/store.js';
import { acquireFileLock } from '../../src/lib/dokku/lock.js';
import { log } from '../../src/lib/output/log.js';

let root: string;
const NOW = '2025-01-02T00:00:00.000Z';

function makeStore() {
  return new FileReleaseStore({ dir: path.join(root, 'myapp'), app: 'myapp', who: 'alice', dokkuPid: '4242', processStart: processStartTime });
}

function probes(overrides: Partial<ReconcileProbes> = {}): ReconcileProbes {
  return {
    alive: () => false,
    dokkuBuild: () => undefined,
    dokkuLog: () => undefined,
    now: () => NOW,
    deployLockHeld: () => false,
    servingImage: async () => undefined,
    ...overrides,
  };
}

beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'ownstack-reconcile-'));
});
afterEach(() => {
  vi.restoreAllMocks();
  fs.rmSync(root, { recursive: true, force: true });
});

describe('reconciling running records', () => {
  it('fails a record whose process is gone, at the phase it reached, and keeps Dokku\'s log', async () => {
    const store = makeStore();
    await store.create({ kind: 'push', pid: 999_999, pid_start: '1', build_id: 'b1' });
    await store.update(1, (record) => void (record.phase = 'release'));
    const finished = await reconcileRunning(store, probes({ dokkuLog: () => Buffer.from('build output\n') }));
    expect(finished.map((record) => [record.id, record.status, record.phase])).toEqual([[1, 'failed', 'release']]);
    expect(store.get(1)).toMatchObject({ status: 'failed', phase: 'release', finished_at: NOW, log: 'logs/1.log.gz' });
    expect(store.readLog(1)).toBe('build output\n');
    expect(store.runningIds()).toEqual([]);
  });

  it('makes a killed promotion current when its image already serves (killed after the switch)', async () => {
    const store = makeStore();
    await store.create({ kind: 'push', pid: null });
    await store.update(1, (record) => void (record.status = 'succeeded'));
    await store.setCurrent(1);
    await store.create({ kind: 'promote', pid: 999_999, image_id: 'sha256:new' });
    await store.update(2, (record) => void (record.phase = 'deploy'));
    const finished = await reconcileRunning(store, probes({ servingImage: async () => 'sha256:new' }));
    expect(finished.map((record) => [record.id, record.status, record.phase])).toEqual([[2, 'failed', 'postdeploy']]);
    expect(store.get(2)?.reason).toMatch(/this release is live/);
    expect(store.currentId()).toBe(2);
  });

  it('does not make a killed release current when the old image still serves', async () => {
    const store = makeStore();
    await store.create({ kind: 'push', pid: null });
    await store.update(1, (record) => void (record.status = 'succeeded'));
    await store.setCurrent(1);
    await store.create({ kind: 'rollback', pid: 999_999, image_id: 'sha256:new' });
    await store.update(2, (record) => void (record.phase = 'deploy'));
    await reconcileRunning(store, probes({ servingImage: async () => 'sha256:old' }));
    expect(store.get(2)).toMatchObject({ status: 'failed', phase: 'deploy' });
    expect(store.currentId()).toBe(1);
  });

  it('waits while a dead promotion\'s deploy lock is held: its Dokku part may still be finishing', async () => {
    const store = makeStore();
    await store.create({ kind: 'promote', pid: 999_999 });
    expect(await reconcileRunning(store, probes({ deployLockHeld: () => true }))).toEqual([]);
    expect(store.get(1)?.status).toBe('running');
    expect(await reconcileRunning(store, probes({ deployLockHeld: () => false }))).toHaveLength(1);
  });

  it('never abandons the record of the deploy the caller is part of', async () => {
    const store = makeStore();
    await store.create({ kind: 'promote', pid: 999_999 });
    expect(await reconcileRunning(store, probes(), { skipId: 1 })).toEqual([]);
    expect(store.get(1)?.status).toBe('running');
  });

  it('leaves a record alone while its process runs', async () => {
    const store = makeStore();
    await store.create({ kind: 'push', pid: 1234, pid_start: '55' });
    expect(await reconcileRunning(store, probes({ alive: (pid, start) => pid === 1234 && start === '55' }))).toEqual([]);
    expect(store.get(1)?.status).toBe('running');
  });

  it('believes Dokku\'s builds record when it says the deploy succeeded', async () => {
    const store = makeStore();
    await store.create({ kind: 'push', pid: 999_999, build_id: 'b1' });
    await reconcileRunning(store, probes({ dokkuBuild: (id) => (id === 'b1' ? { status: 'succeeded', exit_code: 0 } : undefined) }));
    expect(store.get(1)?.status).toBe('succeeded');
  });

  it('reads only the state file when nothing is running', async () => {
    const store = makeStore();
    for (let i = 0; i < 30; i++) await store.create({ kind: 'push', pid: null });
    for (let id = 1; id <= 30; id++) await store.update(id, (record) => void (record.status = 'succeeded'));
    const reads = vi.spyOn(fs, 'readFileSync');
    await reconcileRunning(store, probes());
    expect(reads.mock.calls.map((call) => path.basename(String(call[0])))).toEqual(['state.json']);
  });

  it('drops IDs from the running list whose record is missing or already finished', async () => {
    const store = makeStore();
    await store.create({ kind: 'push', pid: null });
    await store.create({ kind: 'push', pid: null });
    fs.rmSync(store.recordFile(2));
    await reconcileRunning(store, probes({ alive: () => true }));
    expect(store.runningIds()).toEqual([1]);
  });
});

describe('reconciling while another process creates a record', () => {
  // create() lists the new ID in state.json, then writes the record, both under the store lock.
  // A reconcile in another process reads without the lock and may come in between: it sees a
  // running ID with no record yet. Dropping that ID for good left pushes refused by the deploy
  // lock `running` forever (issue 9). This replays that interleaving step by step.
  it('keeps a listed ID whose record appears while it waited for the lock, and finishes it next time', async () => {
    const store = makeStore();
    await store.create({ kind: 'push', pid: null });
    await store.update(1, (record) => void (record.status = 'succeeded'));
    // the creating process, half-way: state written, record not yet, lock held
    const creator = await acquireFileLock(path.join(store.dir, '.lock'), { waitSeconds: 0, what: 'test' });
    const stateFile = path.join(store.dir, 'state.json');
    const state = JSON.parse(fs.readFileSync(stateFile, 'utf8'));
    fs.writeFileSync(stateFile, JSON.stringify({ ...state, next_id: 3, running: [2] }));
    const waiting = new Promise<void>((resolve) => vi.spyOn(log, 'step').mockImplementation(() => resolve()));
    const reconciling = reconcileRunning(store, probes());
    await waiting; // the reconcile found no record for v2 and now waits for the store lock
    const pending = { ...store.get(1)!, id: 2, status: 'running', pid: 999_999, pid_start: '1', finished_at: null };
    fs.writeFileSync(store.recordFile(2), JSON.stringify(pending));
    creator.release();
    await reconciling;
    expect(store.runningIds()).toEqual([2]);
    expect(store.get(2)?.status).toBe('running');
    // the creator's process is gone: the next look finishes the record
    await reconcileRunning(store, probes());
    expect(store.get(2)?.status).toBe('failed');
    expect(store.runningIds()).toEqual([]);
  });
});

describe('process liveness', () => {
  it('knows a live process, and a reused pid with another start time is not it', async () => {
    const child = spawn('sleep', ['30']);
    try {
      const start = processStartTime(child.pid!);
      expect(start).toMatch(/^[0-9]+$/);
      expect(processAlive(child.pid!, start!)).toBe(true);
      expect(processAlive(child.pid!, String(Number(start) + 1))).toBe(false);
    } finally {
      child.kill('SIGKILL');
    }
    await new Promise((resolve) => child.on('exit', resolve));
    expect(processAlive(child.pid!, null)).toBe(false);
  });

  it('a record created without a pid of its own lives as long as its dokku process', async () => {
    const store = makeStore();
    await store.create({ kind: 'push', pid: null });
    const alive = vi.fn(() => true);
    await reconcileRunning(store, probes({ alive }));
    expect(alive).toHaveBeenCalledWith(4242, null);
    expect(store.get(1)?.status).toBe('running');
  });
});
