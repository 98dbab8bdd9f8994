import type { Context } from '../context.js';
import { imageLabels } from '../dokku/docker.js';
import { UserError } from '../output/errors.js';
import { log } from '../output/log.js';
import { hasBakedConfigRisk, outcomeLine, promoteEach, shortImage, type TargetOutcome } from '../pipelines/promotion.js';
import type { ReleaseRecord } from '../releases/record.js';
import type { NewRelease, Snapshot } from '../releases/store-api.js';
import { settingNumber } from '../settings/settings.js';
import { releaseImage } from './release-image.js';
import { parseAppRef } from '../stacks/model.js';
import { promoteToStack, pushReleaseImage, type RemoteSetup } from '../stacks/promote.js';

// Carries out a promotion whose checks have all passed: `pipeline:promote` right away, or
// `pipeline:approve` later, with the release and image the request pinned.

export interface PromotionRun {
  source: string;
  record: ReleaseRecord & { image_id: string };
  snapshot: Snapshot;
  targets: string[];
  release: NewRelease;
  /** --lock-wait; else each target's lock-wait setting. */
  lockWait?: number;
  /** The registry and the stacks, when some targets are `<app>@<stack>` (resolveRemoteTargets). */
  remote?: RemoteSetup;
}

/** Every target in parallel; prints the per-target results; throws one line when any failed. */
export async function runPromotion(ctx: Context, run: PromotionRun, onOutcomes?: (outcomes: TargetOutcome[]) => Promise<void>): Promise<TargetOutcome[]> {
  const { source, record, targets } = run;
  log.header(`Promoting ${source} v${record.id} (image ${shortImage(record.image_id)}) to ${targets.join(', ')}`);
  if (hasBakedConfigRisk(await imageLabels(record.image_id), record)) {
    log.warn(
      `${source} v${record.id} was built by herokuish: config set at build time is baked into the image and is promoted with it (the targets' own config applies at run time)`,
    );
  }

  // Targets on other stacks get the image through the registry: pushed once, before any of them.
  const pushed = run.remote ? await pushReleaseImage(run.remote.registry, source, record) : undefined;
  const outcomes = await promoteEach(targets, (target) => {
    const { stack } = parseAppRef(target);
    if (!stack) {
      return releaseImage(ctx, {
        app: target,
        imageId: record.image_id,
        snapshot: run.snapshot,
        release: run.release,
        lockWaitSeconds: run.lockWait ?? settingNumber(ctx.paths, target, 'lock-wait'),
        outputPrefix: `${target}: `,
      });
    }
    if (!run.remote || !pushed) throw new Error(`no registry for ${target}`);
    if (!pushed.ok) return Promise.resolve({ ok: false, reason: pushed.reason });
    return promoteToStack(ctx, {
      target,
      stack: run.remote.stacks.get(stack)!,
      digestRef: pushed.digestRef,
      source,
      record,
      snapshot: run.snapshot,
      lockWait: run.lockWait,
    });
  });
  await onOutcomes?.(outcomes);

  // The per-target status is the result the user asked for, so it prints even when quiet.
  log.out(['=====> Promotion results', ...outcomes.map((outcome) => `       ${outcomeLine(outcome)}`)].join('\n'));
  const failed = outcomes.filter((outcome) => !outcome.ok);
  if (failed.length > 0) {
    // One line on stderr: which targets failed, and the first failure's own words.
    throw new UserError(
      `Promotion of ${source} v${record.id} failed for ${failed.length} of ${outcomes.length} targets (${outcomeLine(failed[0])}${failed.length > 1 ? '; see the results above for the others' : ''})`,
    );
  }
  return outcomes;
}
