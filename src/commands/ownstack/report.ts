import type { CommandModule } from '../../program.js';
import { assertAppExists, type Context } from '../../lib/context.js';
import { UserError } from '../../lib/output/errors.js';
import { parseFormat, reportBlock } from '../../lib/output/format.js';
import { log, printable } from '../../lib/output/log.js';
import { listApps } from '../../lib/dokku/apps.js';
import { GLOBAL, readSetting, SETTINGS, shownValue, type SettingKey } from '../../lib/settings/settings.js';

// Like letsencrypt:report: every key as its app, global and computed values; `--ownstack-<key>`
// prints one bare value; no argument reports every app.
function reportValues(ctx: Context, app: string | undefined): Record<string, string> {
  const values: Record<string, string> = {};
  for (const key of Object.keys(SETTINGS) as SettingKey[]) {
    const setting = readSetting(ctx.paths, app, key);
    // A global-only key (dashboard-url) has no app value to show, only the host's.
    const perApp = app !== undefined && !SETTINGS[key].globalOnly;
    if (perApp) values[key] = shownValue(key, setting.app);
    // A per-app-only key (github-webhook-secret) has no host-wide value.
    if (!SETTINGS[key].inAppStore) values[`global-${key}`] = shownValue(key, setting.global);
    if (perApp) values[`computed-${key}`] = shownValue(key, setting.computed);
  }
  return values;
}

const label = (key: string) => `Ownstack ${key.replace(/-/g, ' ')}`;

const register: CommandModule = (program, ctx) => {
  program
    .command('ownstack:report')
    .description('display ownstack settings')
    .argument('[args...]', 'an app or --global, and at most one --ownstack-<key> flag')
    .option('--format <format>', 'stdout or json')
    .option('--global', 'report the global settings')
    .allowUnknownOption()
    .action((_args: string[], options: { format?: string; global?: boolean }, command) => {
      const format = parseFormat(options.format);
      // Unknown options stay in command.args with the operands: --ownstack-<key> flags are ours.
      const words = command.args as string[];
      const flags = words.filter((arg) => arg.startsWith('--ownstack-'));
      const stray = words.filter((arg) => arg.startsWith('-') && !arg.startsWith('--ownstack-'));
      if (stray.length > 0) throw new UserError(`Unknown option ${printable(stray[0])}`);
      const positional = words.filter((arg) => !arg.startsWith('-'));
      if (positional.length > 1) throw new UserError(`Too many arguments: ${printable(positional.slice(1).join(' '))}`);
      const isGlobal = options.global || positional[0] === GLOBAL;
      if (isGlobal && positional.length > 0 && positional[0] !== GLOBAL) throw new UserError('Give an app or --global, not both');
      const apps = isGlobal ? [undefined] : positional.length > 0 ? [assertAppExists(ctx(), positional[0])] : listApps(ctx());

      if (flags.length > 0) {
        if (flags.length > 1) throw new UserError('Only one --ownstack-<flag> may be given');
        if (apps.length !== 1) throw new UserError('A --ownstack-<flag> needs an app or --global');
        const values = reportValues(ctx(), apps[0]);
        const key = flags[0].slice('--ownstack-'.length);
        if (!Object.hasOwn(values, key)) throw new UserError(`Invalid flag ${printable(flags[0])}, valid flags: ${Object.keys(values).map((k) => `--ownstack-${k}`).join(', ')}`);
        log.out(values[key]);
        return;
      }
      if (format === 'json') {
        const reports = apps.map((app) => reportValues(ctx(), app));
        log.out(JSON.stringify(apps.length === 1 ? reports[0] : Object.fromEntries(apps.map((app, i) => [app, reports[i]]))));
        return;
      }
      if (apps.length === 0) {
        log.warn('You haven\'t deployed any applications yet');
        return;
      }
      for (const app of apps) {
        const values = reportValues(ctx(), app);
        log.out(reportBlock(app ? `${app} ownstack information` : 'Global ownstack information', Object.entries(values).map(([key, value]) => [label(key), value])));
      }
    });
};

export default register;
