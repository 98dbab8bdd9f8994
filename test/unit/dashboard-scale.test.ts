import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { deploymentsPage, MAX_SCANNED } from '../../src/lib/dashboard/deployments.js';
import { createDashboardApp } from '../../src/web/app.js';
import { addPipeline, makeHost, signIn, writeHistory, type SignedIn, type TestHost } from './dashboard-support.js';
import { releaseRecord } from './support.js';

// 50 apps x 2,000 releases = 100,000 records: the Deployments page reads about what it shows,
// never whole histories. Render times are printed for the record (no timing assertions).

const APPS = 50;
const PER_APP = 2000;
const BASE = Date.parse('2025-01-01T00:00:00.000Z');
const startedAt = (app: number, id: number) => new Date(BASE + (id * APPS + app) * 60_000).toISOString();
const appName = (app: number) => `app-${String(app).padStart(2, '0')}`;

let host: TestHost;
let alice: SignedIn;

beforeAll(async () => {
  host = makeHost();
  for (let app = 0; app < APPS; app++) {
    const records = Array.from({ length: PER_APP }, (_, index) => {
      const id = index + 1;
      return releaseRecord({
        status: id % 10 === 0 ? 'failed' : 'succeeded',
        phase: id % 10 === 0 ? 'build' : 'postdeploy',
        reason: id % 10 === 0 ? 'build failed' : null,
        started_at: startedAt(app, id),
        finished_at: new Date(Date.parse(startedAt(app, id)) + 30_000).toISOString(),
        git_sha: `${String(id).padStart(7, '0')}abcdef`,
        retained_by: id > PER_APP - 5 ? `keep-${id}` : null,
      });
    });
    await writeHistory(host.ctx, appName(app), records, PER_APP - 1);
  }
  await addPipeline(host.ctx, 'big', { production: [appName(0), appName(1)], staging: [appName(2)] });
  alice = await signIn(host.ctx, 'alice');
}, 600_000);
// Asynchronous: removing 100,000 files synchronously would block the worker past vitest's RPC timeout.
afterAll(async () => {
  if (host) await fs.promises.rm(host.libRoot, { recursive: true, force: true });
}, 600_000);

function timed<T>(what: string, work: () => Promise<T>): Promise<T> {
  const started = performance.now();
  return work().then((result) => {
    console.log(`[dashboard scale] ${what}: ${(performance.now() - started).toFixed(1)} ms`);
    return result;
  });
}

describe(`the Deployments page with ${APPS} apps x ${PER_APP} releases`, () => {
  it('page 1 is the 50 newest across all apps, read without reading the histories', async () => {
    const reads = vi.spyOn(fs, 'readFileSync');
    const page = deploymentsPage(host.ctx.paths, { page: 1 });
    const recordReads = reads.mock.calls.filter(([file]) => /releases\/\d+\.json$/.test(String(file))).length;
    reads.mockRestore();
    // the start times are ordered by slot = id * APPS + app; the newest slot is 2000 * 50 + 49
    const newest = Array.from({ length: 50 }, (_, i) => PER_APP * APPS + (APPS - 1) - i).map((slot) => `${appName(slot % APPS)} v${Math.floor(slot / APPS)}`);
    expect(page.rows.map((row) => `${row.app} v${row.id}`)).toEqual(newest);
    expect(page.hasNext).toBe(true);
    console.log(`[dashboard scale] page 1 read ${recordReads} record files`);
    expect(recordReads).toBeLessThan(1000);
  });

  it('renders pages over HTTP (times printed)', async () => {
    const app = createDashboardApp({ ctx: host.ctx });
    const fetchPage = async (url: string) => {
      const response = await app.request(url, { headers: { Cookie: alice.cookie } });
      return { status: response.status, html: await response.text() };
    };
    await fetchPage('/deployments'); // warm-up: module and file-system caches
    for (const url of ['/deployments', '/deployments', '/deployments?page=2', '/deployments?page=10', '/deployments?app=app-07', '/deployments?pipeline=big', '/deployments?status=failed', '/pipelines', '/apps/app-07', '/apps/app-07?page=40']) {
      const { status, html } = await timed(`GET ${url}`, () => fetchPage(url));
      expect(status, url).toBe(200);
      expect(Buffer.byteLength(html), url).toBeLessThan(150 * 1024);
      console.log(`[dashboard scale] GET ${url}: ${(Buffer.byteLength(html) / 1024).toFixed(1)} KB`);
    }
    for (let i = 0; i < 5; i++) {
      const started = performance.now();
      deploymentsPage(host.ctx.paths, { page: 1 });
      console.log(`[dashboard scale] deploymentsPage(page 1) alone, run ${i + 1}: ${(performance.now() - started).toFixed(1)} ms`);
    }
    for (let i = 0; i < 5; i++) await timed(`GET /deployments, run ${i + 1}`, () => fetchPage('/deployments'));
    const failed = await fetchPage('/deployments?status=failed');
    expect([...failed.html.matchAll(/class="status-failed"/g)]).toHaveLength(50);
  });

  it('a filter that matches rarely stops after a bounded read and says so', () => {
    const page = deploymentsPage(host.ctx.paths, { page: 200, status: 'running' });
    expect(page.rows).toEqual([]);
    expect(page.truncated).toBe(true);
    expect(MAX_SCANNED).toBeLessThan(APPS * PER_APP);
  });
});
