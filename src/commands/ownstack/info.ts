import type { CommandModule } from '../../program.js';
import { assertAppExists } from '../../lib/context.js';
import { allImageIds } from '../../lib/dokku/docker.js';
import { parseFormat, reportBlock } from '../../lib/output/format.js';
import { log } from '../../lib/output/log.js';
import { pipelineOfApp } from '../../lib/pipelines/lookup.js';
import { canRollBackTo, displayStatus, infoRows, type DisplayedRecord } from '../../lib/releases/format.js';
import { publicRelease } from '../../lib/releases/public.js';
import { rollbackCandidates } from '../../lib/releases/queries.js';
import { message, touchStore, warn } from '../../lib/releases/trigger-support.js';
import { settingNumber } from '../../lib/settings/settings.js';
import { lastNotification, notificationLine, readOutcomes } from '../../lib/notifications/status.js';

// The current release of an app at a glance: what serves, from which commit, by whom, how many
// releases a rollback can reach, and where the app sits in its pipeline.
const register: CommandModule = (program, ctx) => {
  program
    .command('ownstack:info')
    .description('show the current release of an app')
    .argument('[app]')
    .option('--format <format>', 'stdout or json')
    .action(async (appArg: string | undefined, options: { format?: string }) => {
      const format = parseFormat(options.format);
      const app = assertAppExists(ctx(), appArg);
      const store = await touchStore(ctx(), app);
      const currentId = store.currentId();
      const currentRecord = currentId !== undefined ? store.get(currentId) : undefined;

      const candidates = rollbackCandidates(store, settingNumber(ctx().paths, app, 'retention'));
      let imageIds = new Set<string>();
      if (candidates.some((record) => record.id !== currentId)) {
        try {
          imageIds = await allImageIds();
        } catch (error) {
          warn(`cannot tell which images still exist: ${message(error)}`);
        }
      }
      const rollbackTargets = candidates.filter((record) => canRollBackTo(record, currentId, imageIds)).length;
      const current: DisplayedRecord | undefined = currentRecord && { ...currentRecord, display_status: displayStatus(currentRecord, currentId, undefined) };
      // A damaged pipelines file must not hide the release: name it once and show the rest.
      let place: ReturnType<typeof pipelineOfApp>;
      try {
        place = pipelineOfApp(ctx(), app);
      } catch (error) {
        warn(message(error));
      }

      const notification = lastNotification(readOutcomes(ctx(), app));

      if (format === 'json') {
        log.out(
          JSON.stringify({
            app,
            current: currentRecord ? publicRelease(currentRecord, { currentId, expired: false }) : null,
            rollback_targets: rollbackTargets,
            pipeline: place?.pipeline ?? null,
            stage: place?.stage ?? null,
            last_notification: notification ?? null,
          }),
        );
        return;
      }
      log.out(reportBlock(`${app} release information`, [...infoRows(current, rollbackTargets, place, new Date()), ['Last notification', notificationLine(notification)]]));
    });
};

export default register;
