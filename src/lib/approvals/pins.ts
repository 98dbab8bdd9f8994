import * as docker from '../dokku/docker.js';
import { log } from '../output/log.js';
import { DOKKU_APP_LABEL, NOT_AN_APP } from '../retention/index.js';
import { expireDue, type PromotionRequest, type RequestsFile } from './model.js';

// A pending request keeps its image the way retention keeps a release's (retention/index.ts): a
// created, never-started container, which neither Dokku's prune nor its retire removes. Its labels
// differ from retention's holders, so retention never counts or releases it, and it hides from
// Dokku's app filters the same way.

export const LABEL_REQUEST = 'com.ownstack.request';
export const LABEL_PIPELINE = 'com.ownstack.pipeline';

export interface PinSeam {
  createHoldingContainer: typeof docker.createHoldingContainer;
  removeHoldingContainer: typeof docker.removeHoldingContainer;
}

/** Unique per request: request IDs are never reused. */
export function pinName(pipeline: string, id: number): string {
  return `ownstack-request.${pipeline}.r${id}`;
}

/** Pins the request's image; throws when docker cannot (the request is then not made). */
export async function pinRequestImage(request: PromotionRequest, seam: PinSeam = docker): Promise<string> {
  const name = pinName(request.pipeline, request.id);
  await seam.createHoldingContainer(name, request.source.image_id, {
    [LABEL_REQUEST]: String(request.id),
    [LABEL_PIPELINE]: request.pipeline,
    [DOKKU_APP_LABEL]: NOT_AN_APP,
  });
  return name;
}

/** Lets the image go once the request is decided; a failure is a warning, never a failed command. */
export async function unpinRequestImages(requests: PromotionRequest[], seam: PinSeam = docker): Promise<void> {
  for (const request of requests) {
    if (!request.pinned_by) continue;
    if (!(await seam.removeHoldingContainer(request.pinned_by))) {
      log.warn(`Could not remove ${request.pinned_by}, which kept the image of request r${request.id}; remove it with docker container rm`);
    }
  }
}

/**
 * Writes down the requests whose time ran out and lets their images go. Run by the commands that
 * change requests (promote, approve, reject) before they decide, under the requests' lock.
 */
export async function expireDueRequests(
  update: (change: (file: RequestsFile) => { file: RequestsFile; result: PromotionRequest[] } | undefined) => Promise<PromotionRequest[] | undefined>,
  current: RequestsFile,
  now: Date,
  seam: PinSeam = docker,
): Promise<void> {
  if (expireDue(current, now).expired.length === 0) return; // lock-free look first: usually nothing is due
  const expired = await update((file) => {
    const swept = expireDue(file, now);
    return swept.expired.length > 0 ? { file: swept.file, result: swept.expired } : undefined;
  });
  await unpinRequestImages(expired ?? [], seam);
}
