#!/usr/bin/env node
// The dashboard figure's client: signs in by POSTing a link that `ownstack:dashboard:login` minted,
// then GETs each page REQUESTS times over one keep-alive connection on loopback, the pages in
// turn (A B C … A B C …) so they see the same load. Per request it keeps the client's wall time
// (request sent to last body byte), the app time the server states in Server-Timing, the status
// and the body's size; a page that is not 200 aborts the run. After the requests, the serve
// process's peak RSS (VmHWM) and RSS from /proc/<pid>/status.
// Usage: dashboard-load.mjs <base-url> <sign-in-link> <server-pid> <requests> <out.json> <path>…
import fs from 'node:fs';
import os from 'node:os';

const [base, link, pidArg, requestsArg, out, ...paths] = process.argv.slice(2);
const requests = Number(requestsArg);
if (!base || !link || !/^[0-9]+$/.test(pidArg ?? '') || !(requests >= 20) || !out || paths.length === 0) {
  console.error('usage: dashboard-load.mjs <base-url> <sign-in-link> <server-pid> <requests, at least 20> <out.json> <path>…');
  process.exit(2);
}
const WARM_UP = 5;
const kib = (field) => Number(new RegExp(`^${field}:\\s+([0-9]+) kB`, 'm').exec(fs.readFileSync(`/proc/${pidArg}/status`, 'utf8'))?.[1]);
// The RSS read at the end must be the serve process's, not a shell's around it.
if (!fs.readFileSync(`/proc/${pidArg}/cmdline`, 'utf8').split('\0').join(' ').includes('dashboard serve')) {
  console.error(` !     process ${pidArg} is not \`ownstack dashboard serve\``);
  process.exit(1);
}

const signIn = await fetch(link, { method: 'POST', redirect: 'manual', headers: { 'Sec-Fetch-Site': 'same-origin' } });
const cookie = signIn.headers.get('set-cookie')?.split(';')[0];
if (signIn.status !== 303 || !cookie?.startsWith('ownstack_session=')) {
  console.error(` !     sign-in by POST of the link failed: ${signIn.status} ${(await signIn.text()).split('\n')[0]}`);
  process.exit(1);
}

async function get(path) {
  const started = performance.now();
  const response = await fetch(`${base}${path}`, { headers: { Cookie: cookie } });
  const body = Buffer.from(await response.arrayBuffer());
  const wall = performance.now() - started;
  if (response.status !== 200) {
    console.error(` !     GET ${path}: ${response.status} ${body.toString('utf8').split('\n')[0].slice(0, 200)}`);
    process.exit(1);
  }
  const app = /app;dur=([0-9.]+)/.exec(response.headers.get('server-timing') ?? '');
  return { wall, app: app ? Number(app[1]) : null, bytes: body.length };
}

for (const path of paths) for (let i = 0; i < WARM_UP; i++) await get(path);
const loadBefore = os.loadavg()[0];
const samples = Object.fromEntries(paths.map((path) => [path, []]));
// RSS after each quarter of the rounds: it grows as V8 lets garbage pile up between collections,
// so the peak depends on how long the process has served, and the trend is reported with it.
const rssAfterQuarterKiB = [];
for (let i = 0; i < requests; i++) {
  for (const path of paths) samples[path].push(await get(path));
  if ((i + 1) % Math.ceil(requests / 4) === 0 || i + 1 === requests) rssAfterQuarterKiB.push(kib('VmRSS'));
}

const loadAfter = os.loadavg()[0];
const percentile = (values, p) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)];
};
const round = (value) => Math.round(value * 10) / 10;
const pages = paths.map((path) => {
  const list = samples[path];
  const app = list.map((sample) => sample.app).filter((value) => value !== null);
  return {
    path,
    requests: list.length,
    wallP50: round(percentile(list.map((s) => s.wall), 50)),
    wallP95: round(percentile(list.map((s) => s.wall), 95)),
    wallMax: round(Math.max(...list.map((s) => s.wall))),
    appP50: app.length === list.length ? round(percentile(app, 50)) : null,
    appP95: app.length === list.length ? round(percentile(app, 95)) : null,
    bytes: Math.max(...list.map((s) => s.bytes)),
  };
});
fs.writeFileSync(out, `${JSON.stringify({ requests, warmUp: WARM_UP, loadBefore, loadAfter, pages, rssAfterQuarterKiB, vmHwmKiB: kib('VmHWM'), vmRssKiB: kib('VmRSS') }, null, 2)}\n`);
