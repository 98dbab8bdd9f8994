import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { log } from '../../src/lib/output/log.js';
import { liveLogId, liveLogIds, openLiveLog, readLiveLog } from '../../src/lib/releases/live-log.js';
import { reconcileRunning, type ReconcileProbes } from '../../src/lib/releases/reconcile.js';
import { FileReleaseStore } from '../../src/lib/releases/store.js';

// The log a promote/rollback/image deploy writes while it runs: append-only, owner-only, read as
// whole lines while it may grow, and kept (torn tail included) once its writer is done or dead.

let root: string;
const NOW = '2026-03-01T12:00:00.000Z';
const mode = (file: string) => fs.statSync(file).mode & 0o777;

function makeStore() {
  return new FileReleaseStore({ dir: path.join(root, 'web'), app: 'web', who: 'alice', dokkuPid: '4242' });
}

function probes(alive: boolean): ReconcileProbes {
  return {
    alive: () => alive,
    dokkuBuild: () => undefined,
    dokkuLog: () => undefined,
    now: () => NOW,
    deployLockHeld: () => false,
    servingImage: async () => undefined,
  };
}

const liveFile = (store: FileReleaseStore, id: number) => path.join(store.dir, 'logs', `${id}.log`);

beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'ownstack-live-log-'));
});
afterEach(() => {
  vi.restoreAllMocks();
  fs.rmSync(root, { recursive: true, force: true });
});

describe('the live log writer and reader', () => {
  it('appends whole lines to an owner-only file in an owner-only directory', () => {
    const writer = openLiveLog(root, 7);
    writer.line('-----> Releasing web');
    writer.line('');
    writer.line('line with émoji 🚀');
    writer.close();
    expect(fs.readFileSync(path.join(root, 'logs', '7.log'), 'utf8')).toBe('-----> Releasing web\n\nline with émoji 🚀\n');
    expect(mode(path.join(root, 'logs', '7.log'))).toBe(0o600);
    expect(mode(path.join(root, 'logs'))).toBe(0o700);
    expect(writer.complete).toBe(true);
  });

  it('only appends: a second writer of the same log (never the case, but a kill and restart) keeps what is there', () => {
    const first = openLiveLog(root, 1);
    first.line('one');
    first.close();
    const second = openLiveLog(root, 1);
    second.line('two');
    second.close();
    expect(readLiveLog(root, 1)).toBe('one\ntwo\n');
  });

  it('a torn last line (a kill mid-write) is left out while the log may grow, and kept once its writer is gone', () => {
    fs.mkdirSync(path.join(root, 'logs'));
    // the kill tore the last line inside a character: 'é' is two bytes, the first one written
    fs.writeFileSync(path.join(root, 'logs', '3.log'), Buffer.concat([Buffer.from('whole\ntorn caf'), Buffer.from('é').subarray(0, 1)]));
    expect(readLiveLog(root, 3)).toBe('whole\n');
    expect(readLiveLog(root, 3, true)).toBe('whole\ntorn caf\ufffd\n');
  });

  it('no log, an empty log and a log without any newline', () => {
    expect(readLiveLog(root, 1)).toBeUndefined();
    fs.mkdirSync(path.join(root, 'logs'));
    fs.writeFileSync(path.join(root, 'logs', '1.log'), '');
    expect(readLiveLog(root, 1)).toBe('');
    fs.writeFileSync(path.join(root, 'logs', '2.log'), 'no newline yet');
    expect(readLiveLog(root, 2)).toBe('');
    expect(readLiveLog(root, 2, true)).toBe('no newline yet\n');
  });

  it('a log that cannot be written warns once and never fails the deploy', () => {
    fs.writeFileSync(path.join(root, 'logs'), 'a file where the directory should be');
    const warn = vi.spyOn(log, 'warn').mockImplementation(() => undefined);
    const writer = openLiveLog(root, 1);
    writer.line('lost');
    writer.line('lost too');
    writer.close();
    expect(writer.complete).toBe(false);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0]?.[0]).toMatch(/^Could not write the live deploy log .*1\.log: .*; it is kept when the deploy ends$/);
  });

  it('names only live logs, never the kept copies', () => {
    expect(['1.log', '1.log.gz', '12.log', '0.log', 'x.log', '.log'].map(liveLogId)).toEqual([1, undefined, 12, undefined, undefined, undefined]);
    fs.mkdirSync(path.join(root, 'logs'));
    for (const name of ['2.log', '2.log.gz', '10.log', '1.log.gz']) fs.writeFileSync(path.join(root, 'logs', name), '');
    expect(liveLogIds(root)).toEqual([2, 10]);
  });
});

describe('the live log in the release store', () => {
  it('is what readLog gives while the release runs; the kept copy replaces it', async () => {
    const store = makeStore();
    const record = await store.create({ kind: 'promote', pid: null });
    const writer = store.openLiveLog(record.id);
    writer.line('-----> Releasing web');
    expect(store.readLog(record.id)).toBe('-----> Releasing web\n');
    expect(store.hasLiveLog(record.id)).toBe(true);
    writer.line('=====> Application deployed');
    writer.close();
    const kept = await store.keepLiveLog(record.id);
    expect(kept).toEqual({ path: 'logs/1.log.gz', text: '-----> Releasing web\n=====> Application deployed\n' });
    expect(store.hasLiveLog(record.id)).toBe(false);
    expect(store.readLog(record.id)).toBe('-----> Releasing web\n=====> Application deployed\n');
    expect(mode(path.join(store.dir, 'logs', '1.log.gz'))).toBe(0o600);
  });

  it('a kept copy wins over a live log left beside it (a kill between writing the one and removing the other)', async () => {
    const store = makeStore();
    await store.writeLog(1, 'final\n');
    fs.writeFileSync(liveFile(store, 1), 'final\n');
    expect(store.readLog(1)).toBe('final\n');
  });

  it('an empty live log keeps no log (a run that printed nothing)', async () => {
    const store = makeStore();
    store.openLiveLog(1).close();
    expect(await store.keepLiveLog(1)).toBeUndefined();
    expect(fs.readdirSync(path.join(store.dir, 'logs'))).toEqual([]);
  });
});

describe('a run killed while writing its live log', () => {
  it('its release is finished as failed at the phase it reached, and its log, torn line included, is kept', async () => {
    const store = makeStore();
    const record = await store.create({ kind: 'promote', pid: 999_999, pid_start: '1', phase: 'release' });
    const writer = store.openLiveLog(record.id);
    writer.line('-----> Running the release task');
    writer.close();
    fs.appendFileSync(liveFile(store, record.id), 'migrating ta');
    const finished = await reconcileRunning(store, probes(false));
    expect(finished.map((done) => [done.id, done.status, done.phase, done.log])).toEqual([[1, 'failed', 'release', 'logs/1.log.gz']]);
    expect(store.readLog(1)).toBe('-----> Running the release task\nmigrating ta\n');
    expect(store.hasLiveLog(1)).toBe(false);
    expect(store.runningIds()).toEqual([]);
  });

  it("its own log wins over a Dokku build log linked to its record", async () => {
    const store = makeStore();
    const record = await store.create({ kind: 'rollback', pid: 999_999, pid_start: '1', phase: 'release', build_id: 'b1' });
    store.openLiveLog(record.id).line('-----> Releasing web...');
    await reconcileRunning(store, { ...probes(false), dokkuLog: () => Buffer.from('a build log\n') });
    expect(store.readLog(1)).toBe('-----> Releasing web...\n');
  });

  it('killed after its record ended (post-deploy) and before it kept its log: the log is kept, the record is unchanged otherwise', async () => {
    const store = makeStore();
    const record = await store.create({ kind: 'rollback', pid: 999_999, pid_start: '1' });
    store.openLiveLog(record.id).line('=====> Application deployed');
    const ended = await store.update(record.id, (draft) => {
      draft.status = 'succeeded';
      draft.phase = 'postdeploy';
      draft.finished_at = NOW;
    });
    await reconcileRunning(store, probes(false));
    expect(store.get(1)).toEqual({ ...ended, log: 'logs/1.log.gz' });
    expect(store.readLog(1)).toBe('=====> Application deployed\n');
    expect(store.hasLiveLog(1)).toBe(false);
  });

  it('a live log whose writer still runs is left to it', async () => {
    const store = makeStore();
    const record = await store.create({ kind: 'rollback', pid: process.pid });
    store.openLiveLog(record.id).line('still going');
    await store.update(record.id, (draft) => void (draft.status = 'succeeded'));
    await reconcileRunning(store, probes(true));
    expect(store.hasLiveLog(1)).toBe(true);
    expect(store.get(1)?.log).toBeNull();
  });
});
