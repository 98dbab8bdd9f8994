import type { CommandModule } from '../../program.js';
import { topicHelp } from '../../help.js';
import { log } from '../../lib/output/log.js';

const register: CommandModule = (program) => {
  for (const name of ['review-apps', 'review-apps:help']) {
    program.command(name).description('show help for review-apps commands').action(() => log.out(topicHelp('review-apps')));
  }
};

export default register;
