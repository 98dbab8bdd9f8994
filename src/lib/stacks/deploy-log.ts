import type { Context } from '../context.js';
import { runRemote } from '../dokku/ssh.js';
import { UserError } from '../output/errors.js';
import { controlsEscaped } from '../output/log.js';
import { assertStackExists } from './model.js';
import { remoteFailureLine } from './remote.js';
import { readStacks } from './store.js';

// `ownstack:deploy-log <app>@<stack> [<id>]`: the stack's own `ownstack:deploy-log <app> [<id>]`,
// asked over the stacks' ssh path. The log is another host's text: only its last
// REMOTE_LOG_KEPT_BYTES are kept (a log may be large), and every control character but tab and
// newline is shown as a \uXXXX escape, so no terminal or page acts on it.

export const REMOTE_LOG_KEPT_BYTES = 1024 * 1024;

export interface RemoteLog {
  text: string;
  /** The log was longer than REMOTE_LOG_KEPT_BYTES: its start is not in text. */
  cut: boolean;
}

/** Each line of TEXT with its control characters escaped, the line breaks kept. */
export function inertLines(text: string): string {
  return text.split('\n').map(controlsEscaped).join('\n');
}

/** The deploy log of release ID (the newest when undefined) of APP on stack STACKNAME; one line when it cannot tell. */
export async function remoteDeployLog(ctx: Context, stackName: string, app: string, id: number | undefined): Promise<RemoteLog> {
  const stack = assertStackExists(readStacks(ctx.paths), stackName);
  const words = ['ownstack:deploy-log', app, ...(id === undefined ? [] : [String(id)])];
  const run = await runRemote(ctx, stack, words, { keepLastBytes: REMOTE_LOG_KEPT_BYTES });
  if (run.exitCode !== 0) throw new UserError(remoteFailureLine(ctx, stack, run));
  return { text: inertLines(run.stdout), cut: run.stdoutCut === true };
}
