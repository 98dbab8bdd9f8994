#!/usr/bin/env node
// Writes BENCHMARKS.md (to stdout) from the figures bench/run.sh measured: one table of ratios,
// the per-trigger costs, the date and the machine, then the standing analysis (bench/analysis.md).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import { dashboardLines } from './dashboard-report.mjs';

const [, , work, pairs, heavyPairs, notifyPairs, triggerCosts, ...rows] = process.argv;
// Figure 9 (bench/run.sh's dashboard_figure): not a ratio, so a table of its own.
const dashboard = JSON.parse(fs.readFileSync(`${work}/dashboard.json`, 'utf8'));
const docker = (() => {
  try {
    return execFileSync('docker', ['version', '--format', '{{.Server.Version}}'], { encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
})();
const ms = (value) => (value >= 10000 ? `${(value / 1000).toFixed(1)} s` : `${Math.round(value)} ms`);

const lines = [
  '# Benchmarks',
  '',
  `Measured ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC by \`npm run bench\` on ${os.cpus()[0]?.model ?? 'unknown CPU'}, ` +
    `${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Linux ${os.release()}, Docker ${docker}, ` +
    `on the Dokku-compatible test host (test/host). Each figure interleaves its A and B runs (A B A B …), ${pairs} pairs ` +
    `(${heavyPairs} for the rebuild, ${notifyPairs} for notifications, ${Number(pairs) * 4} for start-up and for the dashboard's ssh); the ratio is the median of the per-pair ratios A/B, the spread their min–max.`,
  '',
  '| figure | A | B | median A | median B | ratio A/B | spread | target | met | how it was measured |',
  '|---|---|---|---|---|---|---|---|---|---|',
];
for (const row of rows) {
  const [figure, target, how, aLabel, bLabel, statsJson] = row.split('|');
  const stats = JSON.parse(statsJson);
  const limit = /≤ ([0-9.]+)×/.exec(target);
  const met = limit ? (stats.ratio <= Number(limit[1]) ? 'yes' : '**no**') : '–';
  lines.push(
    `| ${figure} | ${aLabel} | ${bLabel} | ${ms(stats.medianA)} | ${ms(stats.medianB)} | ${stats.ratio.toFixed(3)}× | ` +
      `${stats.ratioMin.toFixed(3)}–${stats.ratioMax.toFixed(3)} | ${target} | ${met} | ${how} |`,
  );
}
lines.push(
  '',
  '## What each trigger invocation costs',
  '',
  'Wall time of each ownstack trigger shim (bash + the binary), timed inside 3 real git pushes, then inside 3 pushes of an app with `notify-url` set (what queueing its events adds to the deploy).',
  '',
  '| trigger | calls per push | mean | with notify-url |',
  '|---|---|---|---|',
);
for (const line of triggerCosts.split('\n').filter(Boolean)) {
  const [name, perPush, mean, withNotify] = line.split(' ');
  lines.push(`| \`${name}\` | ${perPush} | ${mean} ms | ${withNotify} ms |`);
}
lines.push(
  '',
  '## The dashboard at 100,000 releases',
  '',
  `\`build/ownstack dashboard serve\` on a loopback port, reading a store of 50 apps x 2,000 releases in 10 pipelines (bench/seed-dashboard.ts, ` +
    `written with the project's store code), signed in through \`ownstack:dashboard:login\` and a POST of its link; ${dashboard.requests} GETs of each page, ` +
    `the pages in turn, one keep-alive connection, after ${dashboard.warmUp} warm-up GETs each. "client" is the client's wall time on loopback ` +
    '(request sent to last body byte): an upper bound on server time, and what the p95 target is judged on. "app" is the time the app states in ' +
    'its Server-Timing header (routing, store reads and rendering; not HTTP parsing or the socket). Page weight: the HTML body, in KB of 1,000 bytes. Issue 18\'s fourth target, a promotion from the dashboard against the CLI, is the row "Promotion from the dashboard vs the CLI" above (figure 10).',
  '',
  ...dashboardLines(dashboard),
);
const analysis = new URL('./analysis.md', import.meta.url);
if (fs.existsSync(analysis)) lines.push('', fs.readFileSync(analysis, 'utf8').trim());
console.log(lines.join('\n'));
