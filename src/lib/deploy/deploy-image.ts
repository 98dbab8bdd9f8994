import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Context } from '../context.js';
import * as docker from '../dokku/docker.js';
import { log } from '../output/log.js';
import { digestReference, formatReference, repositoryOf, type ImageReference } from '../images/reference.js';
import type { NewRelease, Snapshot } from '../releases/store-api.js';
import { releaseImage, type ObtainedImage, type ReleaseImageResult } from './release-image.js';

// `ownstack:deploy-image`: a pre-built image (from CI, or the receiving half of a promotion from
// another host) deployed without a rebuild. The image is pulled under the app's deploy lock, its
// digest checked and recorded as the release's source of truth, and it is released exactly as a
// local promotion is: the app's own config, predeploy, release task and postdeploy apply.

export interface DeployImageRequest {
  app: string;
  ref: ImageReference;
  lockWaitSeconds: number;
  /** The Procfile and app.json that travel with a promotion; read from the image otherwise. */
  snapshot?: Snapshot;
  /** Overrides for the record (a promotion from another host names its source). */
  release?: Partial<NewRelease>;
  outputPrefix?: string;
  /** See ReleaseImageRequest.requesterGone. */
  requesterGone?: AbortSignal;
}

export interface DeployImageSeam {
  pullImage: typeof docker.pullImage;
  inspectImage: typeof docker.inspectImage;
  readFileFromImage: typeof docker.readFileFromImage;
}

const defaultSeam: DeployImageSeam = {
  pullImage: docker.pullImage,
  inspectImage: docker.inspectImage,
  readFileFromImage: docker.readFileFromImage,
};

const REVISION_LABEL = 'org.opencontainers.image.revision';

/**
 * The digest reference the pulled image carries for the repository asked for. With a digest in
 * the request it must be exactly that one: anything else is refused, whatever docker did.
 */
export function verifiedDigest(ref: ImageReference, repoDigests: string[]): string {
  const repository = repositoryOf(ref);
  const mine = repoDigests.filter((entry) => entry.startsWith(`${repository}@`));
  if (ref.digest) {
    const wanted = digestReference(ref, ref.digest);
    if (!mine.includes(wanted)) {
      throw new Error(`the pulled image does not have digest ${ref.digest} (it has ${mine.map((entry) => entry.slice(repository.length + 1)).join(', ') || 'none'})`);
    }
    return wanted;
  }
  if (mine.length === 0) throw new Error(`the registry gave no digest for ${repository}`);
  return mine[0];
}

/** A git SHA from the image's OCI revision label, when CI set one. */
export function revisionFromLabels(labels: Record<string, string>): string | null {
  const value = labels[REVISION_LABEL];
  return value && /^[0-9a-f]{7,40}$/.test(value) ? value : null;
}

export async function deployImage(ctx: Context, request: DeployImageRequest, seam: DeployImageSeam = defaultSeam): Promise<ReleaseImageResult> {
  const { app, ref } = request;
  const asked = formatReference(ref);
  const prefix = request.outputPrefix ?? '';
  return releaseImage(ctx, {
    app,
    release: {
      kind: 'image',
      description: `Deploy image ${asked}`,
      source: 'docker-image',
      source_metadata: asked,
      ...request.release,
    },
    lockWaitSeconds: request.lockWaitSeconds,
    outputPrefix: request.outputPrefix,
    requesterGone: request.requesterGone,
    obtain: async (): Promise<ObtainedImage> => {
      log.step(`${prefix}Pulling ${asked}`);
      const pulled = await seam.pullImage(asked);
      if (!pulled.ok) throw new Error(`could not pull ${asked}: ${pulled.error}`);
      const facts = await seam.inspectImage(asked);
      if (!facts) throw new Error(`${asked} is not on this host after the pull`);
      const digest = verifiedDigest(ref, facts.repoDigests);
      log.step(`${prefix}Pulled ${digest}`);
      const snapshot = request.snapshot ?? (await snapshotFromImage(app, asked, facts.workingDir, seam));
      const revision = revisionFromLabels(facts.labels);
      return {
        imageId: facts.id,
        snapshot,
        facts: {
          image_digest: digest,
          ...(request.release?.source_metadata ? {} : { source_metadata: digest }),
          ...(revision && !request.release?.git_sha ? { git_sha: revision } : {}),
        },
      };
    },
  });
}

/** The Procfile and app.json in the image's WORKDIR, as Dokku reads them for git:from-image. */
async function snapshotFromImage(app: string, image: string, workingDir: string, seam: DeployImageSeam): Promise<Snapshot> {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'ownstack-image-'));
  try {
    const procfile = (await seam.readFileFromImage(app, image, workingDir, 'Procfile', scratch)) ?? null;
    const appJson = (await seam.readFileFromImage(app, image, workingDir, 'app.json', scratch)) ?? null;
    return { procfile, appJson };
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}
