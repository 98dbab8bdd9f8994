import fs from 'node:fs';
import type { CommandModule } from '../../program.js';
import { assertAppExists } from '../../lib/context.js';
import { UserError } from '../../lib/output/errors.js';
import { log, printable } from '../../lib/output/log.js';
import { assertSettingKey, assertSettingScope, assertSettingValue, GLOBAL, SETTINGS, shownValue, writeSetting } from '../../lib/settings/settings.js';

const register: CommandModule = (program, ctx) => {
  program
    .command('ownstack:set')
    .description('set or clear an ownstack setting')
    .argument('[app]', 'an app, or --global')
    .argument('[key]')
    .argument('[value]')
    .option('--global', 'set the global value')
    .action(async (first: string | undefined, second: string | undefined, third: string | undefined, options: { global?: boolean }, command) => {
      const args = [first, second, third].filter((arg): arg is string => arg !== undefined);
      if ((command.args as string[]).length > 3) throw new UserError(`Too many arguments: ${printable((command.args as string[]).slice(3).join(' '))}`);
      const scope = options.global ? GLOBAL : assertAppExists(ctx(), args.shift());
      if (options.global && args.length > 2) throw new UserError(`Too many arguments: ${printable(args.slice(2).join(' '))}`);
      const key = assertSettingKey(args[0]);
      assertSettingScope(key, scope);
      const value = args[1];
      if (value === undefined || value === '') {
        await writeSetting(ctx().paths, scope, key, undefined);
        log.step(`Unsetting ${key}`);
        return;
      }
      // A secret can come from standard input (`-`), so it stays out of argv and shell history;
      // some may come from nowhere else.
      const stdin = SETTINGS[key].stdin;
      if (stdin === 'only' && value !== '-') throw new UserError(`${key} is read from standard input only: ownstack:set <app> ${key} - (the value on stdin)`);
      const given = value === '-' && stdin !== undefined ? readFirstLine() : value;
      await writeSetting(ctx().paths, scope, key, assertSettingValue(key, given));
      log.step(`Setting ${key} to ${shownValue(key, given)}`);
    });
};

function readFirstLine(): string {
  let text: string;
  try {
    text = fs.readFileSync(0, 'utf8');
  } catch {
    throw new UserError('Cannot read the value from standard input');
  }
  return text.split(/\r?\n/)[0] ?? '';
}

export default register;
