import type { ReleaseRecord } from '../releases/record.js';

// Which release images to keep: pure decisions, no docker. The executor in index.ts carries
// them out through the Dokku seam.

/** The holding container of one release: a name the app and release ID alone determine. */
export function holderName(app: string, releaseId: number): string {
  // Unique across apps although app names may contain dots: the name always ends in `.v<id>`,
  // so the app part is everything between the prefix and that last suffix.
  return `ownstack-retain.${app}.v${releaseId}`;
}

/** The name a retained image is tagged with when it needs one (never relied on: see index.ts). */
export function retainedImageName(app: string, releaseId: number): string {
  return `ownstack/${app}:v${releaseId}`;
}

/** A holding container as found on the engine, from its labels. */
export interface Holder {
  name: string;
  releaseId: number | undefined;
  imageId: string;
}

export interface RetentionInput {
  /** The app's records, any order; those not loaded are treated as not kept. */
  records: ReleaseRecord[];
  /** The app's holding containers on the engine. */
  holders: Holder[];
  /** How many succeeded releases keep their images (the `retention` setting). */
  keep: number;
  /** The release serving now; always kept, whatever its age. */
  currentId: number | undefined;
}

export interface RetentionPlan {
  /** Release IDs whose images stay. */
  keptIds: number[];
  /** Kept releases that have no holder yet: create one. */
  hold: { releaseId: number; imageId: string }[];
  /** Holders to remove: their releases are beyond the last N succeeded, or gone. */
  releaseHolders: Holder[];
  /** Records to mark as no longer retained (retained_by set but not kept). */
  unmarkIds: number[];
  /** Images to try to delete: released, and used by no kept release. */
  removeImages: string[];
}

/** The releases whose images are kept: the newest `keep` succeeded ones that have an image, plus the current one. */
export function keptReleaseIds(records: ReleaseRecord[], keep: number, currentId: number | undefined): number[] {
  const succeeded = records
    .filter((record) => record.status === 'succeeded' && record.image_id)
    .sort((a, b) => b.id - a.id);
  const kept = new Set(succeeded.slice(0, Math.max(0, keep)).map((record) => record.id));
  if (currentId !== undefined && succeeded.some((record) => record.id === currentId)) kept.add(currentId);
  return [...kept].sort((a, b) => b - a);
}

export function planRetention(input: RetentionInput): RetentionPlan {
  const keptIds = keptReleaseIds(input.records, input.keep, input.currentId);
  const kept = new Set(keptIds);
  const byId = new Map(input.records.map((record) => [record.id, record]));
  const keptImages = new Set(keptIds.map((id) => byId.get(id)?.image_id).filter((id): id is string => Boolean(id)));

  const heldIds = new Set(input.holders.map((holder) => holder.releaseId));
  const hold = keptIds
    .filter((id) => !heldIds.has(id))
    .map((id) => ({ releaseId: id, imageId: byId.get(id)?.image_id as string }));

  // A holder of a kept release whose image differs from the record's is stale too (the record
  // wins: it names what was deployed); it is replaced by a fresh holder.
  const releaseHolders = input.holders.filter((holder) => {
    if (holder.releaseId === undefined || !kept.has(holder.releaseId)) return true;
    return byId.get(holder.releaseId)?.image_id !== holder.imageId;
  });
  for (const stale of releaseHolders) {
    if (stale.releaseId !== undefined && kept.has(stale.releaseId)) {
      hold.push({ releaseId: stale.releaseId, imageId: byId.get(stale.releaseId)?.image_id as string });
    }
  }

  const unmarkIds = input.records
    .filter((record) => record.retained_by !== null && !kept.has(record.id))
    .map((record) => record.id)
    .sort((a, b) => a - b);

  const candidates = [
    ...releaseHolders.map((holder) => holder.imageId),
    ...unmarkIds.map((id) => byId.get(id)?.image_id ?? ''),
  ];
  const removeImages = [...new Set(candidates)].filter((id) => id && !keptImages.has(id));
  const uniqueHold = [...new Map(hold.map((entry) => [entry.releaseId, entry])).values()];

  return { keptIds, hold: uniqueHold, releaseHolders, unmarkIds, removeImages };
}
