import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import { buildProgram } from '../../src/program.js';
import { makeHost, writeHistory, type TestHost } from './dashboard-support.js';
import { releaseRecord } from './support.js';

// ownstack:history through the real program: without --limit it shows the newest 20, as
// `heroku releases` does (test/e2e/history.bats checks --limit on a real host).

let host: TestHost;
let saved: NodeJS.ProcessEnv;

beforeEach(() => {
  host = makeHost();
  saved = { ...process.env };
  Object.assign(process.env, { DOKKU_LIB_ROOT: host.libRoot, DOKKU_ROOT: path.join(host.libRoot, 'home') });
});
afterEach(() => {
  process.env = saved;
  vi.restoreAllMocks();
  host.cleanup();
});

it('without --limit, the table holds the newest 20 releases, newest first', async () => {
  fs.mkdirSync(path.join(host.libRoot, 'home', 'many'));
  const base = Date.parse('2026-01-01T00:00:00.000Z');
  const records = Array.from({ length: 25 }, (_, index) =>
    releaseRecord({ status: 'failed', phase: 'build', reason: 'build failed', started_at: new Date(base + index * 60_000).toISOString() }),
  );
  await writeHistory(host.ctx, 'many', records, null);
  let stdout = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((stdout += String(chunk)), true));
  await (await buildProgram()).parseAsync(['node', 'ownstack', 'ownstack:history', 'many']);
  vi.restoreAllMocks();
  const lines = stdout.trimEnd().split('\n');
  expect(lines).toHaveLength(22); // header, column names, 20 rows
  expect(lines.slice(2).map((line) => line.split(/\s+/)[0])).toEqual(Array.from({ length: 20 }, (_, index) => `v${25 - index}`));
});
