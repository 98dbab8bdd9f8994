import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { acquireFileLock } from '../../src/lib/dokku/lock.js';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ownstack-lock-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Holds the lock the way Dokku's acquire_advisory_lock does: flock(1) on a file. */
function holdWithFlock(file: string) {
  const child = spawn('flock', ['--exclusive', file, 'sleep', '30'], { stdio: 'ignore' });
  for (let i = 0; i < 50 && spawnSync('flock', ['--nonblock', file, 'true']).status === 0; i++) {
    spawnSync('sleep', ['0.05']);
  }
  return child;
}

describe('acquireFileLock', () => {
  it('is exclusive against flock(1), as Dokku takes it', async () => {
    const file = path.join(dir, '.deploy.lock');
    const lock = await acquireFileLock(file, { waitSeconds: 0, what: 'App web' });
    expect(spawnSync('flock', ['--nonblock', file, 'true']).status).toBe(1);
    lock.release();
    expect(spawnSync('flock', ['--nonblock', file, 'true']).status).toBe(0);
  });

  it('fails fast with one clear line when held and wait is 0', async () => {
    const file = path.join(dir, '.deploy.lock');
    const holder = holdWithFlock(file);
    try {
      await expect(acquireFileLock(file, { waitSeconds: 0, what: 'App web' })).rejects.toThrow(/App web is locked by another deploy; gave up after 0s/);
    } finally {
      holder.kill('SIGKILL');
    }
  });

  it('waits for a holder that goes away, even when it deletes the file as Dokku does', async () => {
    const file = path.join(dir, '.deploy.lock');
    const holder = spawn('bash', ['-c', `exec 200>"${file}"; flock 200; sleep 0.5; rm -f "${file}"; flock -u 200`], { stdio: 'ignore' });
    spawnSync('sleep', ['0.2']);
    const lock = await acquireFileLock(file, { waitSeconds: 10, what: 'App web', owner: 'build-1', removeOnRelease: true });
    // We hold the file that is at the path now, so a newcomer cannot slip in.
    expect(fs.readFileSync(file, 'utf8')).toBe('build-1\n');
    expect(spawnSync('flock', ['--nonblock', file, 'true']).status).toBe(1);
    lock.release();
    expect(fs.existsSync(file)).toBe(false);
    holder.kill();
  });

  it('is free again once the process group of a killed holder is gone (kill -9 of a push)', async () => {
    const file = path.join(dir, 'store.lock');
    const holder = spawn('flock', ['--exclusive', file, 'sleep', '30'], { stdio: 'ignore', detached: true });
    for (let i = 0; i < 50 && spawnSync('flock', ['--nonblock', file, 'true']).status === 0; i++) spawnSync('sleep', ['0.05']);
    await expect(acquireFileLock(file, { waitSeconds: 0, what: 'store' })).rejects.toThrow(/locked/);
    const exited = new Promise((resolve) => holder.on('exit', resolve));
    process.kill(-holder.pid!, 'SIGKILL');
    await exited;
    const lock = await acquireFileLock(file, { waitSeconds: 5, what: 'store' });
    lock.release();
  });
});

describe('releasing a lock that a child inherited', () => {
  it('frees it at once, even while the child lives on (as Dokku does with flock -u)', async () => {
    const file = path.join(dir, '.deploy.lock');
    const lock = await acquireFileLock(file, { waitSeconds: 0, what: 'App web', sharedWithChildren: true });
    // A long-lived descendant holding a copy of the descriptor, like Dokku's background retire job.
    const child = spawn('sleep', ['30'], { stdio: ['ignore', 'ignore', 'ignore', lock.fd] });
    try {
      lock.release();
      expect(spawnSync('flock', ['--nonblock', file, 'true']).status).toBe(0);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('a lock never handed to a child is freed by closing our descriptor alone', async () => {
    const file = path.join(dir, 'store.lock');
    const lock = await acquireFileLock(file, { waitSeconds: 0, what: 'store' });
    // meanwhile a child is started: our descriptors are close-on-exec, so it holds nothing
    const child = spawn('sleep', ['30'], { stdio: 'ignore' });
    try {
      expect(spawnSync('flock', ['--nonblock', file, 'true']).status).toBe(1);
      lock.release();
      expect(spawnSync('flock', ['--nonblock', file, 'true']).status).toBe(0);
    } finally {
      child.kill('SIGKILL');
    }
  });
});
