import type { CommandModule } from '../../program.js';
import { assertAppExists } from '../../lib/context.js';
import { releaseImage } from '../../lib/deploy/release-image.js';
import { imageId, imageLabels } from '../../lib/dokku/docker.js';
import { parseNonNegativeInt } from '../../lib/dokku/validate.js';
import { UserError } from '../../lib/output/errors.js';
import { log } from '../../lib/output/log.js';
import { parseTargetList, promotionTargets } from '../../lib/pipelines/model.js';
import {
  assertImagePresent,
  assertPromotableSource,
  hasBakedConfigRisk,
  outcomeLine,
  promoteEach,
  promotedRelease,
  shortImage,
} from '../../lib/pipelines/promotion.js';
import { readPipelines } from '../../lib/pipelines/store.js';
import { openStore } from '../../lib/releases/store.js';
import { SETTINGS, settingNumber } from '../../lib/settings/settings.js';

const MAX_LOCK_WAIT = 86400;

// Promotion never rebuilds: the source's running image is released to each target through
// Dokku's own release-and-deploy (releaseImage), so the target's config, predeploy, release task
// and postdeploy apply, and Dokku's app-json guard keeps a run-once postdeploy from running twice.
const register: CommandModule = (program, ctx) => {
  program
    .command('pipeline:promote')
    .description("deploy the app's current release to the next stage, without a rebuild")
    .argument('<app>')
    .option('--to <apps>', 'comma-separated target apps in the same pipeline (default: every app of the next stage)', collect, [])
    .option('--lock-wait <seconds>', `seconds to wait for each target's deploy lock (default: the lock-wait setting, ${SETTINGS['lock-wait'].defaultValue})`)
    .action(async (sourceArg: string, options: { to: string[]; lockWait?: string }) => {
      const context = ctx();
      const source = assertAppExists(context, sourceArg);
      const requested = options.to.length > 0 ? parseTargetList(options.to) : undefined;
      for (const target of requested ?? []) assertAppExists(context, target);
      const lockWait = options.lockWait === undefined ? undefined : parseNonNegativeInt(options.lockWait, '--lock-wait', MAX_LOCK_WAIT);

      // Every refusal happens here, before any target is touched.
      const plan = promotionTargets(readPipelines(context.paths), source, requested);
      const store = openStore(context, source);
      const currentId = store.currentId();
      const current = currentId === undefined ? undefined : store.get(currentId);
      const { record, snapshot } = assertPromotableSource(source, currentId, current, current ? store.readSnapshot(current.id) : undefined);
      assertImagePresent(source, record, (await imageId(record.image_id)) !== undefined);

      const targets = plan.targets.map((target) => target.app);
      log.header(`Promoting ${source} v${record.id} (image ${shortImage(record.image_id)}) to ${targets.join(', ')}`);
      if (hasBakedConfigRisk(await imageLabels(record.image_id), record)) {
        log.warn(
          `${source} v${record.id} was built by herokuish: config set at build time is baked into the image and is promoted with it (the targets' own config applies at run time)`,
        );
      }

      const release = promotedRelease(source, record);
      const outcomes = await promoteEach(targets, (target) =>
        releaseImage(context, {
          app: target,
          imageId: record.image_id,
          snapshot,
          release,
          lockWaitSeconds: lockWait ?? settingNumber(context.paths, target, 'lock-wait'),
          outputPrefix: `${target}: `,
        }),
      );

      // The per-target status is the result the user asked for, so it prints even when quiet.
      log.out(['=====> Promotion results', ...outcomes.map((outcome) => `       ${outcomeLine(outcome)}`)].join('\n'));
      const failed = outcomes.filter((outcome) => !outcome.ok);
      if (failed.length > 0) {
        // One line on stderr: which targets failed, and the first failure's own words.
        throw new UserError(
          `Promotion of ${source} v${record.id} failed for ${failed.length} of ${outcomes.length} targets (${outcomeLine(failed[0])}${failed.length > 1 ? '; see the results above for the others' : ''})`,
        );
      }
    });
};

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

export default register;
