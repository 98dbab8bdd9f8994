#!/usr/bin/env node
// The dashboard figure as Markdown: one row per page (client wall time and the app's own
// Server-Timing at p50 and p95, the page's weight) and the serve process's peak RSS, each judged
// against issue 18's targets. Used by bench/report.mjs for BENCHMARKS.md, and run alone
// (dashboard-report.mjs <dashboard.json>) by BENCH_ONLY=dashboard.
import fs from 'node:fs';
import { pathToFileURL } from 'node:url';

/** Issue 18: Pipelines and Deployments in ≤ 100 ms at the 95th percentile; every page ≤ 150 KB; RSS < 150 MiB. */
export const TARGET_P95_MS = 100;
export const TARGET_PAGE_BYTES = 150_000;
export const TARGET_RSS_MIB = 150;

const pageName = (path) => (path.startsWith('/pipelines') ? 'Pipelines' : path.startsWith('/deployments') ? 'Deployments' : path.startsWith('/apps/') ? 'App' : 'other');
const met = (ok) => (ok ? 'yes' : '**no**');

export function dashboardLines(result) {
  const lines = [
    '| page | path | client p50 | client p95 | app p50 | app p95 | p95 target | met | page weight | ≤ 150 KB |',
    '|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const page of result.pages) {
    const timed = pageName(page.path) !== 'App';
    const ms = (value) => (value === null ? 'n/a' : `${value} ms`);
    lines.push(
      `| ${pageName(page.path)} | \`${page.path}\` | ${ms(page.wallP50)} | ${ms(page.wallP95)} | ${ms(page.appP50)} | ${ms(page.appP95)} | ` +
        `${timed ? `≤ ${TARGET_P95_MS} ms` : '(report)'} | ${timed ? met(page.wallP95 <= TARGET_P95_MS) : '–'} | ` +
        `${(page.bytes / 1000).toFixed(1)} KB | ${met(page.bytes <= TARGET_PAGE_BYTES)} |`,
    );
  }
  const hwm = result.vmHwmKiB / 1024;
  lines.push(
    '',
    `Serve process after ${result.requests * result.pages.length} requests (+ ${result.warmUp * result.pages.length} warm-up): ` +
      `peak RSS (VmHWM) **${hwm.toFixed(1)} MiB**, RSS now ${(result.vmRssKiB / 1024).toFixed(1)} MiB; target < ${TARGET_RSS_MIB} MiB, at this many requests: ${met(hwm < TARGET_RSS_MIB)}. ` +
      `RSS after each quarter of the timed requests: ${result.rssAfterQuarterKiB.map((value) => (value / 1024).toFixed(1)).join(' / ')} MiB ` +
      '(a bound shows as flat quarters; a rising series would mean the heap grows with the requests served). ' +
      `Load average (1 min) ${result.loadBefore.toFixed(2)} before the timed requests, ${result.loadAfter.toFixed(2)} after.`,
  );
  return lines;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  console.log(dashboardLines(JSON.parse(fs.readFileSync(process.argv[2], 'utf8'))).join('\n'));
}
