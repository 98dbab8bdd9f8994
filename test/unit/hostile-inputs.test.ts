import childProcess from 'node:child_process';
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import path from 'node:path';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { runCommand } from '../../src/run-command.js';
import { readCorpus, refusedThroughTheHost, type HostileCase } from '../e2e/helpers/hostile-corpus.mjs';
import { addPipeline, addRelease, makeHost, snapshotTree, type TestHost } from './dashboard-support.js';

// Every case of the hostile-input corpus (test/fixtures/hostile-inputs.jsonl) through the binary's
// own command path (src/run-command.ts: the program, options parsed once, the single error
// handler), in this process: a non-zero exit, exactly one line on stderr, nothing on the store
// changed, and no program started but flock (the store's lock), so that nothing reached Dokku,
// Docker or another host. The state is the one test/e2e/hostile-inputs.bats gives the corpus:
// hx-app with one succeeded release, production of pipeline hx-pipe; hx-free in no pipeline;
// hx-none missing.
//
// The end-to-end file runs, through the host's `dokku` and the compiled binary with real state and
// a real engine, the cases with standard input or a config value, and for each command its first
// case and its first case of each kind of character a shell or a dispatcher could mangle
// (refusedThroughTheHost): ~1,100 starts of the binary fewer, the same promises for every case.

let host: TestHost;
const started: string[] = [];
const savedEnv = { ...process.env };
const real = { spawn: childProcess.spawn, spawnSync: childProcess.spawnSync, execFile: childProcess.execFile, execFileSync: childProcess.execFileSync, exec: childProcess.exec, execSync: childProcess.execSync, fork: childProcess.fork };

/**
 * Every way of starting a program, recorded; flock (the store's lock, a local utility) runs, and
 * anything else fails to start, so a case that would reach Dokku or Docker is seen, never run.
 */
function recordStartedPrograms(): void {
  const record = (how: keyof typeof real) =>
    ((file: string, ...rest: unknown[]) => {
      const args = Array.isArray(rest[0]) ? (rest[0] as string[]) : [];
      started.push([path.basename(String(file)), ...args].join(' '));
      if (path.basename(String(file)) === 'flock' && (how === 'spawn' || how === 'spawnSync')) return (real[how] as (...a: unknown[]) => unknown)(file, ...rest);
      throw Object.assign(new Error(`spawn ${file} ENOENT`), { code: 'ENOENT' });
    }) as never;
  for (const how of Object.keys(real) as (keyof typeof real)[]) (childProcess as Record<string, unknown>)[how] = record(how);
  syncBuiltinESMExports();
}

beforeAll(async () => {
  host = makeHost();
  for (const app of ['hx-app', 'hx-free']) fs.mkdirSync(path.join(host.libRoot, 'home', app));
  await addRelease(host.ctx, 'hx-app', { status: 'succeeded', startedAt: '2026-01-01T00:00:00.000Z', finishedAt: '2026-01-01T00:01:00.000Z', current: true });
  await addPipeline(host.ctx, 'hx-pipe', { production: ['hx-app'] });
  recordStartedPrograms();
});
afterAll(() => {
  Object.assign(childProcess, real);
  syncBuiltinESMExports();
  process.env = savedEnv;
  host.cleanup();
});

/** One case as the binary would run it; its exit code and what it wrote. */
async function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  // as the host's `dokku` starts a command: Dokku's paths, a caller that is not the dashboard
  process.env = { ...savedEnv, DOKKU_LIB_ROOT: host.libRoot, DOKKU_ROOT: path.join(host.libRoot, 'home'), SSH_USER: 'root', SSH_NAME: 'default', DOKKU_NOT_IMPLEMENTED_EXIT: '10' };
  let stdout = '';
  let stderr = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((stdout += String(chunk)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((stderr += String(chunk)), true));
  try {
    return { code: await runCommand(args), stdout, stderr };
  } finally {
    vi.restoreAllMocks();
    process.exitCode = undefined;
  }
}

/** What is wrong with how one case ended: nothing, for a good refusal. `before` is the store's snapshot. */
async function problemsOf(args: string[], before: Record<string, string>): Promise<string[]> {
  started.length = 0;
  const { code, stderr } = await run(args);
  const problems: string[] = [];
  if (code === 0) problems.push('exit 0');
  const lines = stderr.split('\n').filter((line) => line.trim() !== '');
  if (lines.length !== 1) problems.push(`${lines.length} stderr lines: ${JSON.stringify(stderr.slice(0, 300))}`);
  const others = started.filter((program) => !program.startsWith('flock '));
  if (others.length) problems.push(`started ${others.join('; ')}`);
  if (JSON.stringify(snapshotTree(host.libRoot)) !== JSON.stringify(before)) problems.push('the store changed');
  return problems;
}

it('every hostile argument list is refused with one stderr line, starts nothing and changes nothing', async () => {
  const cases = readCorpus().filter((testCase): testCase is HostileCase & { args: string[] } => testCase.args !== undefined && testCase.stdin === undefined);
  expect(cases.length).toBeGreaterThanOrEqual(1000);
  const failures: string[] = [];
  for (const testCase of cases) {
    const before = snapshotTree(host.libRoot);
    const problems = await problemsOf(testCase.args, before);
    if (problems.length) failures.push(`${JSON.stringify(testCase.args)} (${testCase.why}): ${problems.join('; ')}`);
  }
  expect(failures).toEqual([]);
});

it('a command that changes the store or starts a program is caught (a test of the test)', async () => {
  const before = snapshotTree(host.libRoot);
  expect(await problemsOf(['ownstack:set', 'hx-free', 'retention', '7'], before)).toEqual(['exit 0', '0 stderr lines: ""', 'the store changed']);
  await run(['ownstack:set', 'hx-free', 'retention']);
  // refused in one line, but only after trying to start Dokku's own command
  expect(await problemsOf(['ownstack:rebuild', 'hx-app'], snapshotTree(host.libRoot))).toEqual(['started dokku ps:rebuild hx-app']);
  // the store's lock is the one program a refusal may start
  expect(await problemsOf(['pipeline:destroy', 'hx-none'], snapshotTree(host.libRoot))).toEqual([]);
  expect(started).toEqual(['flock --exclusive --nonblock 3']);
});

it('the end-to-end sample holds every command of the corpus, and every case with standard input or a config value', () => {
  const corpus = readCorpus();
  const sample = refusedThroughTheHost(corpus);
  const commands = (cases: HostileCase[]) => new Set(cases.flatMap((testCase) => (testCase.args ? [testCase.args[0]] : [])));
  expect([...commands(sample)].sort()).toEqual([...commands(corpus)].sort());
  for (const testCase of corpus) if (testCase.stdin !== undefined || testCase.config_file !== undefined) expect(sample).toContain(testCase);
  expect(sample.length).toBeLessThan(corpus.length / 2);
});
