import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { deploymentsPage, MAX_SCANNED, PER_PAGE, type DeploymentFilters } from '../../src/lib/dashboard/deployments.js';
import { createDashboardApp } from '../../src/web/app.js';
import { addPipeline, makeHost, signIn, writeHistory, type SignedIn, type TestHost } from './dashboard-support.js';
import { releaseRecord } from './support.js';

// The Deployments page reads about what it shows, never whole histories: the same page costs the
// same number of record reads when every app's history is twice as long. The stores are small
// (50 apps x 60 and x 120 releases) so this runs in seconds; the 100,000-release figure, with its
// times, RSS and page weights, is the benchmark's (bench/run.sh, BENCH_ONLY=dashboard).

const APPS = 50;
const PER_APP = 60;
const BASE = Date.parse('2025-01-01T00:00:00.000Z');
// Start times interleave the apps: slot = id * APPS + app, one minute apart.
const startedAt = (app: number, id: number) => new Date(BASE + (id * APPS + app) * 60_000).toISOString();
const appName = (app: number) => `app-${String(app).padStart(2, '0')}`;
const label = (slot: number) => `${appName(slot % APPS)} v${Math.floor(slot / APPS)}`;

async function seed(host: TestHost, perApp: number): Promise<void> {
  for (let app = 0; app < APPS; app++) {
    const records = Array.from({ length: perApp }, (_, index) => {
      const id = index + 1;
      return releaseRecord({
        status: id % 10 === 0 ? 'failed' : 'succeeded',
        phase: id % 10 === 0 ? 'build' : 'postdeploy',
        reason: id % 10 === 0 ? 'build failed' : null,
        started_at: startedAt(app, id),
        finished_at: new Date(Date.parse(startedAt(app, id)) + 30_000).toISOString(),
        git_sha: `${String(id).padStart(7, '0')}abcdef`,
        retained_by: id > perApp - 5 ? `keep-${id}` : null,
      });
    });
    await writeHistory(host.ctx, appName(app), records, perApp - 1);
  }
  await addPipeline(host.ctx, 'big', { production: [appName(0), appName(1)], staging: [appName(2)] });
}

let host: TestHost;
let doubled: TestHost;
let alice: SignedIn;

beforeAll(async () => {
  host = makeHost();
  doubled = makeHost();
  await seed(host, PER_APP);
  await seed(doubled, PER_APP * 2);
  alice = await signIn(host.ctx, 'alice');
}, 120_000);
afterAll(async () => {
  for (const made of [host, doubled]) if (made) await fs.promises.rm(made.libRoot, { recursive: true, force: true });
});

/** The page, and how many release records were read to make it. */
function countedPage(made: TestHost, filters: DeploymentFilters, maxScanned?: number) {
  const reads = vi.spyOn(fs, 'readFileSync');
  try {
    const page = deploymentsPage(made.ctx.paths, filters, [], maxScanned);
    const recordReads = reads.mock.calls.filter(([file]) => /releases\/\d+\.json$/.test(String(file))).length;
    return { page, recordReads };
  } finally {
    reads.mockRestore();
  }
}

/** The newest `count` slots from `newestSlot` down, skipping `skip`, as "app vN" labels. */
const newestLabels = (newestSlot: number, skip: number, count: number) => Array.from({ length: count }, (_, i) => label(newestSlot - skip - i));

describe(`the Deployments page with ${APPS} apps x ${PER_APP} releases, and x ${PER_APP * 2}`, () => {
  it('page 1 is the 50 newest across all apps, and doubling every history does not change its reads', () => {
    const small = countedPage(host, { page: 1 });
    const large = countedPage(doubled, { page: 1 });
    expect(small.page.rows.map((row) => `${row.app} v${row.id}`)).toEqual(newestLabels(PER_APP * APPS + APPS - 1, 0, PER_PAGE));
    expect(large.page.rows.map((row) => `${row.app} v${row.id}`)).toEqual(newestLabels(2 * PER_APP * APPS + APPS - 1, 0, PER_PAGE));
    expect(small.page.hasNext).toBe(true);
    expect(small.page.truncated).toBe(false);
    // each app's first read is its share of the page (2 records); the page draws one from each
    expect(small.recordReads).toBeGreaterThanOrEqual(PER_PAGE);
    expect(small.recordReads).toBeLessThanOrEqual(2 * APPS);
    expect(large.recordReads).toBe(small.recordReads);
  });

  it('page 10 is the next slice in the same order, and its reads do not grow with history either', () => {
    const small = countedPage(host, { page: 10 });
    const large = countedPage(doubled, { page: 10 });
    expect(small.page.rows.map((row) => `${row.app} v${row.id}`)).toEqual(newestLabels(PER_APP * APPS + APPS - 1, 9 * PER_PAGE, PER_PAGE));
    expect(large.recordReads).toBe(small.recordReads);
    // about what pages 1 to 10 show (500 rows), not the 3,000 records of the store
    expect(small.recordReads).toBeLessThan(2 * 10 * PER_PAGE);
  });

  it('an app filter reads that app only, newest first', () => {
    const { page, recordReads } = countedPage(host, { page: 1, app: 'app-07' });
    expect(page.rows.map((row) => row.id)).toEqual(Array.from({ length: PER_PAGE }, (_, i) => PER_APP - i));
    expect(page.rows.every((row) => row.app === 'app-07')).toBe(true);
    expect(page.hasNext).toBe(true);
    expect(recordReads).toBeLessThanOrEqual(PER_PAGE + 64);
    expect(countedPage(doubled, { page: 1, app: 'app-07' }).recordReads).toBe(recordReads);
  });

  it('a status filter shows only that status, in the same order', () => {
    const { page } = countedPage(host, { page: 1, status: 'failed' });
    const failedSlots = Array.from({ length: PER_APP * APPS }, (_, i) => PER_APP * APPS + APPS - 1 - i).filter((slot) => Math.floor(slot / APPS) % 10 === 0);
    expect(page.rows.map((row) => `${row.app} v${row.id}`)).toEqual(failedSlots.slice(0, PER_PAGE).map(label));
    expect(page.rows.every((row) => row.status === 'failed' && row.failure === 'build: build failed')).toBe(true);
  });

  it('a filter that matches rarely stops at the read budget and says so; within the budget it reads to the end', () => {
    const stopped = countedPage(host, { page: 200, status: 'running' }, 1000);
    expect(stopped.page.rows).toEqual([]);
    expect(stopped.page.truncated).toBe(true);
    // the budget is checked after each chunk: at most one chunk (64) per app past it
    expect(stopped.recordReads).toBeGreaterThanOrEqual(1000);
    expect(stopped.recordReads).toBeLessThanOrEqual(1000 + 64 * APPS);
    const whole = countedPage(host, { page: 200, status: 'running' });
    expect(APPS * PER_APP).toBeLessThan(MAX_SCANNED);
    expect(whole.page.truncated).toBe(false);
    expect(whole.recordReads).toBe(APPS * PER_APP);
  });

  it('serves every page over HTTP within the page weight', async () => {
    const app = createDashboardApp({ ctx: host.ctx });
    const fetchPage = async (url: string) => {
      const response = await app.request(url, { headers: { Cookie: alice.cookie } });
      return { status: response.status, html: await response.text() };
    };
    for (const url of ['/deployments', '/deployments?page=2', '/deployments?page=10', '/deployments?app=app-07', '/deployments?pipeline=big', '/deployments?status=failed', '/pipelines', '/apps/app-07', '/apps/app-07?page=2']) {
      const { status, html } = await fetchPage(url);
      expect(status, url).toBe(200);
      expect(Buffer.byteLength(html), url).toBeLessThan(150 * 1024);
    }
    const failed = await fetchPage('/deployments?status=failed');
    expect([...failed.html.matchAll(/class="status-failed"/g)]).toHaveLength(PER_PAGE);
    const pipeline = await fetchPage('/deployments?pipeline=big');
    const shown = new Set([...pipeline.html.matchAll(/href="\/apps\/(app-\d\d)"/g)].map((match) => match[1]));
    expect([...shown].sort()).toEqual(['app-00', 'app-01', 'app-02']);
  });
});
