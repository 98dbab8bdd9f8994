import fs from 'node:fs';
import path from 'node:path';
import { reportError } from './lib/output/errors.js';
import { outputReaderGone } from './lib/output/log.js';

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
  // It is the `trigger` command of the program (src/program.ts), with the same arguments and exit code.
  if (args[0] === 'trigger' && args.length >= 2) {
    try {
      const { runTriggerCommand } = await import('./triggers/index.js');
      process.exitCode = await runTriggerCommand(args[1], args.slice(2));
    } catch (error) {
      process.exitCode = reportError(error);
    }
    return;
  }
  const { runCommand } = await import('./run-command.js');
  process.exitCode = await runCommand(args);
}

void main();
