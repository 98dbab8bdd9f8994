import type { CommandModule } from '../../program.js';
import { assertAppExists } from '../../lib/context.js';
import { readDeliveries } from '../../lib/dashboard/deliveries.js';
import { parseFormat } from '../../lib/output/format.js';
import { log } from '../../lib/output/log.js';
import { columns } from '../../lib/releases/format.js';

// `dokku ownstack:dashboard:deliveries <app>`: the app's GitHub webhook deliveries, newest first,
// and what came of each (never the secret or the payload: they are not kept).
const register: CommandModule = (program, ctx) => {
  program
    .command('ownstack:dashboard:deliveries')
    .description("list the app's GitHub webhook deliveries and their outcomes")
    .argument('[app]')
    .option('--format <format>', 'stdout or json')
    .action((appArg: string | undefined, options: { format?: string }) => {
      const format = parseFormat(options.format);
      const app = assertAppExists(ctx(), appArg);
      const deliveries = readDeliveries(ctx().paths, app);
      if (format === 'json') {
        log.out(JSON.stringify(deliveries));
        return;
      }
      log.out(`=====> ${app} GitHub webhook deliveries`);
      log.out(
        deliveries.length === 0
          ? '       None yet'
          : columns(
              ['RECEIVED', 'DELIVERY', 'EVENT', 'REF', 'SHA', 'OUTCOME', 'REASON'],
              deliveries.map((d) => [d.received_at, d.delivery, d.event, d.ref ?? '', d.sha?.slice(0, 7) ?? '', d.outcome, d.reason]),
            ),
      );
    });
};

export default register;
