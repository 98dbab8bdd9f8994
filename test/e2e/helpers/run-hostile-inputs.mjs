#!/usr/bin/env node
// Runs every case of test/fixtures/hostile-inputs.jsonl through the host's `dokku` with an argv
// array (no shell), and checks the three promises for bad input: a non-zero exit, exactly one
// line on stderr, and no change to DOKKU_LIB_ROOT or to the Docker images.
// Usage: run-hostile-inputs.mjs <dokku-binary> <corpus.jsonl>; prints failures, exits 1 on any.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const [dokku, corpusFile] = process.argv.slice(2);
const libRoot = process.env.DOKKU_LIB_ROOT;
if (!dokku || !corpusFile || !libRoot) {
  console.error('usage: DOKKU_LIB_ROOT=… run-hostile-inputs.mjs <dokku> <corpus.jsonl>');
  process.exit(2);
}

function snapshotTree(dir) {
  const rows = [];
  const walk = (current) => {
    for (const entry of fs.readdirSync(current, { withFileTypes: true })) {
      const full = path.join(current, entry.name);
      const stat = fs.lstatSync(full);
      rows.push(`${path.relative(libRoot, full)} ${stat.mode.toString(8)} ${stat.size} ${stat.mtimeMs}`);
      if (entry.isDirectory()) walk(full);
    }
  };
  walk(dir);
  return rows.sort().join('\n');
}

function snapshotImages() {
  const result = spawnSync('docker', ['image', 'ls', '--all', '--no-trunc', '--format', '{{.ID}} {{.Repository}}:{{.Tag}}']);
  return result.stdout.toString().split('\n').sort().join('\n');
}

// A case may give standard input: `stdin` is a list of pieces, each a string or [string, times]
// (so a 1 MB value needs no 1 MB line in the corpus).
function stdinOf(testCase) {
  if (!testCase.stdin) return '';
  return testCase.stdin.map((piece) => (Array.isArray(piece) ? piece[0].repeat(piece[1]) : piece)).join('');
}

const cases = fs.readFileSync(corpusFile, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line));
const before = { tree: snapshotTree(libRoot), images: snapshotImages() };
const failures = [];
for (const [index, testCase] of cases.entries()) {
  const result = spawnSync(dokku, testCase.args, { encoding: 'utf8', timeout: 60_000, input: stdinOf(testCase) });
  const stderrLines = result.stderr.split('\n').filter((line) => line.trim() !== '');
  const problems = [];
  if (result.status === 0) problems.push('exit 0');
  if (result.status === null) problems.push(`killed (${result.signal})`);
  if (stderrLines.length !== 1) problems.push(`${stderrLines.length} stderr lines: ${JSON.stringify(result.stderr.slice(0, 400))}`);
  // Compare often enough to name the case that changed state, without paying for docker each time.
  const tree = snapshotTree(libRoot);
  if (tree !== before.tree) {
    problems.push('DOKKU_LIB_ROOT changed');
    before.tree = tree;
  }
  if (index % 25 === 24 || index === cases.length - 1) {
    const images = snapshotImages();
    if (images !== before.images) {
      problems.push('docker images changed (somewhere in the last 25 cases)');
      before.images = images;
    }
  }
  if (problems.length) failures.push(`#${index + 1} ${JSON.stringify(testCase.args)} (${testCase.why}): ${problems.join('; ')}`);
}
console.log(`${cases.length} hostile inputs, ${failures.length} failing`);
for (const failure of failures) console.log(`  ${failure}`);
process.exit(failures.length ? 1 : 0);
