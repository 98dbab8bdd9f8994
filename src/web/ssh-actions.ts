import type { DokkuPaths } from '../lib/dokku/env.js';
import { runSsh } from '../lib/dokku/ssh.js';
import { Refusal } from '../lib/dashboard/refusal.js';
import { assertCommandWords, dashboardIdentity, readSshTarget, sshFiles } from '../lib/dashboard/ssh.js';

// Runs one Dokku command on this host over ssh, with the dashboard's key (lib/dashboard/ssh.ts),
// through the project's one ssh seam (lib/dokku/ssh.ts). Every word is first checked to be one
// plain word, so Dokku's forced command, which re-parses them, sees the same words.

const OUTPUT_KEPT = 32 * 1024;
const STDOUT_KEPT = 256 * 1024;

export interface ActionResult {
  code: number;
  /** Its output (stdout and stderr as they came), the last 32 KiB. */
  output: string;
  /** Its standard output alone (a read's JSON), the last 256 KiB. */
  stdout: string;
}

export interface ActionRun {
  exited: Promise<ActionResult>;
}

export type ActionRunner = (words: string[], options?: { timeoutMs?: number }) => ActionRun;

export function sshActionRunner(paths: Pick<DokkuPaths, 'dashboardRoot'>): ActionRunner {
  return (words, options = {}) => {
    const target = readSshTarget(paths);
    if (!target) throw new Refusal(503, 'Actions are not set up here: run dokku ownstack:dashboard:enable (the dashboard acts over ssh with its own key)');
    const run = runSsh(dashboardIdentity(sshFiles(paths), target), target, assertCommandWords(words), { timeoutMs: options.timeoutMs });
    // ssh's own failure (no client, host unreachable) has no output of the command: say what it was.
    return { exited: run.then((result) => ({
      code: result.exitCode,
      output: (result.output || result.failureText || '').slice(-OUTPUT_KEPT),
      stdout: result.stdout.slice(-STDOUT_KEPT),
    })) };
  };
}
