import { CommanderError } from 'commander';
import { buildProgram } from './program.js';
import { NotOurCommand, UserError } from './lib/output/errors.js';
import { log } from './lib/output/log.js';

// The single error handler: a user error is one line on stderr and a non-zero exit; anything
// unexpected is one line too, with the stack only under DOKKU_TRACE.
async function main(): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(process.argv);
  } catch (error) {
    process.exitCode = handleError(error);
  }
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
  if (error instanceof UserError) {
    log.error(error.message);
    return error.exitCode;
  }
  if (error instanceof NotOurCommand) return error.exitCode;
  const message = error instanceof Error ? error.message : String(error);
  log.error(message.split('\n')[0]);
  if (process.env.DOKKU_TRACE && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
  return 1;
}

void main();
