import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { UserError } from '../../src/lib/output/errors.js';
import { FileReleaseStore, keepingStoreLocks } from '../../src/lib/releases/store.js';
import { isFileLocked } from '../../src/lib/dokku/lock.js';
import type { ReleaseRecord } from '../../src/lib/releases/record.js';

let root: string;

function makeStore(app = 'myapp', dir = path.join(root, 'data', 'ownstack', app)) {
  return new FileReleaseStore({ dir, app, who: 'alice', dokkuPid: '4242', processStart: () => '777', now: () => new Date('2025-01-01T00:00:00Z') });
}

beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'ownstack-releases-'));
});
afterEach(() => {
  vi.restoreAllMocks();
  fs.rmSync(root, { recursive: true, force: true });
});

const mode = (file: string) => fs.statSync(file).mode & 0o777;

describe('release IDs', () => {
  it('start at 1 and increase by one', async () => {
    const store = makeStore();
    const ids = [];
    for (let i = 0; i < 3; i++) ids.push((await store.create({ kind: 'push', pid: null })).id);
    expect(ids).toEqual([1, 2, 3]);
  });

  it('are never reused, even when the newest record file is gone', async () => {
    const store = makeStore();
    await store.create({ kind: 'push', pid: null });
    await store.create({ kind: 'push', pid: null });
    fs.rmSync(store.recordFile(2));
    expect((await store.create({ kind: 'config', pid: null })).id).toBe(3);
  });

  it('never overwrite a record when the state file lags behind (crash between the two writes)', async () => {
    const store = makeStore();
    await store.create({ kind: 'push', pid: null });
    const state = path.join(store.dir, 'state.json');
    const saved = fs.readFileSync(state, 'utf8');
    await store.create({ kind: 'push', pid: null });
    fs.writeFileSync(state, saved); // state says next is 2, but 2 exists
    expect((await store.create({ kind: 'push', pid: null })).id).toBe(3);
    expect(store.get(2)?.id).toBe(2);
  });

  it('survive a deleted state file: the next ID comes from the highest record', async () => {
    const store = makeStore();
    for (let i = 0; i < 3; i++) await store.create({ kind: 'push', pid: null });
    await store.update(2, (record) => void (record.status = 'succeeded'));
    await store.update(3, (record) => void (record.status = 'failed'));
    fs.rmSync(path.join(store.dir, 'state.json'));
    expect(store.currentId()).toBe(2);
    expect(store.runningIds()).toEqual([1]);
    expect((await store.create({ kind: 'push', pid: null })).id).toBe(4);
  });
});

describe('keepingStoreLocks', () => {
  it('holds the lock from the first write to the end of the work, lets no write interleave, then frees it', async () => {
    const store = makeStore();
    await store.create({ kind: 'push', pid: null });
    const lockFile = path.join(store.dir, '.lock');
    const heldBetween: boolean[] = [];
    await keepingStoreLocks(async () => {
      heldBetween.push(isFileLocked(lockFile)); // no write yet: not taken
      await store.update(1, (record) => void record.events.push({ at: '2025-01-01T00:00:00Z', what: 'a', who: 'x' }));
      heldBetween.push(isFileLocked(lockFile)); // another process would wait here
      // concurrent writes inside the scope still run one after the other: none is lost
      await Promise.all(
        ['b', 'c', 'd'].map((what) => store.update(1, (record) => void record.events.push({ at: '2025-01-01T00:00:00Z', what, who: 'x' }))),
      );
      await store.create({ kind: 'push', pid: null });
    });
    expect(heldBetween).toEqual([false, true]);
    expect(isFileLocked(lockFile)).toBe(false);
    expect(store.get(1)?.events.map((event) => event.what)).toEqual(['a', 'b', 'c', 'd']);
    expect(store.runningIds()).toEqual([1, 2]);
  });

  it('a failed write inside the scope fails alone, and the lock is still freed', async () => {
    const store = makeStore();
    await store.create({ kind: 'push', pid: null });
    await expect(
      keepingStoreLocks(async () => {
        await expect(store.update(1, (record) => void ((record as { status: string }).status = 'bogus'))).rejects.toThrow();
        await store.update(1, (record) => void (record.status = 'failed'));
        throw new Error('work failed');
      }),
    ).rejects.toThrow('work failed');
    expect(store.get(1)?.status).toBe('failed');
    expect(isFileLocked(path.join(store.dir, '.lock'))).toBe(false);
  });
});

describe('records', () => {
  it('fill in who, times, the creating process and a description; no config anywhere', async () => {
    const store = makeStore();
    const record = await store.create({ kind: 'push', build_id: 'abc', git_sha: '1a2b3c4d5e6f7a8b9c0d1a2b3c4d5e6f7a8b9c0d' });
    expect(record).toMatchObject({
      id: 1, app: 'myapp', kind: 'push', status: 'running', phase: 'build', who: 'alice', build_id: 'abc',
      started_at: '2025-01-01T00:00:00.000Z', finished_at: null, pid: process.pid, pid_start: '777', dokku_pid: '4242',
      description: 'Deploy 1a2b3c4', tasks: [], events: [],
    });
    expect(store.runningIds()).toEqual([1]);
  });

  it('are written atomically with mode 0600 in 0700 directories, leaving no temp files', async () => {
    const store = makeStore();
    await store.create({ kind: 'push', pid: null });
    await store.update(1, (record) => void (record.status = 'succeeded'));
    await store.writeSnapshot(1, { procfile: 'web: x', appJson: null });
    await store.writeLog(1, 'hello');
    for (const dir of ['', 'releases', 'snapshots', 'logs']) expect(mode(path.join(store.dir, dir))).toBe(0o700);
    for (const file of ['state.json', 'releases/1.json', 'snapshots/1.json', 'logs/1.log.gz']) expect(mode(path.join(store.dir, file))).toBe(0o600);
    const all = fs.readdirSync(store.dir, { recursive: true }) as string[];
    expect(all.filter((name) => /\.[0-9]+$|tmp/.test(name))).toEqual([]);
  });

  it('update leaves the running list when a record finishes', async () => {
    const store = makeStore();
    await store.create({ kind: 'push', pid: null });
    await store.create({ kind: 'push', pid: null });
    await store.update(1, (record) => void (record.status = 'failed'));
    expect(store.runningIds()).toEqual([2]);
  });

  it('update refuses a change that breaks the schema and keeps the old record', async () => {
    const store = makeStore();
    await store.create({ kind: 'push', pid: null });
    await expect(store.update(1, (record) => void ((record as { status: string }).status = 'bogus'))).rejects.toThrow();
    expect(store.get(1)?.status).toBe('running');
  });

  it('keeps at most 50 events per record', async () => {
    const store = makeStore();
    await store.create({ kind: 'push', pid: null });
    for (let i = 0; i < 3; i++) {
      await store.update(1, (record) => {
        for (let j = 0; j < 30; j++) record.events.push({ at: `t${i}-${j}`, what: 'restart', who: 'bob' });
      });
    }
    const events = store.get(1)!.events;
    expect(events).toHaveLength(50);
    expect(events.at(-1)?.at).toBe('t2-29');
  });
});

describe('corrupt and truncated records', () => {
  it('are reported by file name while every other record still lists', async () => {
    const store = makeStore();
    for (let i = 0; i < 4; i++) await store.create({ kind: 'push', pid: null });
    const full = fs.readFileSync(store.recordFile(2), 'utf8');
    fs.writeFileSync(store.recordFile(2), full.slice(0, 40)); // truncated
    fs.writeFileSync(store.recordFile(3), '{"id": 3}\n'); // valid JSON, wrong shape
    const { records, corrupt } = store.newest(10);
    expect(records.map((record) => record.id)).toEqual([4, 1]);
    expect(corrupt.map((entry) => [entry.id, entry.file])).toEqual([
      [3, store.recordFile(3)],
      [2, store.recordFile(2)],
    ]);
    expect(corrupt[1].problem).toMatch(/not valid JSON/);
    expect(() => store.get(2)).toThrow(UserError);
    expect(() => store.get(2)).toThrow(store.recordFile(2));
  });

  it('an empty record file is named too', async () => {
    const store = makeStore();
    await store.create({ kind: 'push', pid: null });
    fs.writeFileSync(store.recordFile(1), '');
    expect(store.newest(5).corrupt[0]).toMatchObject({ id: 1, problem: 'the file is empty' });
  });
});

describe('listing the newest N', () => {
  // 100,000 real record files; on tmpfs when there is one, so the fixture costs seconds, not tens.
  let bigRoot: string;
  beforeAll(() => {
    const base = fs.existsSync('/dev/shm') && fs.statSync('/dev/shm').isDirectory() ? '/dev/shm' : os.tmpdir();
    bigRoot = fs.mkdtempSync(path.join(base, 'ownstack-releases-big-'));
  });
  afterAll(() => fs.rmSync(bigRoot, { recursive: true, force: true }), 120_000);

  function seedRaw(store: FileReleaseStore, count: number) {
    // Written directly (not through create) so the test stays quick at 100,000.
    fs.mkdirSync(path.join(store.dir, 'releases'), { recursive: true });
    const base = {
      app: 'myapp', kind: 'push', status: 'succeeded', phase: 'postdeploy', reason: null, description: 'Deploy', git_sha: null,
      source: null, source_metadata: null, image_id: null, image_tag: null, builder: null, who: 'alice',
      started_at: '2025-01-01T00:00:00.000Z', finished_at: null, build_id: null, pid: null, pid_start: null, dokku_pid: null,
      promoted_from: null, rollback_of: null, tasks: [], retained_by: null, events: [], log: null,
    };
    for (let id = 1; id <= count; id++) fs.writeFileSync(store.recordFile(id), JSON.stringify({ ...base, id }));
    fs.writeFileSync(path.join(store.dir, 'state.json'), JSON.stringify({ next_id: count + 1, current_id: count, running: [] }));
  }

  function countReads(run: () => void): { reads: number; scans: number } {
    const reads = vi.spyOn(fs, 'readFileSync');
    const scans = vi.spyOn(fs, 'readdirSync');
    run();
    const result = { reads: reads.mock.calls.length, scans: scans.mock.calls.length };
    reads.mockRestore();
    scans.mockRestore();
    return result;
  }

  it('reads the same number of files with 100 or 100,000 releases, and never scans the directory', () => {
    const small = makeStore('small', path.join(bigRoot, 'small'));
    const large = makeStore('large', path.join(bigRoot, 'large'));
    seedRaw(small, 100);
    seedRaw(large, 100_000);
    let smallIds: number[] = [];
    let largeIds: number[] = [];
    const smallCost = countReads(() => (smallIds = small.newest(20).records.map((record) => record.id)));
    const largeCost = countReads(() => (largeIds = large.newest(20).records.map((record) => record.id)));
    expect(smallIds).toEqual(Array.from({ length: 20 }, (_, i) => 100 - i));
    expect(largeIds).toEqual(Array.from({ length: 20 }, (_, i) => 100_000 - i));
    expect(largeCost).toEqual(smallCost);
    expect(largeCost).toEqual({ reads: 21, scans: 0 }); // the state file, then 20 records
  }, 120_000);

  it('finds a record by build ID without reading the whole history', () => {
    const store = makeStore();
    seedRaw(store, 500);
    const cost = countReads(() => expect(store.findByBuildId('nope')).toBeUndefined());
    expect(cost.reads).toBeLessThanOrEqual(51);
  });
});

describe('snapshots and logs', () => {
  it('round-trip a snapshot', async () => {
    const store = makeStore();
    await store.create({ kind: 'push', pid: null });
    await store.writeSnapshot(1, { procfile: 'web: run\nrelease: migrate\n', appJson: '{"scripts":{}}' });
    expect(store.readSnapshot(1)).toEqual({ procfile: 'web: run\nrelease: migrate\n', appJson: '{"scripts":{}}' });
    expect(store.readSnapshot(2)).toBeUndefined();
  });

  it('keeps logs gzip-compressed and reads them back', async () => {
    const store = makeStore();
    await store.create({ kind: 'push', pid: null });
    const text = 'line\n'.repeat(1000);
    const relative = await store.writeLog(1, text);
    expect(relative).toBe('logs/1.log.gz');
    const raw = fs.readFileSync(path.join(store.dir, relative));
    expect(raw.subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b]));
    expect(raw.length).toBeLessThan(text.length / 10);
    expect(zlib.gunzipSync(raw).toString()).toBe(text);
    expect(store.readLog(1)).toBe(text);
    expect(store.readLog(2)).toBeUndefined();
  });

  it('prunes the logs older than the retention-th newest succeeded release; records stay', async () => {
    const store = makeStore();
    const statuses: ReleaseRecord['status'][] = ['succeeded', 'failed', 'succeeded', 'succeeded', 'failed', 'succeeded'];
    for (const status of statuses) {
      const record = await store.create({ kind: 'push', pid: null });
      const log = await store.writeLog(record.id, `log ${record.id}`);
      await store.update(record.id, (draft) => {
        draft.status = status;
        draft.log = log;
      });
    }
    // retention 2: the newest two succeeded are v6 and v4, so v1–v3 lose their logs; the
    // failed v5 keeps its log, newer than the cutoff.
    expect(await store.pruneLogs(2)).toEqual([1, 2, 3]);
    expect([1, 2, 3, 4, 5, 6].map((id) => store.readLog(id) !== undefined)).toEqual([false, false, false, true, true, true]);
    expect(store.get(1)?.log).toBeNull();
    expect(store.get(4)?.log).toBe('logs/4.log.gz');
    expect(store.newest(10).records).toHaveLength(6);
    expect(await store.pruneLogs(10)).toEqual([]); // fewer succeeded than retention: nothing goes
  });
});

describe('app lifecycle', () => {
  it('moves with apps:rename; records read under the new name', async () => {
    const store = makeStore('old');
    await store.create({ kind: 'push', pid: null });
    await store.setCurrent(1);
    const target = path.join(root, 'data', 'ownstack', 'new');
    expect(store.moveTo(target)).toBe(true);
    const moved = makeStore('new');
    expect(moved.currentId()).toBe(1);
    expect(moved.get(1)?.app).toBe('new');
    expect(fs.existsSync(store.dir)).toBe(false);
    expect((await moved.create({ kind: 'push', pid: null })).id).toBe(2);
  });

  it('a store that does not exist lists nothing and is removed without complaint', () => {
    const store = makeStore('ghost');
    expect(store.exists()).toBe(false);
    expect(store.newest(20)).toEqual({ records: [], corrupt: [] });
    expect(store.currentId()).toBeUndefined();
    store.destroy();
    expect(store.moveTo(path.join(root, 'x'))).toBe(false);
  });
});
