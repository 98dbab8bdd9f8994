#!/usr/bin/env node
// Writes BENCHMARKS.md (to stdout) from the figures bench/run.sh measured: one table of ratios,
// the per-trigger costs, the date and the machine, then the standing analysis (bench/analysis.md).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';

const [, , , pairs, heavyPairs, notifyPairs, triggerCosts, ...rows] = process.argv;
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
    `(${heavyPairs} for the rebuild, ${notifyPairs} for notifications, ${Number(pairs) * 4} for start-up); the ratio is the median of the per-pair ratios A/B, the spread their min–max.`,
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
const analysis = new URL('./analysis.md', import.meta.url);
if (fs.existsSync(analysis)) lines.push('', fs.readFileSync(analysis, 'utf8').trim());
console.log(lines.join('\n'));
