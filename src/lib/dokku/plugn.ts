import { execa } from 'execa';

// Other plugins are reached through plugn, never through the dokku binary (Dokku's plugin docs),
// so DOKKU_PID and the rest of our environment carry through to the triggers it fires.
export interface TriggerRun {
  exitCode: number;
  output: string;
}

export async function runTrigger(
  name: string,
  args: string[],
  options: { env?: Record<string, string>; onLine?: (line: string) => void } = {},
): Promise<TriggerRun> {
  const child = execa('plugn', ['trigger', name, ...args], {
    env: options.env,
    stdin: 'ignore',
    all: true,
    reject: false,
    buffer: { all: true },
  });
  let pending = '';
  child.all?.on('data', (chunk: Buffer) => {
    pending += chunk.toString('utf8');
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) options.onLine?.(line);
  });
  const result = await child;
  if (pending) options.onLine?.(pending);
  return { exitCode: result.exitCode ?? 1, output: typeof result.all === 'string' ? result.all : '' };
}

/** A query trigger's stdout, e.g. `git-get-property`; undefined when it fails. */
export async function queryTrigger(name: string, args: string[]): Promise<string | undefined> {
  const result = await execa('plugn', ['trigger', name, ...args], { stdin: 'ignore', reject: false });
  return result.exitCode === 0 ? result.stdout.trim() : undefined;
}
