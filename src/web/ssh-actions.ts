import { spawn } from 'node:child_process';
import type { DokkuPaths } from '../lib/dokku/env.js';
import { findOnPath } from '../lib/dokku/exec.js';
import { Refusal } from '../lib/dashboard/refusal.js';
import { readSshTarget, sshArguments, sshFiles } from '../lib/dashboard/ssh.js';

// Runs one Dokku command on this host over ssh, with the dashboard's key (lib/dashboard/ssh.ts).
// The argument array goes to ssh as is (no shell here); every word was checked to be one plain
// word, so Dokku's forced command, which re-parses them, sees the same words.

const OUTPUT_KEPT = 32 * 1024;

export interface ActionResult {
  code: number;
  /** Its output (stdout and stderr as they came), the last 32 KiB. */
  output: string;
}

export interface ActionRun {
  exited: Promise<ActionResult>;
}

export type ActionRunner = (words: string[], options?: { timeoutMs?: number }) => ActionRun;

export function sshActionRunner(paths: Pick<DokkuPaths, 'dashboardRoot'>): ActionRunner {
  return (words, options = {}) => {
    const target = readSshTarget(paths);
    if (!target) throw new Refusal(503, 'Actions are not set up here: run dokku ownstack:dashboard:enable (the dashboard acts over ssh with its own key)');
    const args = sshArguments(target, sshFiles(paths), words);
    const ssh = findOnPath('ssh') ?? '/usr/bin/ssh';
    const child = spawn(ssh, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: '/nonexistent' } });
    let output = '';
    const keep = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      if (output.length > OUTPUT_KEPT * 2) output = output.slice(-OUTPUT_KEPT);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const timer = options.timeoutMs === undefined ? undefined : setTimeout(() => child.kill('SIGTERM'), options.timeoutMs);
    const exited = new Promise<ActionResult>((resolve) => {
      child.on('error', (error) => resolve({ code: 127, output: `ssh could not run: ${error.message}` }));
      child.on('close', (code) => {
        if (timer) clearTimeout(timer);
        resolve({ code: code ?? 1, output: output.slice(-OUTPUT_KEPT) });
      });
    });
    return { exited };
  };
}
