import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Context } from '../context.js';
import { findOnPath, runProgram } from './exec.js';
import { queryTrigger } from './plugn.js';

// Review apps need a few of Dokku's own app operations. Creating and destroying an app are Dokku
// commands with no trigger that does the same (apps:clone's setup triggers, apps:destroy's
// pre-delete and cleanup), so those two run `dokku` itself, output straight to the user; the rest
// go through plugn as everywhere else.

/** The apps of this host: the directories under DOKKU_ROOT with names Dokku would accept. */
export function listApps(ctx: Context): string[] {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(ctx.env.dokkuRoot, { withFileTypes: true });
  } catch {
    return [];
  }
  return entries
    .filter((entry) => entry.isDirectory() && /^[a-z0-9][a-z0-9.-]*$/.test(entry.name))
    .map((entry) => entry.name)
    .sort();
}

/** `dokku <args>` with our stdio; resolves to its exit code. */
export function runDokkuCommand(args: string[], env: Record<string, string> = {}): Promise<number> {
  const child = spawn('dokku', args, { stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, ...env } });
  return new Promise((resolve) => {
    child.on('error', () => resolve(127));
    child.on('close', (code) => resolve(code ?? 1));
  });
}

/** Sets config without a restart and without printing anything (values never reach output). */
export async function setConfigQuietly(app: string, pairs: Record<string, string>): Promise<void> {
  const assignments = Object.entries(pairs).map(([key, value]) => `${key}=${value}`);
  if (assignments.length === 0) return;
  const result = await runProgram('plugn', ['trigger', 'config-set', '--no-restart', app, ...assignments], { env: { DOKKU_QUIET_OUTPUT: '1' } });
  // The message names keys only: Dokku's output may echo values, so it is not repeated.
  if (result.exitCode !== 0) throw new Error(`could not set ${Object.keys(pairs).join(', ')} on ${app} (config-set exited ${result.exitCode})`);
}

/** The app's first URL, if it has one. */
export async function appUrl(app: string): Promise<string | undefined> {
  const urls = await queryTrigger('domains-urls', [app]);
  return urls?.split('\n').map((line) => line.trim()).find(Boolean);
}

/** Dokku's `apps` property `created-at` (epoch seconds), if recorded. */
export function appCreatedAt(ctx: Context, app: string): Date | undefined {
  try {
    const seconds = Number(fs.readFileSync(path.join(ctx.env.libRoot, 'config', 'apps', app, 'created-at'), 'utf8').trim());
    return Number.isFinite(seconds) && seconds > 0 ? new Date(seconds * 1000) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A clone copies Dokku's run-once markers from its parent: app-json's `heroku.postdeploy`
 * ("executed") and common's `deployed`. A review app is a new app whose first deploy must run
 * scripts.postdeploy, so they are removed from it (they are Dokku's properties, one file each).
 */
export function forgetRunOnceState(ctx: Context, app: string): void {
  for (const [plugin, key] of [['app-json', 'heroku.postdeploy'], ['common', 'deployed']]) {
    fs.rmSync(path.join(ctx.env.libRoot, 'config', plugin, app, key), { force: true });
  }
}

/**
 * How a one-off container gets the app's config, the way Dokku's own `dokku run` and deploys give
 * it (config's docker-args-run: `--env=KEY` per key; scheduler-docker-local: the values exported
 * into the docker CLI's environment): the values never pass through a file or an argument, so
 * nothing quotes, escapes or splits them. `docker run --env-file` would keep the quotes of
 * config-export's envfile format and cannot carry a newline at all.
 */
export function configAsDockerEnv(config: Record<string, string>): { args: string[]; env: Record<string, string> } {
  const keys = Object.keys(config).sort();
  return { args: keys.map((key) => `--env=${key}`), env: Object.fromEntries(keys.map((key) => [key, config[key]])) };
}

/**
 * Runs `sh -c SCRIPT` once in a new container of IMAGE with CONFIG (the app's merged config),
 * output to ours, and removes it.
 */
export async function runOneOff(app: string, image: string, config: Record<string, string>, script: string): Promise<number> {
  const { args: envArgs, env } = configAsDockerEnv(config);
  // Found on our PATH before the app's config joins the environment: a config PATH is the
  // container's, and must not decide which docker runs.
  const docker = findOnPath('docker') ?? 'docker';
  const args = ['container', 'run', '--rm', '--label', `com.dokku.app-name=${app}`, '--label', 'dokku', ...envArgs, image, '/bin/sh', '-c', script];
  const child = spawn(docker, args, { stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, ...env } });
  return new Promise<number>((resolve) => {
    child.on('error', () => resolve(127));
    child.on('close', (code) => resolve(code ?? 1));
  });
}
