import fs from 'node:fs';
import path from 'node:path';

// execa is loaded on first use, not at start-up: most trigger invocations run no command, and
// loading it costs about 8 ms of every start of the binary, which Dokku pays per trigger.
let loaded: Promise<typeof import('execa')> | undefined;

export interface ProgramResult {
  /** The exit status; undefined when the program could not start or was killed by a signal. */
  exitCode: number | undefined;
  stdout: string;
  stderr: string;
}

/** Runs a program with an argument array (never a shell); a failure is returned, not thrown. */
export async function runProgram(file: string, args: string[], options: { env?: Record<string, string> } = {}): Promise<ProgramResult> {
  const { execa } = await (loaded ??= import('execa'));
  const result = await execa(file, args, { stdin: 'ignore', reject: false, env: options.env });
  return { exitCode: result.exitCode, stdout: result.stdout, stderr: result.stderr };
}

/** The full path of an executable on our PATH, found now (before a child's env may change PATH). */
export function findOnPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      if (fs.statSync(candidate).isFile()) return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}
