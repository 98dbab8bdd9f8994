import path from 'node:path';
import type { TriggerHandler } from './index.js';
import { log } from '../lib/output/log.js';
import { safely } from '../lib/releases/trigger-support.js';
import { findOnPath } from '../lib/dokku/exec.js';
import { cronEntry } from '../lib/review-apps/model.js';
import { readPipelines } from '../lib/pipelines/store.js';
import { computedSetting } from '../lib/pipelines/settings.js';

// `cron-entries SCHEDULER`: Dokku's cron plugin asks plugins for extra host cron tasks, one
// `SCHEDULE;COMMAND;LOGFILE` line each; the docker-local cron appends the command's output to
// LOGFILE, next to Dokku's own logs. One hourly task expires stale review apps, present only while
// some pipeline sets review-apps-stale-days.
export const REVIEW_APPS_CRON_LOG = 'ownstack-review-apps.log';

const cronEntries: TriggerHandler = (ctx, args) =>
  safely('cron-entries', async () => {
    if (args[0] && args[0] !== 'docker-local') return;
    const anyStale = readPipelines(ctx.paths).pipelines.some((pipeline) => computedSetting(pipeline, 'review-apps-stale-days') !== '');
    if (!anyStale) return;
    const logsDir = process.env.DOKKU_LOGS_DIR || '/var/log/dokku';
    log.out(cronEntry('17 * * * *', `${dokkuBinary()} review-apps:expire`, path.join(logsDir, REVIEW_APPS_CRON_LOG)));
  });

/** cron's PATH is short: name Dokku's binary by its full path, as found now. */
const dokkuBinary = () => findOnPath('dokku') ?? '/usr/bin/dokku';

export default cronEntries;
