import { Command, Option } from 'commander';
import { COMMANDS } from './commands/index.js';
import { createContext, type Context } from './lib/context.js';
import { dokkuHelpRows } from './help.js';
import { replayNotedTriggers, runRelayedTrigger, runTriggerCommand } from './triggers/index.js';
import { answerRelayedTriggersWith } from './lib/dokku/trigger-relay.js';
import { DELIVER_COMMAND } from './lib/notifications/outbox.js';
import { runSender } from './lib/notifications/deliver.js';
import { VERSION } from './lib/version.js';

export { COMMIT, VERSION } from './lib/version.js';

/** One module per command (src/commands/<topic>/<verb>.ts); each adds itself to the program. */
export type CommandModule = (program: Command, ctx: () => Context) => void;

/**
 * The root program. `only` is the command a start of the binary runs (its first argument): then
 * only that command's module is loaded (a name that is none of ours loads none, and commander
 * answers "unknown command", exit 10). Without it, every command is registered.
 */
export async function buildProgram(only?: string): Promise<Command> {
  // Our own deploys answer the triggers they cause in this process (trigger-relay.ts).
  answerRelayedTriggersWith(runRelayedTrigger);
  let context: Context | undefined;
  const ctx = () => (context ??= createContext());

  const program = new Command()
    .name('ownstack')
    .description('Release history, rollback and pipelines for Dokku')
    .version(VERSION, '--version', 'print the version')
    .helpCommand(false)
    .showSuggestionAfterError(false)
    .exitOverride()
    .configureOutput({ writeErr: () => undefined, outputError: () => undefined });

  program
    .command('help', { hidden: true })
    .description('rows for `dokku help`')
    .addOption(new Option('--all'))
    .allowUnknownOption()
    .action((options: { all?: boolean }) => {
      process.stdout.write(`${dokkuHelpRows(Boolean(options.all))}\n`);
    });

  program
    .command('trigger', { hidden: true })
    .description('run a Dokku plugin trigger')
    .argument('<name>')
    .argument('[args...]')
    .allowUnknownOption()
    .helpOption(false)
    .action(async (name: string, args: string[]) => {
      // src/cli.ts runs a trigger without building this program; this is its usage check
      process.exitCode = await runTriggerCommand(name, args);
    });

  program
    .command(DELIVER_COMMAND, { hidden: true })
    .description("deliver an app's queued release notifications (started in the background)")
    .argument('<app>')
    .helpOption(false)
    .action(async (app: string) => {
      // Never run by hand: a bad argument is ignored quietly, as nobody reads this output.
      if (!/^[a-z0-9][a-z0-9.-]*$/.test(app)) return;
      await runSender(ctx(), app);
    });

  const wanted = only === undefined ? COMMANDS : COMMANDS.filter((entry) => entry.names.includes(only));
  for (const module of await Promise.all(wanted.map((entry) => entry.load()))) module.default(program, ctx);

  // Before any command reads a history, what trigger shims only noted is recorded (trigger-notes.ts);
  // `trigger` does it itself, and the notification sender (nice 19) must never hold up a deploy.
  // The dashboard's web process never writes to the store it reads (it will be mounted read-only).
  program.hook('preAction', async (_program, action) => {
    if (action.parent?.name() === 'dashboard') return;
    if (!['help', 'trigger', DELIVER_COMMAND].includes(action.name())) await replayNotedTriggers(ctx());
  });

  // Options are parsed once here, for every command, and reach the actions as plain values.
  // Help comes from `ownstack:help` / `pipeline:help` as in Dokku, so `--help` is just an unknown option.
  for (const command of program.commands) {
    command
      .helpOption(false)
      .exitOverride()
      .configureOutput({ writeErr: () => undefined, outputError: () => undefined });
  }
  return program;
}
