import fs from 'node:fs';
import path from 'node:path';
import type { Context } from '../context.js';
import { containerImage } from '../dokku/docker.js';
import { deployedFiles, webContainerImage } from '../dokku/host-files.js';
import { onReleaseSucceeded } from '../retention/index.js';
import { kindForBuildSource, type ReleaseKind, type ReleaseRecord } from './record.js';
import { FileReleaseStore } from './store.js';

// While ownstack is not installed (between `plugin:uninstall` and `plugin:install` of an upgrade)
// Dokku deploys without telling anyone. plugin:install then records, for each app, the deploy
// that serves if it is not the app's current release: from Dokku's own files, the image the web
// container runs and the newest build record Dokku kept of it. Failed attempts in that window
// stay only in Dokku's `builds:list`.

export const CATCH_UP_WHO = 'unknown (deployed while ownstack was not installed)';

interface DokkuBuild {
  id: string;
  source: string | undefined;
  status: string;
  started_at: string;
  finished_at: string | undefined;
}

/** Dokku's build records of the app (data/builds/APP/*.json), oldest first; unreadable ones skipped. */
export function dokkuBuilds(ctx: Context, app: string): DokkuBuild[] {
  const dir = path.dirname(ctx.paths.buildRecord(app, 'any'));
  let names: string[];
  try {
    names = fs.readdirSync(dir).filter((name) => name.endsWith('.json'));
  } catch {
    return [];
  }
  const builds: DokkuBuild[] = [];
  for (const name of names) {
    try {
      const data = JSON.parse(fs.readFileSync(path.join(dir, name), 'utf8')) as Record<string, unknown>;
      if (typeof data.id !== 'string' || typeof data.status !== 'string' || typeof data.started_at !== 'string') continue;
      builds.push({
        id: data.id,
        source: typeof data.source === 'string' ? data.source : undefined,
        status: data.status,
        started_at: data.started_at,
        finished_at: typeof data.finished_at === 'string' ? data.finished_at : undefined,
      });
    } catch {
      // a half-written or foreign file: not evidence of anything
    }
  }
  return builds.sort((a, b) => Date.parse(a.started_at) - Date.parse(b.started_at));
}

/**
 * The release deploy Dokku made after `since` that produced what serves now: the newest build
 * record after it that succeeded and is a release (a ps:restart is not), if any.
 */
export function unrecordedBuild(builds: DokkuBuild[], since: string | undefined, known: (id: string) => boolean): { build?: DokkuBuild; kind: ReleaseKind } {
  const after = builds.filter(
    (build) => (since === undefined || Date.parse(build.started_at) > Date.parse(since)) && build.status === 'succeeded' && !known(build.id),
  );
  for (const build of after.reverse()) {
    const kind = kindForBuildSource(build.source);
    if (kind) return { build, kind };
  }
  return { kind: 'deploy' };
}

/** Records the serving deploy of one app if ownstack missed it; returns the new record, if any. */
export async function catchUpApp(ctx: Context, app: string): Promise<ReleaseRecord | undefined> {
  const store = new FileReleaseStore({ dir: ctx.paths.ownstackApp(app), app, who: CATCH_UP_WHO });
  if (!store.exists()) return undefined;
  const serving = await webContainerImage(ctx, app, containerImage);
  if (!serving) return undefined;
  const currentId = store.currentId();
  const current = currentId === undefined ? undefined : store.get(currentId);
  if (current && current.image_id === null) return undefined; // nothing to compare with
  if (current?.image_id === serving) return undefined;
  // A later record of that image (a deploy whose new container stayed up although it failed)
  // is ownstack's own account of it.
  if (store.findRecent((record) => record.image_id === serving && record.id > (currentId ?? 0))) return undefined;

  const { build, kind } = unrecordedBuild(dokkuBuilds(ctx, app), current?.started_at, (id) => store.findByBuildId(id) !== undefined);
  const created = await store.create({
    kind,
    pid: null,
    build_id: build?.id ?? null,
    image_id: serving,
    description: `${kind}: deployed while ownstack was not installed, recorded by plugin:install`,
  });
  const now = new Date().toISOString();
  const record = await store.update(created.id, (draft) => {
    draft.status = 'succeeded';
    draft.phase = 'postdeploy';
    draft.started_at = build?.started_at ?? draft.started_at;
    draft.finished_at = build?.finished_at ?? now;
  });
  await store.writeSnapshot(record.id, deployedFiles(ctx, app));
  await store.setCurrent(record.id);
  await onReleaseSucceeded(ctx, store, record);
  return record;
}
