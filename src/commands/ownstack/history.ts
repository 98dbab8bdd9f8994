import type { CommandModule } from '../../program.js';
import { assertAppExists } from '../../lib/context.js';
import { allImageIds } from '../../lib/dokku/docker.js';
import { UserError } from '../../lib/output/errors.js';
import { parseFormat } from '../../lib/output/format.js';
import { log, printable } from '../../lib/output/log.js';
import { historyHeader, historyTable, needsImageCheck, withDisplayStatus } from '../../lib/releases/format.js';
import { publicRelease } from '../../lib/releases/public.js';
import { touchStore, warn, message } from '../../lib/releases/trigger-support.js';
import { remoteHistory } from '../../lib/stacks/history.js';
import { formatAppRef, parseAppRef } from '../../lib/stacks/model.js';

export const DEFAULT_HISTORY_LIMIT = 20;
const MAX_HISTORY_LIMIT = 100_000;

export function parseLimit(raw: string | undefined): number {
  if (raw === undefined) return DEFAULT_HISTORY_LIMIT;
  if (!/^[1-9][0-9]{0,5}$/.test(raw) || Number(raw) > MAX_HISTORY_LIMIT) {
    throw new UserError(`Invalid --limit "${printable(raw)}": expected a whole number from 1 to ${MAX_HISTORY_LIMIT}`);
  }
  return Number(raw);
}

// `heroku releases`, Dokku-shaped: a header naming the current release, then the newest releases.
// `<app>@<stack>` asks that stack for its own history of the app (over the stacks' ssh path).
const register: CommandModule = (program, ctx) => {
  program
    .command('ownstack:history')
    .description('list the releases of an app, newest first')
    .argument('[app]', 'an app of this host, or <app>@<stack>')
    .option('--limit <n>', 'how many releases to show', String(DEFAULT_HISTORY_LIMIT))
    .option('--format <format>', 'stdout or json')
    .action(async (appArg: string | undefined, options: { limit?: string; format?: string }) => {
      const format = parseFormat(options.format);
      if (appArg?.includes('@')) {
        const ref = parseAppRef(appArg);
        const releases = await remoteHistory(ctx(), ref.stack!, ref.app, parseLimit(options.limit));
        if (format === 'json') {
          log.out(JSON.stringify(releases));
          return;
        }
        // The stack's current release, when it is among those listed.
        log.out(historyHeader(formatAppRef(ref), releases.find((release) => release.current)?.id));
        log.out(releases.length === 0 ? `       ${formatAppRef(ref)} has no releases yet` : historyTable(releases, new Date()));
        return;
      }
      const app = assertAppExists(ctx(), appArg);
      const limit = parseLimit(options.limit);
      const store = await touchStore(ctx(), app);
      const { records, corrupt } = store.newest(limit);
      for (const bad of corrupt) log.warn(`Release v${bad.id} is unreadable and is not listed: ${bad.file}: ${bad.problem}`);
      const currentId = store.currentId();

      // One docker call for all rows, and only when some row could be expired.
      let imageIds: Set<string> | undefined;
      if (needsImageCheck(records, currentId)) {
        try {
          imageIds = await allImageIds();
        } catch (error) {
          warn(`cannot tell which releases are expired: ${message(error)}`);
        }
      }
      const rows = withDisplayStatus(records, currentId, imageIds);

      if (format === 'json') {
        log.out(JSON.stringify(rows.map((row) => publicRelease(row, { currentId, expired: row.display_status === 'expired' }))));
        return;
      }
      log.out(historyHeader(app, currentId));
      log.out(rows.length === 0 ? `       ${app} has no releases yet` : historyTable(rows, new Date()));
    });
};

export default register;
