import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createContext, type Context } from '../../src/lib/context.js';
import { ABANDONED_REASON, failureReason, leftoverPid, recoverInterruptedRelease, releaseImage, type ReleaseImageRequest, type ReleaseImageSeam } from '../../src/lib/deploy/release-image.js';
import { UserError } from '../../src/lib/output/errors.js';
import { FileReleaseStore } from '../../src/lib/releases/store.js';

// releaseImage against a stand-in host: every docker, plugn and lock call is recorded in order,
// and the release store is the real one in a temporary directory.

const RUNNING = 'sha256:running';
const TARGET = 'sha256:target';

type TriggerResult = { exitCode: number; output: string };

interface Host {
  calls: string[];
  ctx: Context;
  store: FileReleaseStore;
  seam: ReleaseImageSeam;
  /** What the next trigger does: its exit code and output; may inspect the files it would read. */
  trigger: (name: string, args: string[], env: Record<string, string>) => TriggerResult | Promise<TriggerResult>;
  images: Set<string>;
  lockReleased: boolean;
}

let root: string;
let host: Host;
let stdout: string[];

beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'ownstack-release-image-'));
  const ctx = createContext({ DOKKU_ROOT: path.join(root, 'home'), DOKKU_LIB_ROOT: path.join(root, 'lib'), DOKKU_PID: '4242' });
  fs.mkdirSync(ctx.paths.appRepo('web'), { recursive: true });
  fs.writeFileSync(ctx.paths.containerFile('web'), 'c1d0000000a1\n');
  const store = new FileReleaseStore({ dir: ctx.paths.ownstackApp('web'), app: 'web', who: 'test' });
  const calls: string[] = [];
  host = {
    calls,
    ctx,
    store,
    images: new Set([RUNNING, TARGET]),
    lockReleased: false,
    trigger: () => ({ exitCode: 0, output: '-----> Releasing web\n=====> Application deployed' }),
    seam: {
      acquireFileLock: async (file, options) => {
        calls.push(`lock ${path.basename(file)} wait=${options.waitSeconds} remove=${options.removeOnRelease}`);
        return { fd: -1, release: () => { calls.push('unlock'); host.lockReleased = true; } };
      },
      imageId: async (ref) => {
        calls.push(`image ${ref}`);
        return host.images.has(ref) ? ref : undefined;
      },
      containerImage: async (id) => {
        calls.push(`container ${id}`);
        return RUNNING;
      },
      tagImage: async (source, target) => {
        calls.push(`tag ${source} ${target}`);
      },
      runTrigger: async (name, args, options) => {
        calls.push(`trigger ${name} ${args.join(' ')}`);
        const result = await host.trigger(name, args, options?.env ?? {});
        for (const line of result.output.split('\n')) options?.onLine?.(line);
        return result;
      },
      openTriggerRelay: async () => {
        calls.push('relay open');
        return { env: { OWNSTACK_TRIGGER_RELAY: 'relay-address' }, close: async () => void calls.push('relay closed') };
      },
      openStore: () => store,
      onReleaseSucceeded: async (_ctx, _store, record) => {
        calls.push(`retain v${record.id}`);
      },
      stopAbandonedTasks: async (app) => {
        calls.push(`stop tasks of ${app}`);
        return ['-----> Stopped the release task (0123abcde) of web: its deploy was abandoned'];
      },
    },
  };
  stdout = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    stdout.push(String(chunk));
    return true;
  });
});

afterEach(() => {
  vi.restoreAllMocks();
  fs.rmSync(root, { recursive: true, force: true });
});

const request = (fields: Partial<ReleaseImageRequest> = {}): ReleaseImageRequest => ({
  app: 'web',
  imageId: TARGET,
  snapshot: { procfile: 'web: serve\nrelease: migrate\n', appJson: '{"scripts":{}}' },
  release: { kind: 'rollback', description: 'Rollback to v1', rollback_of: 1 },
  lockWaitSeconds: 30,
  ...fields,
});

describe('releaseImage', () => {
  it("writes Dokku's output to the release's log as it comes, and keeps it compressed at the end", async () => {
    let whileRunning: { log?: string; mode?: number; recordLog?: string | null } = {};
    host.seam.runTrigger = async (_name, _args, options) => {
      options?.onLine?.('-----> Releasing web');
      options?.onLine?.('-----> Running the release task');
      const live = path.join(host.store.dir, 'logs', '1.log');
      whileRunning = { log: host.store.readLog(1), mode: fs.statSync(live).mode & 0o777, recordLog: host.store.get(1)?.log };
      options?.onLine?.('=====> Application deployed');
      return { exitCode: 0, output: '-----> Releasing web\n-----> Running the release task\n=====> Application deployed\n' };
    };
    await releaseImage(host.ctx, request(), host.seam);
    expect(whileRunning).toEqual({ log: '-----> Releasing web\n-----> Running the release task\n', mode: 0o600, recordLog: null });
    expect(host.store.get(1)).toMatchObject({ status: 'succeeded', log: 'logs/1.log.gz' });
    expect(host.store.readLog(1)).toBe('-----> Releasing web\n-----> Running the release task\n=====> Application deployed\n');
    expect(fs.readdirSync(path.join(host.store.dir, 'logs'))).toEqual(['1.log.gz']);
  });

  it('locks, checks the image, records, tags, installs the snapshot, releases and deploys, in that order', async () => {
    let seenFiles: { procfile?: string; appJson?: string; env?: Record<string, string> } = {};
    host.trigger = (_name, _args, env) => {
      seenFiles = {
        procfile: fs.readFileSync(host.ctx.paths.procfile('web', '4242'), 'utf8'),
        appJson: fs.readFileSync(host.ctx.paths.appJson('web', '4242'), 'utf8'),
        env,
      };
      return { exitCode: 0, output: 'deployed' };
    };
    const result = await releaseImage(host.ctx, request(), host.seam);

    expect(result.ok).toBe(true);
    expect(host.calls).toEqual([
      'lock .deploy.lock wait=30 remove=true',
      `image ${TARGET}`,
      'container c1d0000000a1',
      `tag ${TARGET} dokku/web:latest`,
      'relay open',
      'trigger release-and-deploy web latest deploy',
      // the triggers being answered in-process finish before the record is touched again
      'relay closed',
      'retain v1',
      'unlock',
    ]);
    expect(seenFiles.procfile).toBe('web: serve\nrelease: migrate\n');
    expect(seenFiles.appJson).toBe('{"scripts":{}}');
    expect(seenFiles.env).toEqual({ OWNSTACK_TRIGGER_RELAY: 'relay-address', OWNSTACK_RELEASE: 'web/1', DOKKU_PID: '4242' });
    // trap 2: the `.<pid>` copies never outlive the run
    expect(fs.existsSync(host.ctx.paths.procfile('web', '4242'))).toBe(false);
    expect(fs.existsSync(host.ctx.paths.appJson('web', '4242'))).toBe(false);

    const record = host.store.get(1)!;
    expect(record).toMatchObject({ kind: 'rollback', status: 'succeeded', rollback_of: 1, image_id: TARGET, pid: process.pid, phase: 'release' });
    expect(host.store.currentId()).toBe(1);
    // the log is kept line by line, as it was written while the release ran
    expect(host.store.readLog(1)).toBe('deployed\n');
    expect(fs.readdirSync(path.join(host.store.dir, 'logs'))).toEqual(['1.log.gz']);
  });

  it('skips predeploy and the release task with Dokku\'s deploy trigger', async () => {
    await releaseImage(host.ctx, request({ skipRelease: true }), host.seam);
    expect(host.calls).toContain('trigger deploy web latest');
    expect(host.store.get(1)?.phase).toBe('deploy');
  });

  it('on failure tags the running image as latest again and records the failure, with one line', async () => {
    host.trigger = () => ({ exitCode: 1, output: '-----> Executing release task\nboom\n !     Failure while executing release task\n' });
    const result = await releaseImage(host.ctx, request(), host.seam);

    expect(result.ok).toBe(false);
    expect(result.reason).toBe('Failure while executing release task');
    expect(host.calls.slice(-5)).toEqual([
      'trigger release-and-deploy web latest deploy',
      'relay closed',
      'container c1d0000000a1',
      `tag ${RUNNING} dokku/web:latest`,
      'unlock',
    ]);
    expect(host.store.get(1)).toMatchObject({ status: 'failed', reason: 'Failure while executing release task' });
    expect(host.store.currentId()).toBeUndefined();
    expect(fs.existsSync(host.ctx.paths.procfile('web', '4242'))).toBe(false);
    expect(host.store.readLog(1)).toContain('boom');
  });

  it('after a failure past the traffic switch, latest stays with the containers that now serve', async () => {
    host.trigger = () => {
      fs.writeFileSync(host.ctx.paths.containerFile('web'), 'c1d0000000b2\n');
      host.seam.containerImage = async (id) => (id === 'c1d0000000b2' ? 'sha256:released-child' : RUNNING);
      return { exitCode: 1, output: ' !     scripts.dokku.postdeploy failed' };
    };
    const tags: string[] = [];
    const tag = host.seam.tagImage;
    host.seam.tagImage = async (source, target) => {
      tags.push(source);
      return tag(source, target);
    };
    await releaseImage(host.ctx, request(), host.seam);
    expect(tags).toEqual([TARGET, 'sha256:released-child']);
  });

  it('does not undo a deploy the triggers already recorded as succeeded', async () => {
    host.trigger = async () => {
      await host.store.update(1, (stored) => {
        stored.status = 'succeeded';
      });
      return { exitCode: 1, output: ' !     scripts.dokku.postdeploy failed' };
    };
    const result = await releaseImage(host.ctx, request(), host.seam);
    // post-deploy ran: the new containers serve, so the record stays succeeded
    expect(host.store.get(1)?.status).toBe('succeeded');
    expect(result.ok).toBe(true);
  });

  it('refuses a missing image before recording anything, and unlocks', async () => {
    host.images.delete(TARGET);
    await expect(releaseImage(host.ctx, request(), host.seam)).rejects.toThrow(UserError);
    expect(host.store.newest(5).records).toEqual([]);
    expect(host.calls).toEqual(['lock .deploy.lock wait=30 remove=true', `image ${TARGET}`, 'unlock']);
  });

  it("marks an app.json the release did not have as missing, Dokku's way, and cleans up after", async () => {
    const appJson = host.ctx.paths.appJson('web', '4242');
    fs.mkdirSync(path.dirname(appJson), { recursive: true });
    fs.writeFileSync(appJson, '{"stale":true}');
    let seen = { appJson: true, marker: false };
    host.trigger = () => {
      seen = { appJson: fs.existsSync(appJson), marker: fs.existsSync(`${appJson}.missing`) };
      return { exitCode: 1, output: '' };
    };
    await releaseImage(host.ctx, request({ snapshot: { procfile: 'web: serve\n', appJson: null } }), host.seam);
    expect(seen).toEqual({ appJson: false, marker: true });
    expect(fs.readdirSync(path.dirname(appJson))).toEqual([]);
  });

  it('a tagging failure is a recorded failure, not a crash, and still unlocks', async () => {
    host.seam.tagImage = async (source, target) => {
      host.calls.push(`tag ${source} ${target}`);
      if (source === TARGET) throw new Error('docker image tag failed: no space left');
    };
    const result = await releaseImage(host.ctx, request(), host.seam);
    expect(result).toMatchObject({ ok: false, reason: 'docker image tag failed: no space left' });
    expect(host.calls).not.toContain('trigger release-and-deploy web latest deploy');
    expect(host.lockReleased).toBe(true);
  });

  it('prefixes streamed lines for parallel promotions', async () => {
    await releaseImage(host.ctx, request({ outputPrefix: 'web: ' }), host.seam);
    const written = stdout.join('');
    expect(written).toContain('web: -----> Releasing web\n');
  });
});

describe('a requester that goes away (a host that asked over ssh and hung up)', () => {
  /** A release whose Dokku part runs until stopped; `atPhase` moves the record as our triggers would. */
  const stoppableTrigger = (atPhase: 'release' | 'deploy', stopped: string[]) => {
    host.seam.runTrigger = async (name, _args, options) => {
      host.calls.push(`trigger ${name}`);
      await host.store.update(1, (stored) => {
        stored.phase = atPhase;
      });
      requesterGone.abort();
      if (!options?.stop?.aborted) return { exitCode: 0, output: 'finished' };
      stopped.push(name);
      options.onLine?.('-----> Executing release task');
      return { exitCode: 143, output: '-----> Executing release task\n' };
    };
  };
  let requesterGone: AbortController;
  beforeEach(() => {
    requesterGone = new AbortController();
  });

  it('during the release phase: Dokku is stopped, the old release stays current and latest on it, the record says why', async () => {
    const stopped: string[] = [];
    stoppableTrigger('release', stopped);
    const result = await releaseImage(host.ctx, request({ requesterGone: requesterGone.signal }), host.seam);
    expect(stopped).toEqual(['release-and-deploy']);
    expect(result.ok).toBe(false);
    expect(host.store.get(1)).toMatchObject({ status: 'failed', phase: 'release', reason: ABANDONED_REASON });
    expect(host.store.currentId()).toBeUndefined();
    expect(host.calls.slice(-2)).toEqual([`tag ${RUNNING} dokku/web:latest`, 'unlock']);
  });

  it('during the release phase: the task container Dokku was waiting for is stopped before the record is written, and its lines are in the deploy log', async () => {
    const stopped: string[] = [];
    stoppableTrigger('release', stopped);
    let since: Date | undefined;
    const before = new Date();
    host.seam.stopAbandonedTasks = async (app, started) => {
      since = started;
      host.calls.push(`stop tasks of ${app}`);
      expect(host.store.get(1)?.status).toBe('running');
      return ['-----> Stopped the release task (0123abcde) of web: its deploy was abandoned'];
    };
    await releaseImage(host.ctx, request({ requesterGone: requesterGone.signal }), host.seam);
    expect(host.calls).toContain('stop tasks of web');
    expect(host.calls.indexOf('stop tasks of web')).toBeGreaterThan(host.calls.indexOf('trigger release-and-deploy'));
    // the tasks counted as this deploy's are those created once Dokku's part had started
    expect(since!.getTime()).toBeGreaterThanOrEqual(before.getTime());
    const log = host.store.readLog(1) ?? '';
    expect(log).toContain('-----> Executing release task\n-----> Stopped the release task (0123abcde) of web: its deploy was abandoned');
  });

  it('a deploy that fails on its own, its requester still there, stops no task container', async () => {
    host.trigger = () => ({ exitCode: 1, output: ' !     Execution of release task failed: migrate' });
    const result = await releaseImage(host.ctx, request({ requesterGone: requesterGone.signal }), host.seam);
    expect(result.reason).toBe('Execution of release task failed: migrate');
    expect(host.calls).not.toContain('stop tasks of web');
  });

  it('past the release phase: the deploy finishes', async () => {
    const stopped: string[] = [];
    stoppableTrigger('deploy', stopped);
    const result = await releaseImage(host.ctx, request({ requesterGone: requesterGone.signal }), host.seam);
    expect(stopped).toEqual([]);
    expect(host.calls).not.toContain('stop tasks of web');
    expect(result.ok).toBe(true);
    expect(host.store.get(1)?.status).toBe('succeeded');
  });

  it('gone while the image was being obtained: recorded as abandoned, Dokku never starts', async () => {
    const result = await releaseImage(
      host.ctx,
      request({
        imageId: undefined,
        snapshot: undefined,
        requesterGone: requesterGone.signal,
        obtain: async () => {
          requesterGone.abort();
          return { imageId: TARGET, snapshot: { procfile: 'web: serve\n', appJson: null } };
        },
      }),
      host.seam,
    );
    expect(result).toMatchObject({ ok: false, reason: ABANDONED_REASON });
    expect(host.store.get(1)).toMatchObject({ status: 'failed', phase: 'build', reason: ABANDONED_REASON });
    expect(host.calls.some((call) => call.startsWith('trigger'))).toBe(false);
  });

  it('gone before the lock was ours: refused, nothing recorded', async () => {
    requesterGone.abort();
    await expect(releaseImage(host.ctx, request({ requesterGone: requesterGone.signal }), host.seam)).rejects.toThrow(/disconnected before the deploy started/);
    expect(host.store.newest(5).records).toEqual([]);
    expect(host.lockReleased).toBe(true);
  });

  it('without a requester to watch, Dokku is never made stoppable', async () => {
    let stoppable: boolean | undefined;
    host.seam.runTrigger = async (_name, _args, options) => {
      stoppable = options?.stop !== undefined;
      return { exitCode: 0, output: '' };
    };
    await releaseImage(host.ctx, request(), host.seam);
    expect(stoppable).toBe(false);
  });
});

describe('leftovers of a killed run', () => {
  it("recognises Dokku's per-process copies and markers only", () => {
    expect(leftoverPid('Procfile.4242')).toBe(4242);
    expect(leftoverPid('app.json.17.missing')).toBe(17);
    expect(leftoverPid('Procfile')).toBeUndefined();
    expect(leftoverPid('Procfile.tmp')).toBeUndefined();
    expect(leftoverPid('app.json.0')).toBeUndefined();
  });

  it('removes the copies of a dead process before deploying, and keeps those of a live one', async () => {
    const dir = path.dirname(host.ctx.paths.procfile('web'));
    fs.mkdirSync(dir, { recursive: true });
    // a pid far above pid_max cannot be alive
    fs.writeFileSync(path.join(dir, 'Procfile.999999999'), 'web: stale\n');
    fs.writeFileSync(path.join(dir, `Procfile.${process.ppid}`), 'web: live\n');
    await releaseImage(host.ctx, request(), host.seam);
    expect(fs.readdirSync(dir).sort()).toEqual([`Procfile.${process.ppid}`]);
  });
});

describe('recoverInterruptedRelease', () => {
  it('points latest back at what serves, under the deploy lock', async () => {
    host.images.add('dokku/web:latest'); // the stand-in resolves a ref to itself: not RUNNING
    await recoverInterruptedRelease(host.ctx, 'web', host.seam);
    expect(host.calls).toEqual([
      'lock .deploy.lock wait=0 remove=true',
      'container c1d0000000a1',
      'image dokku/web:latest',
      `tag ${RUNNING} dokku/web:latest`,
      'unlock',
    ]);
  });

  it("goes on under the caller's own deploy lock (a redeploy Dokku runs without it: the lock file names its build)", async () => {
    host.images.add('dokku/web:latest');
    host.seam.acquireFileLock = async () => {
      throw new UserError('App web is locked by another deploy');
    };
    fs.mkdirSync(path.dirname(host.ctx.paths.deployLock('web')), { recursive: true });
    fs.writeFileSync(host.ctx.paths.deployLock('web'), 'build-7\n');
    const ownDeploy = { ...host.ctx, env: { ...host.ctx.env, buildId: 'build-7' } };
    await recoverInterruptedRelease(ownDeploy, 'web', host.seam);
    expect(host.calls).toEqual(['container c1d0000000a1', 'image dokku/web:latest', `tag ${RUNNING} dokku/web:latest`]);

    // another build's lock: left alone
    host.calls.length = 0;
    await recoverInterruptedRelease({ ...host.ctx, env: { ...host.ctx.env, buildId: 'build-8' } }, 'web', host.seam);
    expect(host.calls).toEqual([]);
  });

  it('leaves latest alone while a deploy holds the lock', async () => {
    host.seam.acquireFileLock = async () => {
      throw new UserError('App web is locked by another deploy');
    };
    await recoverInterruptedRelease(host.ctx, 'web', host.seam);
    expect(host.calls).toEqual([]);
  });
});

describe('failureReason', () => {
  it("takes Dokku's last ! line", () => {
    expect(failureReason('a\n !     first\nb\n !     last one  \n', 'x', 1)).toBe('last one');
  });
  it('falls back to the exit code', () => {
    expect(failureReason('plain output', 'plugn trigger deploy', 3)).toBe('plugn trigger deploy exited with code 3');
  });
});
