import { CommanderError } from 'commander';
import { buildProgram } from './program.js';
import { NotOurCommand, reportError, UserError } from './lib/output/errors.js';
import { log } from './lib/output/log.js';
import { takeWebUserOption, WEB_USER_ENV } from './lib/identity/web-user.js';

/**
 * One command line of ours (not a trigger: src/cli.ts runs those without commander), as a start of
 * the binary runs it: the single error handler included. Resolves to the exit code; output goes to
 * process.stdout and process.stderr. The hostile-input corpus runs through this in-process
 * (test/unit/hostile-inputs.test.ts), so it is exactly what the binary does with an argument list.
 */
export async function runCommand(args: string[]): Promise<number> {
  try {
    assertNoEndOfOptions(args);
    const rest = withWebUserTaken(args);
    // only the command that runs is loaded (its name comes first; Dokku drops its global flags)
    const program = await buildProgram(rest[0] ?? '');
    await program.parseAsync([...process.argv.slice(0, 2), ...rest], { from: 'node' });
    return Number(process.exitCode ?? 0);
  } catch (error) {
    return handleError(error);
  }
}

/**
 * Commander reads a bare `--` as "end of options" and drops it, so `ownstack:set app retention --`
 * would quietly become an unset. None of our commands takes a value that starts with a dash, so a
 * `--` is refused, except in trigger arguments, which come from Dokku and are passed through.
 */
function assertNoEndOfOptions(args: string[]): void {
  if (args[0] !== 'trigger' && args.includes('--')) throw new UserError("Unexpected argument '--'");
}

/**
 * `--web-user NAME`, the dashboard's one global option (src/lib/identity/web-user.ts): taken off
 * the command line before commander sees it, refused unless the dashboard's key sent it, and
 * handed to WHO, and to every trigger this command causes, through the environment. Trigger
 * arguments come from Dokku and pass untouched.
 */
function withWebUserTaken(args: string[]): string[] {
  if (args[0] === 'trigger') return args;
  const { args: rest, webUser } = takeWebUserOption(args, process.env.SSH_NAME);
  if (webUser !== undefined) process.env[WEB_USER_ENV] = webUser;
  return rest;
}

function handleError(error: unknown): number {
  if (error instanceof CommanderError) {
    if (error.code === 'commander.version' || error.code === 'commander.helpDisplayed' || error.exitCode === 0) return 0;
    if (error.code === 'commander.unknownCommand') {
      return new NotOurCommand().exitCode;
    }
    log.error(error.message.replace(/^error: /, '').split('\n')[0]);
    return 1;
  }
  return reportError(error);
}
