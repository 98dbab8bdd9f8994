import type { CommandModule } from '../../program.js';
import { parseFormat } from '../../lib/output/format.js';
import { log } from '../../lib/output/log.js';
import { formatAddress } from '../../lib/stacks/model.js';
import { readStacks } from '../../lib/stacks/store.js';

const register: CommandModule = (program, ctx) => {
  program
    .command('stacks:list')
    .description('list the remote Dokku hosts this host knows')
    .option('--format <format>', 'stdout or json')
    .action((options: { format?: string }) => {
      const format = parseFormat(options.format);
      const { stacks } = readStacks(ctx().paths);
      if (format === 'json') {
        log.out(JSON.stringify(stacks.map((stack) => ({ name: stack.name, address: formatAddress(stack), user: stack.user, host: stack.host, port: stack.port, added_at: stack.added_at }))));
        return;
      }
      log.out('=====> Stacks');
      const width = Math.max(0, ...stacks.map((stack) => stack.name.length));
      for (const stack of stacks) log.out(`${stack.name.padEnd(width)}  ${formatAddress(stack)}`);
    });
};

export default register;
