import { spawn } from 'node:child_process';
import { constants as osConstants } from 'node:os';
import { runProgram } from './exec.js';

// Part of the seam: an app's config, read and written through Dokku's config plugin.
//
// Reading goes through plugn (`config-export APP false false json`: the app's own variables).
// Writing has no trigger in Dokku, so it runs Dokku's own `config:set` (the one exception to
// "plugn, never the dokku binary"): that keeps Dokku's validation, its ENV file format, its
// post-config-update trigger and its config-redeploy, so the push is one ordinary `config` release.
//
// How the values travel: Dokku 0.38's config:set takes values only as arguments (no stdin, no
// file). We pass them `--encoded` (base64), Dokku's form for arbitrary bytes, so a multi-line
// value arrives intact and no plain value shows in a process list or a `--trace` line; base64
// is an encoding, not a secret, and the arguments live only as long as that one config:set on the
// Dokku host. config:set echoes what it sets, so its output is captured and dropped, never
// printed; it is not run `--quiet`, because that would also silence the redeploy's own log,
// which Dokku captures from inside release-and-deploy (after the echo) and the release keeps.

/**
 * The app's config, exact: JSON is the one config-export format that carries every value as it
 * is (envfile double-quotes and escapes, exports single-quotes). `merged` puts the app's
 * variables over the global ones, as every container of the app gets them.
 */
export async function readAppConfig(app: string, { merged = false } = {}): Promise<Record<string, string>> {
  const result = await runProgram('plugn', ['trigger', 'config-export', app, 'false', String(merged), 'json']);
  if (result.exitCode !== 0) throw new Error(`cannot read the config of ${app} (config-export exit ${result.exitCode ?? 'signal'})`);
  const text = result.stdout.trim();
  if (text === '') return {};
  const parsed: unknown = JSON.parse(text);
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error(`cannot read the config of ${app}: unexpected config-export output`);
  return Object.fromEntries(Object.entries(parsed).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
}

export interface ConfigSetRun {
  exitCode: number;
  /** Dokku's last ` !` line, when it names none of the values. */
  error?: string;
}

/**
 * One `dokku config:set --encoded [--no-restart] APP KEY=<base64>…`. `env` reaches the
 * triggers of the redeploy (OWNSTACK_CONFIG_KEYS names the keys in the release record).
 */
export async function setAppConfig(
  app: string,
  values: Map<string, string>,
  options: { restart: boolean; env: Record<string, string> },
): Promise<ConfigSetRun> {
  const pairs = [...values].map(([key, value]) => `${key}=${Buffer.from(value, 'utf8').toString('base64')}`);
  const args = ['config:set', '--encoded', ...(options.restart ? [] : ['--no-restart']), app, ...pairs];
  const child = spawn('dokku', args, { env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.resume();
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    if (stderr.length < 64 * 1024) stderr += chunk.toString('utf8');
  });
  const exitCode = await new Promise<number>((resolve) => {
    child.on('error', () => resolve(127));
    child.on('close', (code, signal) => resolve(code ?? (signal ? 128 + (osConstants.signals[signal] ?? 0) : 1)));
  });
  const error = stderr
    .split('\n')
    .filter((line) => /^ ! /.test(line))
    .map((line) => line.replace(/^ !\s+/, '').trim())
    .filter((line) => line !== '' && ![...values.values()].some((value) => value !== '' && line.includes(value)))
    .pop();
  return { exitCode, error };
}
