import fs from 'node:fs';
import path from 'node:path';
import { NotOurCommand, reportError, UserError } from './lib/output/errors.js';
import { log, outputReaderGone } from './lib/output/log.js';
import { takeWebUserOption, WEB_USER_ENV } from './lib/identity/web-user.js';

// The single error handler: a user error is one line on stderr and a non-zero exit; anything
// unexpected is one line too, with the stack only under DOKKU_TRACE.
// A reader that stops early (`| head`) closes the pipe; that ends the output, not in a crash,
// unless the command keeps working without a reader (a deploy whose requester hung up).
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') {
      if (outputReaderGone()) return;
      process.exit(process.exitCode ?? 0);
    }
    throw error;
  });
}

/**
 * Node 24 names its main thread "MainThread", and on Linux the main thread's name is the
 * process's (/proc/PID/comm: what ps, top and pgrep show). Ours stays the executable's, as with
 * Node 20, so that a process on the host says it is ownstack.
 */
function keepProcessName(): void {
  try {
    fs.writeFileSync('/proc/self/comm', path.basename(process.execPath).slice(0, 15));
  } catch {
    // not Linux, or no /proc: the name is cosmetic
  }
}

async function main(): Promise<void> {
  keepProcessName();
  const args = process.argv.slice(2);
  // Dokku starts the binary for a trigger many times a day, inside every deploy: that start loads
  // only the triggers' code, not commander and the commands (~20 ms of every start; BENCHMARKS.md).
  // It is the `trigger` command of the program below, with the same arguments and exit code.
  if (args[0] === 'trigger' && args.length >= 2) {
    try {
      const { runTriggerCommand } = await import('./triggers/index.js');
      process.exitCode = await runTriggerCommand(args[1], args.slice(2));
    } catch (error) {
      process.exitCode = reportError(error);
    }
    return;
  }
  const { buildProgram } = await import('./program.js');
  const { CommanderError } = await import('commander');
  try {
    assertNoEndOfOptions(args);
    const rest = withWebUserTaken(args);
    // only the command that runs is loaded (its name comes first; Dokku drops its global flags)
    const program = await buildProgram(rest[0] ?? '');
    await program.parseAsync([...process.argv.slice(0, 2), ...rest], { from: 'node' });
  } catch (error) {
    process.exitCode = handleError(error, CommanderError);
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

function handleError(error: unknown, CommanderError: typeof import('commander').CommanderError): number {
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

void main();
