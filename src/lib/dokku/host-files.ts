import fs from 'node:fs';
import path from 'node:path';
import type { Context } from '../context.js';
import type { DokkuBuildRecord } from '../releases/lifecycle.js';
import type { Snapshot } from '../releases/store-api.js';
import { triggerScope } from './trigger-scope.js';

// Part of the seam: a read-only window on the host for the release history, /proc and Dokku's
// own files found through ctx.paths. Nothing is written and no process runs; lib/releases
// receives what these return as arguments, so it is unit-tested without a host.

/** Field 22 of /proc/<pid>/stat (start time in clock ticks since boot), or undefined if gone. */
export function processStartTime(pid: number): string | undefined {
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  let stat: string;
  try {
    stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name (field 2) is in parentheses and may itself contain spaces or ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state); a zombie has finished its work.
  if (fields[0] === 'Z') return undefined;
  return fields[19];
}

/** The process is the one we recorded: alive, and not a later process given the same pid. */
export function processAlive(pid: number | null, pidStart: string | null): boolean {
  if (pid === null) return false;
  const start = processStartTime(pid);
  if (start === undefined) return false;
  return pidStart === null || start === pidStart;
}

/**
 * The app's deploy lock file names the build this process belongs to (Dokku writes its build ID
 * there for a push; a redeploy's holder, redeploy-lock.ts, does the same): whoever holds the lock
 * now, it is this deploy's own, not another deploy at work.
 */
export function deployLockIsThisDeploys(ctx: Context, app: string): boolean {
  if (ctx.env.buildId === undefined) return false;
  try {
    return fs.readFileSync(ctx.paths.deployLock(app), 'utf8').trim() === ctx.env.buildId;
  } catch {
    return false;
  }
}

function readText(file: string): string | null {
  // a replayed trigger reads the files its note carries as they were when it fired
  const noted = triggerScope()?.notedFiles;
  const normalized = noted && path.normalize(file);
  if (noted && normalized !== undefined && noted.has(normalized)) return noted.get(normalized) ?? null;
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}

/**
 * Whether `buildId` has the shape of a Dokku build ID (a short word of letters, digits, `.`, `_`
 * and `-`): only such an ID names a file under data/builds or is written into the deploy lock.
 */
export function isDokkuBuildId(buildId: string | null | undefined): buildId is string {
  return typeof buildId === 'string' && /^[A-Za-z0-9._-]{1,100}$/.test(buildId);
}

/** Dokku's builds record (data/builds/APP/<id>.json) for the same deploy, when there is one. */
export function dokkuBuildRecord(ctx: Context, app: string, buildId: string | null): DokkuBuildRecord | undefined {
  if (!isDokkuBuildId(buildId)) return undefined;
  const text = readText(ctx.paths.buildRecord(app, buildId));
  if (!text) return undefined;
  try {
    const data = JSON.parse(text) as { status?: unknown; exit_code?: unknown };
    if (typeof data.status !== 'string') return undefined;
    return { status: data.status, exit_code: typeof data.exit_code === 'number' ? data.exit_code : undefined };
  } catch {
    return undefined;
  }
}

/** The deploy's full log: DOKKU_BUILD_LOG_FILE inside a deploy, else Dokku's builds log. */
export function dokkuBuildLog(ctx: Context, app: string, buildId: string | null, logFile?: string): Buffer | undefined {
  const candidates = [logFile, isDokkuBuildId(buildId) ? ctx.paths.buildLog(app, buildId) : undefined];
  for (const file of candidates) {
    if (!file) continue;
    try {
      return fs.readFileSync(file);
    } catch {
      // try the next one
    }
  }
  return undefined;
}

/** The Procfile and app.json of the deploy in progress: Dokku prefers the `.<DOKKU_PID>` copies. */
export function deployingFiles(ctx: Context, app: string): Snapshot {
  const pid = ctx.env.dokkuPid;
  return {
    procfile: readText(ctx.paths.procfile(app, pid)) ?? readText(ctx.paths.procfile(app)),
    appJson: readText(ctx.paths.appJson(app, pid)) ?? readText(ctx.paths.appJson(app)),
  };
}

/** The plain files, which core-post-deploy has just promoted: what the release deployed. */
export function deployedFiles(ctx: Context, app: string): Snapshot {
  return { procfile: readText(ctx.paths.procfile(app)), appJson: readText(ctx.paths.appJson(app)) };
}


/** The container ID in $DOKKU_ROOT/APP/CONTAINER.web.1, if the app has a web container. */
export function webContainerId(ctx: Context, app: string): string | undefined {
  const id = readText(ctx.paths.containerFile(app, 'web', 1))?.trim();
  return id && /^[0-9a-f]{12,64}$/.test(id) ? id : undefined;
}

/**
 * The image the app's web container runs now, or undefined when it has none. `inspect` is
 * docker.containerImage, passed in so callers' tests can give a fake engine.
 */
export async function webContainerImage(
  ctx: Context,
  app: string,
  inspect: (containerId: string) => Promise<string | undefined>,
): Promise<string | undefined> {
  const containerId = webContainerId(ctx, app);
  return containerId ? inspect(containerId) : undefined;
}

/** The kernel's audit login user of this session (unchanged by sudo and su), when one is set. */
export function loginUserName(notedUid?: string): string | undefined {
  let uid: string;
  try {
    // a replayed trigger (trigger-notes.ts) names the login uid of the shim that noted it
    uid = notedUid ?? fs.readFileSync('/proc/self/loginuid', 'utf8').trim();
  } catch {
    return undefined;
  }
  if (!/^[0-9]+$/.test(uid) || uid === '4294967295') return undefined; // (uid_t)-1: no login session
  try {
    for (const line of fs.readFileSync('/etc/passwd', 'utf8').split('\n')) {
      const [name, , id] = line.split(':');
      if (id === uid && name) return name;
    }
  } catch {
    // no readable passwd file: the number still names the user
  }
  return `uid ${uid}`;
}

/** A file of the source tree Dokku is building (pre-receive-app's DIR), or null. */
export function readSourceFile(dir: string, name: string): string | null {
  return readText(path.join(dir, name)) ?? null;
}
