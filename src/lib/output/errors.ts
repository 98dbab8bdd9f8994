import { controlsEscaped, log } from './log.js';
import { currentEnv } from '../dokku/trigger-scope.js';

// User-facing failures. Everything the user should read is raised as a UserError by a small
// assert* guard and printed once, as one line, by the single handler in cli.ts.
export class UserError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message.replace(/\s*\n\s*/g, ' '));
    this.name = 'UserError';
  }
}

/** Dokku's last ` !` line of some output, without the marker (at most 300 characters). */
export function lastErrorLine(output: string): string | undefined {
  const lines = output.split('\n');
  for (let i = lines.length - 1; i >= 0; i--) {
    const match = /^\s*!\s+(.*\S)/.exec(lines[i]);
    // Another host's words: a hostile or broken one must not drive our user's terminal.
    if (match) return controlsEscaped(match[1].slice(0, 300));
  }
  return undefined;
}

/**
 * Prints an error as the single handler does and returns the exit code: a user error is its one
 * line; anything unexpected is one line too, with the stack only under DOKKU_TRACE.
 */
export function reportError(error: unknown): number {
  if (error instanceof UserError) {
    log.error(error.message);
    return error.exitCode;
  }
  if (error instanceof NotOurCommand) return error.exitCode;
  const message = error instanceof Error ? error.message : String(error);
  log.error(message.split('\n')[0]);
  if (currentEnv().DOKKU_TRACE && error instanceof Error && error.stack) log.trace(error.stack);
  return 1;
}

/** Exit 10 tells Dokku's dispatcher that a command is not ours (DOKKU_NOT_IMPLEMENTED_EXIT). */
export class NotOurCommand extends Error {
  readonly exitCode = Number(process.env.DOKKU_NOT_IMPLEMENTED_EXIT || 10);
}
