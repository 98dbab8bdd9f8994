import { UserError } from '../output/errors.js';
import type { ReleaseRecord } from '../releases/record.js';
import type { NewRelease, Snapshot } from '../releases/store-api.js';

// The decisions of `pipeline:promote` that need no host: is the source release promotable, what
// the target's record says, and how each target's outcome is reported. The command does the I/O.

export interface PromotableSource {
  record: ReleaseRecord & { image_id: string };
  snapshot: Snapshot;
}

/** The source's current release must have succeeded, name an image, and have its Procfile/app.json kept. */
export function assertPromotableSource(
  app: string,
  currentId: number | undefined,
  record: ReleaseRecord | undefined,
  snapshot: Snapshot | undefined,
): PromotableSource {
  if (currentId === undefined || !record) {
    throw new UserError(`App ${app} has no succeeded release to promote; deploy it first`);
  }
  if (record.status !== 'succeeded') {
    throw new UserError(`App ${app} has no succeeded release to promote: its current release v${record.id} is ${record.status}`);
  }
  if (!record.image_id) throw new UserError(`App ${app} v${record.id} has no recorded image to promote; deploy it again first`);
  if (!snapshot) {
    throw new UserError(`App ${app} v${record.id} has no saved Procfile/app.json to promote with; deploy it again first`);
  }
  return { record: record as PromotableSource['record'], snapshot };
}

export function assertImagePresent(app: string, record: ReleaseRecord, present: boolean): void {
  if (!present) {
    throw new UserError(`The image of ${app} v${record.id} (${shortImage(record.image_id)}) no longer exists; deploy ${app} again before promoting`);
  }
}

/** What a promotion adds to the target's record beyond its source: a --force, or an approval. */
export interface PromotionMarks {
  forced?: ReleaseRecord['forced'];
  approval?: ReleaseRecord['approval'];
}

/** The record each target gets: it says where it came from; config is never part of it.
 * (releaseImage fills in the image.) */
export function promotedRelease(source: string, record: ReleaseRecord, marks: PromotionMarks = {}): NewRelease {
  const notes = [
    ...(marks.approval ? [`approved r${marks.approval.request} by ${marks.approval.approved_by}`] : []),
    ...(marks.forced ? [`forced past ${marks.forced.guards.join(', ')} by ${marks.forced.by}`] : []),
  ];
  return {
    kind: 'promote',
    description: `Promote ${source} v${record.id}${notes.length > 0 ? ` (${notes.join('; ')})` : ''}`,
    ...(marks.forced ? { forced: marks.forced } : {}),
    ...(marks.approval ? { approval: marks.approval } : {}),
    git_sha: record.git_sha,
    promoted_from: { app: source, id: record.id },
    builder: record.builder,
    source: 'ownstack-promote',
    source_metadata: `${source}#v${record.id}`,
  };
}

/**
 * Herokuish writes the app's config into the image at build time (/app/.profile.d), so the
 * source's build-time config travels with the image. Dokku re-bakes the target's env on release,
 * but anything a buildpack compiled from the config stays as the source built it.
 */
export function hasBakedConfigRisk(labels: Record<string, string> | undefined, record: ReleaseRecord): boolean {
  return labels?.['com.dokku.builder-type'] === 'herokuish' || record.builder === 'herokuish';
}

export interface TargetOutcome {
  app: string;
  ok: boolean;
  /** The target's new release, when one was recorded. */
  id?: number;
  phase?: string;
  reason?: string;
}

/** Runs every target at once; a target that throws is a failed target, never a stopped promotion. */
export async function promoteEach(
  targets: string[],
  promote: (target: string) => Promise<{ ok: boolean; record?: { id: number; phase: string; reason: string | null }; reason?: string }>,
): Promise<TargetOutcome[]> {
  return Promise.all(
    targets.map(async (app): Promise<TargetOutcome> => {
      try {
        const result = await promote(app);
        return {
          app,
          ok: result.ok,
          id: result.record?.id,
          phase: result.ok ? undefined : result.record?.phase,
          reason: result.ok ? undefined : (result.reason ?? result.record?.reason ?? 'unknown error'),
        };
      } catch (error) {
        return { app, ok: false, reason: error instanceof Error ? error.message : String(error) };
      }
    }),
  );
}

/** `myapp: succeeded (v4)` / `myapp-b: failed at release: exit 1` / `myapp-c: failed: locked`;
 * the failed record's ID is in the target's history. */
export function outcomeLine(outcome: TargetOutcome): string {
  if (outcome.ok) return `${outcome.app}: succeeded${outcome.id !== undefined ? ` (v${outcome.id})` : ''}`;
  const where = outcome.phase ? ` at ${outcome.phase}` : '';
  const reason = (outcome.reason ?? 'unknown error').split('\n')[0];
  return `${outcome.app}: failed${where}: ${reason}`;
}

export function shortImage(imageId: string | null): string {
  return imageId ? imageId.replace(/^sha256:/, '').slice(0, 12) : 'none';
}
