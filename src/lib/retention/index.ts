import type { Context } from '../context.js';
import * as docker from '../dokku/docker.js';
import { log } from '../output/log.js';
import type { ReleaseRecord } from '../releases/record.js';
import type { ReleaseStore } from '../releases/store-api.js';
import { openStore } from '../releases/store.js';
import { settingNumber } from '../settings/settings.js';
import { holderName, planRetention, retainedImageName, type Holder, type RetentionPlan } from './plan.js';
import { webContainerImage } from '../dokku/host-files.js';

// Image retention. Dokku prunes every image of an app that no container uses, at the start of
// each build, and retires old images on a timer (dokku-verified.md). A container that is created
// and never started protects its image from both, without turning Dokku's cleanup off for
// anything else. So each succeeded release gets one such "holder", and the newest N keep theirs.
//
// The image is found by its `sha256:` ID, never by a tag: Dokku's prune strips all but one tag of
// an image a container uses, and which one survives is arbitrary. For the same reason we never
// add a tag to a retained image: on the image that serves now, an extra tag could be the one the
// prune keeps, and `dokku/<app>:latest` would be the one it strips, breaking the next ps:restart.

export const LABEL_APP = 'com.ownstack.app';
export const LABEL_RELEASE = 'com.ownstack.release';
export const LABEL_IMAGE = 'com.ownstack.image';

// A container inherits its image's labels, and Dokku stamps every image with
// `com.dokku.app-name=<app>`. Dokku finds an app's containers by that label (ps:stop, ps:report,
// scheduler-stop on destroy, run:cleanup, …), so an inherited label would make a holder look like
// one of the app's dynos: counted, stopped, inspected or removed behind our back. We override it
// with a value no app can have (':' is not allowed in app names), which hides the holder from
// every such filter. Dokku's own cleanup would not touch it anyway (it removes only exited and
// dead containers; a holder stays `created`), and we remove holders ourselves on destroy and
// move them on rename. The inherited `dokku` label stays; it only matters to that cleanup.
export const DOKKU_APP_LABEL = 'com.dokku.app-name';
export const NOT_AN_APP = 'ownstack:retained-image';

export interface RetentionSeam {
  containerImage: typeof docker.containerImage;
  imageId: typeof docker.imageId;
  createHoldingContainer: typeof docker.createHoldingContainer;
  removeHoldingContainer: typeof docker.removeHoldingContainer;
  removeImage: typeof docker.removeImage;
  containersWithLabels: typeof docker.containersWithLabels;
}

const defaultSeam: RetentionSeam = docker;

export function holderLabels(app: string, releaseId: number, imageId: string): Record<string, string> {
  return {
    [LABEL_APP]: app,
    [LABEL_RELEASE]: String(releaseId),
    [LABEL_IMAGE]: imageId,
    [DOKKU_APP_LABEL]: NOT_AN_APP,
  };
}

export async function listHolders(app: string, seam: RetentionSeam = defaultSeam): Promise<Holder[]> {
  const containers = await seam.containersWithLabels(`${LABEL_APP}=${app}`, [LABEL_RELEASE, LABEL_IMAGE]);
  return containers.map((container) => {
    const raw = container.labels[LABEL_RELEASE];
    return {
      name: container.name,
      releaseId: /^[1-9][0-9]{0,8}$/.test(raw) ? Number(raw) : undefined,
      imageId: container.labels[LABEL_IMAGE],
    };
  });
}

/** The app's holders; a docker failure is a warning (retention never fails a deploy), then undefined. */
async function listHoldersOrWarn(app: string, seam: RetentionSeam): Promise<Holder[] | undefined> {
  try {
    return await listHolders(app, seam);
  } catch (error) {
    log.warn(`Could not list the images kept for ${app}: ${(error as Error).message}`);
    return undefined;
  }
}

/** The newest records, enough of them to contain the last `keep` succeeded releases. */
function loadRecentRecords(store: ReleaseStore, keep: number): ReleaseRecord[] {
  let limit = keep * 2 + 10;
  for (;;) {
    const { records } = store.newest(limit);
    const succeeded = records.filter((record) => record.status === 'succeeded' && record.image_id).length;
    if (succeeded >= keep || records.length < limit) return records;
    limit *= 4;
  }
}

/** The image the app's web container runs, else what `dokku/<app>:latest` names. */
export async function servingImage(ctx: Context, app: string, seam: Pick<RetentionSeam, 'containerImage' | 'imageId'> = defaultSeam): Promise<string | undefined> {
  return (await webContainerImage(ctx, app, seam.containerImage)) ?? (await seam.imageId(`dokku/${app}:latest`));
}

/**
 * post-deploy: hold this release's image and release the holds beyond the last N succeeded.
 * Never throws for a docker failure: a deploy that serves must not fail over retention; the
 * user is warned instead, and the next deploy repairs missing holders.
 */
export async function onReleaseSucceeded(
  ctx: Context,
  store: ReleaseStore,
  record: ReleaseRecord,
  seam: RetentionSeam = defaultSeam,
): Promise<void> {
  const app = store.app;
  const keep = settingNumber(ctx.paths, app, 'retention');

  let imageId = record.image_id;
  if (!imageId) {
    // The release's image was not recorded on the way (e.g. a deploy without a release phase):
    // what serves now is it.
    imageId = (await servingImage(ctx, app, seam)) ?? null;
    if (!imageId) {
      log.warn(`Could not find the image of ${app} v${record.id}; it is not kept for rollback`);
      return;
    }
    await store.update(record.id, (stored) => {
      stored.image_id ??= imageId;
    });
  }

  const records = loadRecentRecords(store, keep);
  const merged = new Map(records.map((stored) => [stored.id, stored]));
  merged.set(record.id, { ...(merged.get(record.id) ?? record), status: 'succeeded', image_id: imageId });

  const holders = await listHoldersOrWarn(app, seam);
  if (!holders) return;
  // Holders of releases outside the loaded window still need their records to be unmarked.
  for (const holder of holders) {
    if (holder.releaseId !== undefined && !merged.has(holder.releaseId)) {
      const old = store.get(holder.releaseId);
      if (old) merged.set(old.id, old);
    }
  }

  const plan = planRetention({ records: [...merged.values()], holders, keep, currentId: store.currentId() ?? record.id });
  await applyPlan(ctx, store, plan, seam);
}

async function applyPlan(ctx: Context, store: ReleaseStore, plan: RetentionPlan, seam: RetentionSeam) {
  const app = store.app;
  const removeHolders = async (holders: Holder[]) => {
    for (const holder of holders) await seam.removeHoldingContainer(holder.name);
  };
  // A stale holder of a release that is held again goes first (its successor takes its name);
  // the others are of releases that are no longer kept, and the engine removes them while it
  // makes the new holders (each a round trip of ~10 ms inside every deploy). All of it finishes
  // before a failure is reported.
  const heldAgain = new Set(plan.hold.map((entry) => entry.releaseId));
  const replaced = plan.releaseHolders.filter((holder) => holder.releaseId !== undefined && heldAgain.has(holder.releaseId));
  await removeHolders(replaced);
  await allFinished([removeHolders(plan.releaseHolders.filter((holder) => !replaced.includes(holder))), hold(app, store, plan.hold, seam)]);

  for (const id of plan.unmarkIds) {
    await store.update(id, (stored) => {
      stored.retained_by = null;
    });
  }

  if (plan.removeImages.length > 0) {
    // Never delete what a restart would deploy, even when no container uses it right now.
    const [latest, serving] = await Promise.all([seam.imageId(`dokku/${app}:latest`), servingImage(ctx, app, seam)]);
    for (const imageId of plan.removeImages) {
      if (imageId === latest || imageId === serving) continue;
      // Fails harmlessly while a container or a child image uses it, or with several tags;
      // Dokku's next prune then removes it once nothing holds it.
      await seam.removeImage(imageId);
    }
  }
}

/** Like Promise.all, but settles only when every one has: no work is left running after a failure. */
async function allFinished(work: Promise<unknown>[]): Promise<void> {
  const failed = (await Promise.allSettled(work)).find((result) => result.status === 'rejected');
  if (failed) throw failed.reason;
}

async function hold(app: string, store: ReleaseStore, releases: RetentionPlan['hold'], seam: RetentionSeam): Promise<void> {
  for (const { releaseId, imageId } of releases) {
    const name = holderName(app, releaseId);
    try {
      await seam.createHoldingContainer(name, imageId, holderLabels(app, releaseId, imageId));
    } catch (error) {
      // A concurrent deploy of the same app (config:set takes no lock) may have made it already.
      const exists = (await listHolders(app, seam).catch(() => [])).some((holder) => holder.name === name && holder.imageId === imageId);
      if (!exists) {
        const gone = !(await seam.imageId(imageId));
        if (!gone) log.warn(`Could not keep the image of ${app} v${releaseId} for rollback: ${(error as Error).message.split('\n')[0]}`);
        await store.update(releaseId, (stored) => {
          stored.retained_by = null;
        });
        continue;
      }
    }
    await store.update(releaseId, (stored) => {
      stored.retained_by = name;
      stored.image_tag = retainedImageName(app, releaseId);
    });
  }
}

/** post-delete: remove the app's holders, so the forced cleanup that follows removes the images. */
export async function onAppDestroyed(ctx: Context, app: string, seam: RetentionSeam = defaultSeam): Promise<void> {
  void ctx;
  const holders = await listHoldersOrWarn(app, seam);
  if (!holders) return;
  for (const holder of holders) await seam.removeHoldingContainer(holder.name);
  // Dokku's forced cleanup prunes only images labelled with this app; an image kept since before
  // an apps:rename carries the old name, so remove what we held ourselves.
  for (const imageId of new Set(holders.map((holder) => holder.imageId).filter(Boolean))) await seam.removeImage(imageId);
}

/**
 * post-app-rename-setup: the holders follow the app. Labels cannot change on a container, so each
 * is created again under the new name before the old one goes (the image is never unheld), and
 * the records of the new app's store (already moved there) name the new holders.
 */
export async function onAppRenamed(
  ctx: Context,
  oldApp: string,
  newApp: string,
  seam: RetentionSeam = defaultSeam,
  openStoreFor?: (app: string) => ReleaseStore | undefined,
): Promise<void> {
  const holders = await listHoldersOrWarn(oldApp, seam);
  if (!holders) return;
  const store = (openStoreFor ?? ((app: string) => openStore(ctx, app)))(newApp);
  for (const holder of holders) {
    if (holder.releaseId === undefined || !holder.imageId) {
      await seam.removeHoldingContainer(holder.name);
      continue;
    }
    const name = holderName(newApp, holder.releaseId);
    try {
      await seam.createHoldingContainer(name, holder.imageId, holderLabels(newApp, holder.releaseId, holder.imageId));
    } catch (error) {
      log.warn(`Could not move the kept image of ${oldApp} v${holder.releaseId} to ${newApp}: ${(error as Error).message.split('\n')[0]}`);
      continue;
    }
    await seam.removeHoldingContainer(holder.name);
    const releaseId = holder.releaseId;
    // The records only name the holder for people reading them; the labels are what count.
    await store
      ?.update(releaseId, (stored) => {
        stored.retained_by = name;
        stored.image_tag = retainedImageName(newApp, releaseId);
      })
      .catch(() => undefined);
  }
}
