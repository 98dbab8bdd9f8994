import type { CommandModule } from '../../program.js';
import { runDokkuCommand } from '../../lib/dokku/apps.js';
import { log } from '../../lib/output/log.js';
import { readPipelines } from '../../lib/pipelines/store.js';
import { reviewAppActivity } from '../../lib/review-apps/lifecycle.js';
import { now as clockNow } from '../../lib/clock.js';
import { reviewAppsConfig, staleReviewApps } from '../../lib/review-apps/model.js';

// `review-apps:expire`: the hourly cron job (cron-entries). Destroys the review apps of every
// pipeline with review-apps-stale-days that had no deploy for that many days, each through
// apps:destroy (so pr-predestroy runs first). OWNSTACK_NOW (src/lib/clock.ts) sets the clock, for tests.
const register: CommandModule = (program, ctx) => {
  program
    .command('review-apps:expire')
    .description('destroy stale review apps (the scheduled job)')
    .action(async () => {
      const now = clockNow();
      let failures = 0;
      for (const pipeline of readPipelines(ctx().paths).pipelines) {
        const { staleDays } = reviewAppsConfig(pipeline);
        if (staleDays === undefined) continue;
        for (const app of staleReviewApps(reviewAppActivity(ctx(), pipeline), staleDays, now)) {
          log.step(`${now.toISOString()} destroying review app ${app} of pipeline ${pipeline.name}: no deploy for ${staleDays} days`);
          if ((await runDokkuCommand(['--force', 'apps:destroy', app])) !== 0) {
            failures += 1;
            log.error(`could not destroy review app ${app}`);
          }
        }
      }
      if (failures > 0) process.exitCode = 1;
    });
};

export default register;
