import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Context } from '../../src/lib/context.js';
import { dokkuPaths, readDokkuEnv } from '../../src/lib/dokku/env.js';
import { processAlive } from '../../src/lib/dokku/host-files.js';
import { isFileLocked } from '../../src/lib/dokku/lock.js';
import { holdDeployLockForRedeploy, releaseRedeployLock } from '../../src/lib/dokku/redeploy-lock.js';
import { reconcileProbes } from '../../src/lib/releases/trigger-support.js';

// Real processes and real flock(1): the lock outlives the process that took it (a trigger) and
// ends with the redeploy's finalize or its script.

let root: string;
let ctx: Context;
let deployScript: ChildProcess;
const children: ChildProcess[] = [];

beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'ownstack-redeploy-lock-'));
  const env = readDokkuEnv({ DOKKU_LIB_ROOT: root, DOKKU_ROOT: root });
  ctx = { env, paths: dokkuPaths(env) };
  // stands for the script Dokku runs the redeploy in (builds-record-start's PID)
  deployScript = spawn('sleep', ['60'], { stdio: 'ignore' });
  children.push(deployScript);
});
afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
  fs.rmSync(root, { recursive: true, force: true });
});

const holderFile = () => path.join(ctx.paths.ownstackApp('web'), '.deploy-lock-holder.json');
const holder = () => JSON.parse(fs.readFileSync(holderFile(), 'utf8')) as { pid: number; pid_start: string; build_id: string };

/** Resolves once `check` holds, polling; rejects after `seconds`. */
async function eventually(check: () => boolean, seconds = 10): Promise<void> {
  const deadline = Date.now() + seconds * 1000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not reached');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('the deploy lock of a redeploy Dokku runs without it', () => {
  it('stays held after the taking process let go of it, until finalize, which deletes the file and stops the holder', async () => {
    const outcome = await holdDeployLockForRedeploy(ctx, 'web', { buildId: 'b1', deployPid: deployScript.pid!, waitSeconds: 0 });
    expect(outcome).toEqual({ held: true });
    const lockFile = ctx.paths.deployLock('web');
    expect(fs.readFileSync(lockFile, 'utf8')).toBe('b1\n'); // as Dokku writes its build ID there
    expect(isFileLocked(lockFile)).toBe(true);
    const { pid, pid_start } = holder();
    expect(processAlive(pid, pid_start)).toBe(true);
    expect(fs.statSync(holderFile()).mode & 0o777).toBe(0o600);

    releaseRedeployLock(ctx, 'web', 'another-build'); // not ours: nothing happens
    expect(isFileLocked(lockFile)).toBe(true);

    releaseRedeployLock(ctx, 'web', 'b1');
    // free for the next deploy at once: the file the holder locked is gone
    expect(fs.existsSync(lockFile)).toBe(false);
    expect(isFileLocked(lockFile)).toBe(false);
    expect(fs.existsSync(holderFile())).toBe(false);
    await eventually(() => !processAlive(pid, pid_start));
  });

  it('is freed when the redeploy is killed before its finalize', async () => {
    await holdDeployLockForRedeploy(ctx, 'web', { buildId: 'b2', deployPid: deployScript.pid!, waitSeconds: 0 });
    const lockFile = ctx.paths.deployLock('web');
    expect(isFileLocked(lockFile)).toBe(true);
    deployScript.kill('SIGKILL');
    await eventually(() => !isFileLocked(lockFile));
    const { pid, pid_start } = holder();
    expect(processAlive(pid, pid_start)).toBe(false);
  });

  it('waits for a deploy that holds the lock, and gives up with a reason after the wait', async () => {
    const lockFile = ctx.paths.deployLock('web');
    fs.mkdirSync(path.dirname(lockFile), { recursive: true });
    // its own process group: the lock is the group's (sleep inherits flock's descriptor)
    const push = spawn('flock', ['--exclusive', lockFile, 'sleep', '60'], { stdio: 'ignore', detached: true });
    children.push(push);
    await eventually(() => isFileLocked(lockFile));
    const outcome = await holdDeployLockForRedeploy(ctx, 'web', { buildId: 'b3', deployPid: deployScript.pid!, waitSeconds: 0 });
    expect(outcome).toEqual({ held: false, reason: 'App web is locked by another deploy; gave up after 0s' });
    expect(fs.existsSync(holderFile())).toBe(false);

    const waiting = holdDeployLockForRedeploy(ctx, 'web', { buildId: 'b4', deployPid: deployScript.pid!, waitSeconds: 30 });
    process.kill(-push.pid!, 'SIGKILL');
    expect(await waiting).toEqual({ held: true });
    expect(holder().build_id).toBe('b4');
    expect(isFileLocked(lockFile)).toBe(true);
    releaseRedeployLock(ctx, 'web', 'b4');
  });

  it("is not taken, by the redeploy's own triggers, for a killed promotion's Dokku part still at work", async () => {
    await holdDeployLockForRedeploy(ctx, 'web', { buildId: 'b6', deployPid: deployScript.pid!, waitSeconds: 0 });
    const triggerOf = (buildId: string) => {
      const env = readDokkuEnv({ DOKKU_LIB_ROOT: root, DOKKU_ROOT: root, DOKKU_BUILD_ID: buildId });
      return reconcileProbes({ env, paths: dokkuPaths(env) }, 'web');
    };
    expect(triggerOf('b6').deployLockHeld()).toBe(false); // this deploy's own lock
    expect(triggerOf('other').deployLockHeld()).toBe(true); // another deploy's
    expect(reconcileProbes(ctx, 'web').deployLockHeld()).toBe(true); // a command, no build
    releaseRedeployLock(ctx, 'web', 'b6');
    expect(triggerOf('other').deployLockHeld()).toBe(false);
  });

  it('frees the lock at once when the holder cannot be recorded', async () => {
    // the app's store directory is a file: the holder file cannot be written
    fs.mkdirSync(path.dirname(ctx.paths.ownstackApp('web')), { recursive: true });
    fs.writeFileSync(ctx.paths.ownstackApp('web'), '');
    const outcome = await holdDeployLockForRedeploy(ctx, 'web', { buildId: 'b5', deployPid: deployScript.pid!, waitSeconds: 0 });
    expect(outcome.held).toBe(false);
    expect(outcome.held === false && outcome.reason).toMatch(/^cannot write .*\.deploy-lock-holder\.json: (EEXIST|ENOTDIR)$/);
    await eventually(() => !isFileLocked(ctx.paths.deployLock('web')));
    expect(spawnSync('pgrep', ['-f', `tail --pid=${deployScript.pid}`]).status).toBe(1);
  });
});
