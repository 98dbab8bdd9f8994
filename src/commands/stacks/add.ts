import type { CommandModule } from '../../program.js';
import { log } from '../../lib/output/log.js';
import { addStackTo, assertStackName, findStack, formatAddress, parseStackAddress } from '../../lib/stacks/model.js';
import { checkStack } from '../../lib/stacks/remote.js';
import { readStacks, updateStacks } from '../../lib/stacks/store.js';

const register: CommandModule = (program, ctx) => {
  program
    .command('stacks:add')
    .description('add a remote Dokku host, reached over ssh')
    .argument('[name]')
    .argument('[address]', 'dokku@host[:port]')
    .action(async (nameArg: string | undefined, addressArg: string | undefined) => {
      const name = assertStackName(nameArg);
      const address = parseStackAddress(addressArg);
      // Refused before the lock, so a refusal leaves not even a lock file behind.
      addStackTo(readStacks(ctx().paths), name, address, '');
      await updateStacks(ctx().paths, (file) => ({ file: addStackTo(file, name, address, new Date().toISOString()), result: undefined }));
      log.step(`Added stack ${name} (${formatAddress(address)})`);
      // Not a condition of adding (the host may not be ready yet), but worth knowing now.
      const check = await checkStack(ctx(), findStack(readStacks(ctx().paths), name)!);
      if (check.status === 'ok') log.step(`Stack ${name} answers: ownstack ${check.ownstack_version}`);
      else log.warn(check.message ?? `stack ${name} does not answer`);
    });
};

export default register;
