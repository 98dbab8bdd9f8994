import fs from 'node:fs';
import path from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import type { Context } from '../context.js';
import * as docker from '../dokku/docker.js';
import { acquireFileLock } from '../dokku/lock.js';
import { runTrigger } from '../dokku/plugn.js';
import { openTriggerRelay, type TriggerRelay } from '../dokku/trigger-relay.js';
import { lastErrorLine, UserError } from '../output/errors.js';
import { log } from '../output/log.js';
import type { ReleaseRecord } from '../releases/record.js';
import type { NewRelease, ReleaseStore, Snapshot } from '../releases/store-api.js';
import { openStore } from '../releases/store.js';
import type { LiveLogWriter } from '../releases/live-log.js';
import { onReleaseSucceeded, servingImage } from '../retention/index.js';
import { deployLockIsThisDeploys, webContainerImage } from '../dokku/host-files.js';
import { stopAbandonedTasks } from './abandoned-tasks.js';

// Deploys an image that already exists to an app through Dokku's own release path, for promote
// and rollback (dokku-verified.md, "Promotion and rollback mechanics"): Dokku then relabels it
// for the app, runs predeploy and the release task with the app's config, checks and switches
// traffic exactly as for a git push, minus the build.

export interface ReleaseImageRequest {
  /** The app to deploy to (validated, exists). */
  app: string;
  /** `sha256:…` of the image to deploy, when it is on this host already. */
  imageId?: string;
  /** The Procfile and app.json to install with it (or from `obtain`). */
  snapshot?: Snapshot;
  /**
   * Gets the image once the lock is held and the record exists (an image deploy pulls it here),
   * so that a failure to get it is recorded as this release's failure, at phase `build`.
   */
  obtain?: (record: ReleaseRecord) => Promise<ObtainedImage>;
  /** The record to create: kind 'promote' | 'rollback', description, git_sha, … */
  release: NewRelease;
  /** Rollback --skip-release: no predeploy, no release task (Dokku's `deploy` trigger). */
  skipRelease?: boolean;
  lockWaitSeconds: number;
  /** Prefixes every output line, e.g. "myapp-prod: " for parallel promotions. */
  outputPrefix?: string;
  /** Called once the lock is held and the record exists, before Dokku starts: refusals print nothing before theirs. */
  onStart?: (record: ReleaseRecord) => void;
  /**
   * Aborted when whoever asked for this deploy is gone (a host that requested it over ssh and hung
   * up). Until the traffic switch nothing has changed for users, so a deploy still in its build or
   * release phase is abandoned there and the old release keeps serving; a later one finishes.
   */
  requesterGone?: AbortSignal;
}

/** Why a deploy was abandoned when its requester went away. */
export const ABANDONED_REASON = 'abandoned: the requesting host disconnected before the traffic switch';

export interface ObtainedImage {
  imageId: string;
  snapshot: Snapshot;
  /** Facts for the record learnt on the way (digest, SHA from the image's labels, …). */
  facts?: Partial<Pick<ReleaseRecord, 'git_sha' | 'source' | 'source_metadata' | 'description' | 'image_digest'>>;
}

export interface ReleaseImageResult {
  ok: boolean;
  record: ReleaseRecord;
  reason?: string;
}

/** Everything releaseImage does outside its own process, so tests can stand in for the host. */
export interface ReleaseImageSeam {
  acquireFileLock: typeof acquireFileLock;
  imageId: typeof docker.imageId;
  containerImage: typeof docker.containerImage;
  tagImage: typeof docker.tagImage;
  runTrigger: typeof runTrigger;
  openTriggerRelay: () => Promise<TriggerRelay | undefined>;
  openStore: (ctx: Context, app: string) => ReleaseStore;
  onReleaseSucceeded: (ctx: Context, store: ReleaseStore, record: ReleaseRecord) => Promise<void>;
  /** Stops the task containers an abandoned deploy's Dokku part started; lines for its deploy log. */
  stopAbandonedTasks: (app: string, since: Date) => Promise<string[]>;
}

const defaultSeam: ReleaseImageSeam = {
  acquireFileLock,
  imageId: docker.imageId,
  containerImage: docker.containerImage,
  tagImage: docker.tagImage,
  runTrigger,
  openTriggerRelay: () => openTriggerRelay(),
  openStore,
  onReleaseSucceeded: (ctx, store, record) => onReleaseSucceeded(ctx, store, record),
  stopAbandonedTasks: (app, since) => stopAbandonedTasks(app, since),
};

/** The one line a failed deploy is summed up by: Dokku's last ` !` line, else the exit code. */
export function failureReason(output: string, what: string, exitCode: number): string {
  return lastErrorLine(output) ?? `${what} exited with code ${exitCode}`;
}

const shortId = (id: string) => id.replace(/^sha256:/, '').slice(0, 12);

export async function releaseImage(
  ctx: Context,
  request: ReleaseImageRequest,
  seam: ReleaseImageSeam = defaultSeam,
): Promise<ReleaseImageResult> {
  const { app } = request;
  const prefix = request.outputPrefix ?? '';

  // Dokku's own per-app deploy lock, shared with git push, so nothing else deploys meanwhile.
  // flock dies with our process, so even kill -9 cannot leave it held.
  const lock = await seam.acquireFileLock(ctx.paths.deployLock(app), {
    waitSeconds: request.lockWaitSeconds,
    what: `App ${app}`,
    owner: ctx.env.buildId ?? ctx.env.dokkuPid,
    removeOnRelease: true,
    sharedWithChildren: true, // Dokku's part inherits it as fd 3
  });
  const stopDokku = new AbortController();
  let abandoned = false;
  let stopWhenRequesterGone: (() => void) | undefined;
  let liveLog: LiveLogWriter | undefined;
  try {
    if (request.requesterGone?.aborted) throw new UserError(`The request to deploy ${app} was abandoned: the requesting host disconnected before the deploy started`);
    // release-and-deploy prints an error and exits 0 when the image is missing, so look first.
    let imageId: string | undefined;
    if (!request.obtain) {
      imageId = request.imageId ? await seam.imageId(request.imageId) : undefined;
      if (!imageId) {
        throw new UserError(`Image ${shortId(request.imageId ?? '')} no longer exists on this host; it cannot be deployed to ${app}`);
      }
    }

    // A run killed with -9 cannot clean up after itself; the next one, under the same lock, does.
    removeLeftoversOfDeadProcesses(ctx, app);

    // What serves now, so a failure can point `latest` back at it (trap 1). Read before we tag.
    const previous = await servingImage(ctx, app, seam);

    const store = seam.openStore(ctx, app);
    const releasePhase = request.skipRelease ? 'deploy' : 'release';
    let record = await store.create({
      phase: request.obtain ? 'build' : releasePhase,
      ...request.release,
      image_id: request.release.image_id ?? imageId ?? null,
      pid: process.pid,
    });
    // Dokku's output goes to the release's log as it comes (ownstack:deploy-log, the dashboard);
    // the compressed copy written at the end replaces it.
    liveLog = store.openLiveLog(record.id);
    request.onStart?.(record);
    if (request.requesterGone) {
      const deployId = record.id;
      stopWhenRequesterGone = () => {
        const phase = store.get(deployId)?.phase;
        if (phase !== 'build' && phase !== 'release') return; // past the switch, or about to: it finishes
        abandoned = true;
        stopDokku.abort();
      };
      if (request.requesterGone.aborted) stopWhenRequesterGone();
      else request.requesterGone.addEventListener('abort', stopWhenRequesterGone, { once: true });
    }
    let snapshot = request.snapshot;
    if (request.obtain) {
      let obtained: ObtainedImage;
      try {
        obtained = await request.obtain(record);
        if (abandoned) throw new Error(ABANDONED_REASON);
      } catch (error) {
        const reason = (error as Error).message.split('\n')[0];
        record = await store.update(record.id, (stored) => {
          stored.status = 'failed';
          stored.reason = reason;
          stored.finished_at = new Date().toISOString();
        });
        await store.keepLiveLog(record.id);
        return { ok: false, record, reason };
      }
      imageId = obtained.imageId;
      snapshot = obtained.snapshot;
      record = await store.update(record.id, (stored) => {
        Object.assign(stored, obtained.facts ?? {});
        stored.image_id = obtained.imageId;
        stored.phase = releasePhase;
      });
    }
    if (!imageId || !snapshot) throw new Error('releaseImage needs an image and a snapshot');
    const what = request.skipRelease ? 'plugn trigger deploy' : 'plugn trigger release-and-deploy';

    const pidFiles = [ctx.paths.procfile(app, ctx.env.dokkuPid), ctx.paths.appJson(app, ctx.env.dokkuPid)];
    const leftovers = pidFiles.flatMap((file) => [file, `${file}.missing`]);
    let output = '';
    let ok = false;
    let reason: string | undefined;
    const interrupted = trapInterrupts();
    try {
      await seam.tagImage(imageId, `dokku/${app}:latest`);
      await installSnapshot(pidFiles, snapshot);
      // Our triggers inside Dokku's part are answered here rather than by new processes; closing
      // waits for any being answered, so none is still writing this record after Dokku returns.
      const relay = await seam.openTriggerRelay();
      const dokkuStarted = new Date();
      let run;
      try {
        run = await seam.runTrigger(
          request.skipRelease ? 'deploy' : 'release-and-deploy',
          request.skipRelease ? [app, 'latest'] : [app, 'latest', 'deploy'],
          {
            // Our own triggers update this record instead of starting another; DOKKU_PID names the
            // `.<pid>` Procfile and app.json Dokku reads.
            env: { ...relay?.env, OWNSTACK_RELEASE: `${app}/${record.id}`, DOKKU_PID: ctx.env.dokkuPid },
            onLine: (line) => {
              liveLog?.line(line);
              log.out(`${prefix}${line}`);
            },
            inheritFd: lock.fd,
            ...(request.requesterGone ? { stop: stopDokku.signal } : {}),
          },
        );
      } finally {
        await relay?.close();
      }
      output = run.output;
      // Dokku's exit code decides, even when we were signalled meanwhile: it deployed or it did not.
      ok = run.exitCode === 0;
      // Stopping Dokku left the task it was waiting for running in its container.
      if (!ok && abandoned) {
        const stopped = await seam.stopAbandonedTasks(app, dokkuStarted);
        for (const line of stopped) liveLog?.line(line);
        output = [output.replace(/\n+$/, ''), ...stopped].filter(Boolean).join('\n');
      }
      if (!ok) reason = abandoned ? ABANDONED_REASON : interrupted.signal ? `interrupted by ${interrupted.signal}` : failureReason(output, what, run.exitCode);
    } catch (error) {
      ok = false;
      reason = (error as Error).message.split('\n')[0];
    } finally {
      // Dokku promotes the `.<pid>` copies (and `.missing` markers) only on success and leaves
      // them behind on failure (trap 2); a later command of this Dokku process would read them.
      for (const file of leftovers) fs.rmSync(file, { force: true });
    }

    if (!ok) {
      // Dokku leaves `latest` on the image that failed (trap 1); the next ps:restart or
      // config:set would deploy it. Point it back at what serves: usually what served before,
      // but a failure after the traffic switch (scripts.dokku.postdeploy) leaves the new
      // containers serving, and then latest must stay with them.
      const serving = (await webContainerImage(ctx, app, seam.containerImage)) ?? previous;
      if (serving) {
        try {
          await seam.tagImage(serving, `dokku/${app}:latest`);
        } catch (error) {
          log.warn(`Could not tag the running image ${shortId(serving)} as dokku/${app}:latest again: ${(error as Error).message.split('\n')[0]}`);
        }
      }
    }
    interrupted.restore();

    // The live log, line by line, is what the dashboard showed while it ran: kept as it is, so
    // the page's lines are a prefix of the final log. Only a live log that lost lines gives way
    // to Dokku's output as captured.
    liveLog.close();
    const logPath = liveLog.complete ? (await store.keepLiveLog(record.id))?.path : output ? await store.writeLog(record.id, output) : undefined;
    if (logPath) {
      record = await store.update(record.id, (stored) => {
        stored.log = logPath;
      });
    }

    if (!ok) {
      record = await store.update(record.id, (stored) => {
        if (stored.status === 'succeeded') return; // post-deploy already ran: it serves
        stored.status = 'failed';
        // Our triggers (builds-record-finalize) may have said more precisely what failed; an
        // abandoned deploy failed because we stopped it, whatever Dokku's scripts said on the way.
        if (abandoned) stored.reason = ABANDONED_REASON;
        else stored.reason ??= reason ?? 'failed';
        stored.finished_at ??= new Date().toISOString();
      });
      if (record.status === 'succeeded') return { ok: true, record };
      return { ok: false, record, reason: record.reason ?? reason };
    }

    record = await store.update(record.id, (stored) => {
      if (stored.status !== 'running') return;
      stored.status = 'succeeded';
      stored.reason = null;
      stored.finished_at ??= new Date().toISOString();
    });
    if (store.currentId() !== record.id && record.status === 'succeeded') await store.setCurrent(record.id);
    if (record.status === 'succeeded' && !record.retained_by) {
      await seam.onReleaseSucceeded(ctx, store, record);
      record = store.get(record.id) ?? record;
    }
    return { ok: record.status === 'succeeded', record, reason: record.status === 'succeeded' ? undefined : record.reason ?? undefined };
  } finally {
    liveLog?.close();
    if (stopWhenRequesterGone) request.requesterGone?.removeEventListener('abort', stopWhenRequesterGone);
    lock.release();
  }
}

/**
 * After a promote or rollback was killed (-9) mid-deploy: Dokku may have left `latest` on an image
 * whose release never finished (trap 1 with nobody left to undo it), and its `.<pid>` copies
 * behind (trap 2). For the history's reconciliation to call when it finds such a record dead, at
 * the start of a deploy (builds-record-start), before that deploy touches `latest`; never from a
 * read-only command, where a lockless config:set could be between its release and its deploy.
 * Does nothing while another deploy holds the deploy lock: that deploy sets `latest` itself. The
 * caller's own deploy may hold it already (a config:set's redeploy, redeploy-lock.ts).
 */
export async function recoverInterruptedRelease(ctx: Context, app: string, seam: ReleaseImageSeam = defaultSeam): Promise<void> {
  removeLeftoversOfDeadProcesses(ctx, app);
  let lock: { release(): void };
  try {
    lock = await seam.acquireFileLock(ctx.paths.deployLock(app), { waitSeconds: 0, what: `App ${app}`, removeOnRelease: true });
  } catch {
    if (!deployLockIsThisDeploys(ctx, app)) return;
    lock = { release: () => undefined };
  }
  try {
    const serving = await webContainerImage(ctx, app, seam.containerImage);
    if (serving && (await seam.imageId(`dokku/${app}:latest`)) !== serving) await seam.tagImage(serving, `dokku/${app}:latest`);
  } finally {
    lock.release();
  }
}

/** `Procfile.<pid>`, `app.json.<pid>` and their `.missing` markers: the pid, else undefined. */
export function leftoverPid(name: string): number | undefined {
  const match = /^(?:Procfile|app\.json)\.([1-9][0-9]{0,9})(?:\.missing)?$/.exec(name);
  return match ? Number(match[1]) : undefined;
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Dokku reads `.<pid>` copies before the plain files, so a copy left by a killed run would be
 * read by any later Dokku process that happens to get the same pid. Copies of a live process
 * (a config:set deploying right now takes no lock) are left alone.
 */
function removeLeftoversOfDeadProcesses(ctx: Context, app: string): void {
  for (const dir of [path.dirname(ctx.paths.procfile(app)), path.dirname(ctx.paths.appJson(app))]) {
    let names: string[];
    try {
      names = fs.readdirSync(dir);
    } catch {
      continue;
    }
    for (const name of names) {
      const pid = leftoverPid(name);
      if (pid !== undefined && !processExists(pid)) fs.rmSync(path.join(dir, name), { force: true });
    }
  }
}

async function installSnapshot([procfile, appJson]: string[], snapshot: Snapshot): Promise<void> {
  for (const [file, content] of [[procfile, snapshot.procfile], [appJson, snapshot.appJson]] as const) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    if (content === null) {
      // The release had none. Dokku's own marker for that (core-post-extract writes it when the
      // source has no such file) makes readers see none instead of falling back to the plain
      // file of the release serving now, and core-post-deploy then removes the plain file.
      fs.rmSync(file, { force: true });
      fs.writeFileSync(`${file}.missing`, '', { mode: 0o600 });
      continue;
    }
    fs.rmSync(`${file}.missing`, { force: true });
    await writeFileAtomic(file, content, { mode: 0o600 });
  }
}

/**
 * Until restored, SIGINT/SIGTERM/SIGHUP do not kill us at once: the trigger (in our process
 * group) gets the signal too and stops, and we still put `latest` back and record the failure.
 */
function trapInterrupts(): { signal?: string; restore(): void } {
  const state: { signal?: string; restore(): void } = {
    restore() {
      for (const signal of signals) process.off(signal, onSignal);
    },
  };
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
  const onSignal = (signal: NodeJS.Signals) => {
    state.signal = signal;
  };
  for (const signal of signals) process.on(signal, onSignal);
  return state;
}
