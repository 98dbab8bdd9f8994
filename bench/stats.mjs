#!/usr/bin/env node
// Summarises interleaved A/B timings: per-pair ratios A/B, their median and spread (min–max),
// and each side's median. Input: a file of "A_ms B_ms" lines. Output: one JSON object.
import fs from 'node:fs';

const pairs = fs
  .readFileSync(process.argv[2], 'utf8')
  .split('\n')
  .filter(Boolean)
  .map((line) => line.split(/\s+/).map(Number));
const median = (values) => {
  const sorted = [...values].sort((x, y) => x - y);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
const ratios = pairs.map(([a, b]) => a / b);
console.log(
  JSON.stringify({
    pairs: pairs.length,
    medianA: median(pairs.map(([a]) => a)),
    medianB: median(pairs.map(([, b]) => b)),
    ratio: median(ratios),
    ratioMin: Math.min(...ratios),
    ratioMax: Math.max(...ratios),
  }),
);
