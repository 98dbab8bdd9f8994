import type { CommandModule } from '../../program.js';
import { topicHelp } from '../../help.js';
import { log } from '../../lib/output/log.js';

const register: CommandModule = (program) => {
  for (const name of ['ownstack', 'ownstack:help']) {
    program.command(name).description('show help for ownstack commands').action(() => log.out(topicHelp('ownstack')));
  }
  program.command('pipeline:help').description('show help for pipeline commands').action(() => log.out(topicHelp('pipeline')));
  for (const name of ['stacks', 'stacks:help']) {
    program.command(name).description('show help for stacks commands').action(() => log.out(topicHelp('stacks')));
  }
};

export default register;
