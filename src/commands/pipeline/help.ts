import type { CommandModule } from '../../program.js';
import { topicHelp } from '../../help.js';
import { log } from '../../lib/output/log.js';

// `dokku pipeline` alone shows the topic help, as `dokku apps` does (pipeline:help is in ownstack/help.ts).
const register: CommandModule = (program) => {
  program.command('pipeline').description('show help for pipeline commands').action(() => log.out(topicHelp('pipeline')));
};

export default register;
