import type { CommandModule } from '../../program.js';
import { VERSION } from '../../program.js';
import { parseFormat } from '../../lib/output/format.js';
import { log } from '../../lib/output/log.js';

// What `stacks:check` asks another host over ssh, and what a user asks this one.
const register: CommandModule = (program) => {
  program
    .command('ownstack:version')
    .description('print the ownstack version')
    .option('--format <format>', 'stdout or json')
    .action((options: { format?: string }) => {
      const format = parseFormat(options.format);
      log.out(format === 'json' ? JSON.stringify({ version: VERSION }) : `ownstack ${VERSION}`);
    });
};

export default register;
