import { spawn, type StdioOptions } from 'node:child_process';
import { constants as osConstants } from 'node:os';
import { runProgram } from './exec.js';

// Other plugins are reached through plugn, never through the dokku binary (Dokku's plugin docs),
// so DOKKU_PID and the rest of our environment carry through to the triggers it fires.
export interface TriggerRun {
  exitCode: number;
  output: string;
}

export async function runTrigger(
  name: string,
  args: string[],
  options: {
    env?: Record<string, string>;
    onLine?: (line: string) => void;
    inheritFd?: number;
    /** Aborting it stops the trigger and everything it started (SIGTERM to its process group). */
    stop?: AbortSignal;
  } = {},
): Promise<TriggerRun> {
  // A lock descriptor, when given, is inherited as fd 3: if we are killed, Dokku's part keeps the
  // lock until it ends instead of deploying unlocked.
  const stdio: StdioOptions = ['ignore', 'pipe', 'pipe', ...(options.inheritFd === undefined ? [] : [options.inheritFd])];
  // A stoppable trigger gets a process group of its own, so that stopping it reaches Dokku's
  // scripts and the docker commands they wait on. Only then: otherwise Ctrl-C on a terminal must
  // reach Dokku's part as it reaches ours.
  const stoppable = options.stop !== undefined;
  const child = spawn('plugn', ['trigger', name, ...args], { env: { ...process.env, ...options.env }, stdio, detached: stoppable });
  const signalGroup = (signal: NodeJS.Signals) => {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, signal);
    } catch {
      // the group has ended already
    }
  };
  const stop = () => signalGroup('SIGTERM');
  if (options.stop?.aborted) stop();
  options.stop?.addEventListener('abort', stop, { once: true });
  const chunks: Buffer[] = [];
  const forward = (stream: NodeJS.ReadableStream | null) => {
    let pending = '';
    stream?.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      pending += chunk.toString('utf8');
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) options.onLine?.(line);
    });
    stream?.on('end', () => {
      if (pending) options.onLine?.(pending);
    });
  };
  forward(child.stdout);
  forward(child.stderr);
  const exitCode = await new Promise<number>((resolve) => {
    child.on('error', () => resolve(127));
    child.on('close', (code, signal) => resolve(code ?? (signal ? 128 + (osConstants.signals[signal] ?? 0) : 1)));
  });
  options.stop?.removeEventListener('abort', stop);
  // Whatever of a stopped trigger outlived it (a docker command its script waited on) goes too;
  // not after a trigger that succeeded all the same (its background retirement of the old
  // containers must live on).
  if (options.stop?.aborted && exitCode !== 0) signalGroup('SIGKILL');
  return { exitCode, output: Buffer.concat(chunks).toString('utf8') };
}

/** A query trigger's stdout, e.g. `git-get-property`; undefined when it fails. */
export async function queryTrigger(name: string, args: string[]): Promise<string | undefined> {
  const result = await runProgram('plugn', ['trigger', name, ...args]);
  return result.exitCode === 0 ? result.stdout.trim() : undefined;
}
