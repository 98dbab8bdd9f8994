#!/usr/bin/env node
// Runs the host's sample of test/fixtures/hostile-inputs.jsonl (refusedThroughTheHost in
// hostile-corpus.mjs; test/unit/hostile-inputs.test.ts runs every argument list in-process) through
// the host's `dokku` with an argv array (no shell) (and its hostile config values, see
// exactConfigProblems), and checks the three promises for bad input: a non-zero exit, exactly one
// line on stderr, and no change to what the plugin could touch: the sandbox's DOKKU_LIB_ROOT, and
// on the Docker engine the images and containers of the sandbox's apps (by Dokku's app label and
// by name) and their `ownstack-retain.*` holders. Other work on the same engine (another Dokku,
// another test file, a CI build) is outside that scope and cannot fail the run.
// Usage: run-hostile-inputs.mjs <dokku-binary> <corpus.jsonl> <app>[,<app>…]
// Prints "N of M hostile inputs through the host, K failing", then the failures; exits 1 on any.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { readCorpus, refusedThroughTheHost } from './hostile-corpus.mjs';

const [dokku, corpusFile, appList] = process.argv.slice(2);
const libRoot = process.env.DOKKU_LIB_ROOT;
if (!dokku || !corpusFile || !appList || !libRoot) {
  console.error('usage: DOKKU_LIB_ROOT=… run-hostile-inputs.mjs <dokku> <corpus.jsonl> <app>[,<app>…]');
  process.exit(2);
}
const apps = appList.split(',');

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

function docker(args) {
  const result = spawnSync('docker', args, { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`docker ${args.join(' ')}: ${result.stderr.trim()}`);
  return result.stdout.split('\n').filter(Boolean);
}

const ownsName = (name) => apps.some((app) => name.startsWith(`${app}.`) || name.startsWith(`ownstack-retain.${app}.`));
const ownsLabels = (labels) => apps.some((app) => labels.includes(`com.dokku.app-name=${app}`) || labels.includes(`com.ownstack.app=${app}`));

/** The sandbox apps' images (labelled or named dokku/<app>) and containers, holders included. */
function snapshotDocker() {
  const rows = [];
  for (const line of docker(['image', 'ls', '--all', '--no-trunc', '--format', '{{.ID}} {{.Repository}}:{{.Tag}}'])) {
    const repository = line.split(' ')[1].split(':')[0];
    if (apps.some((app) => repository === `dokku/${app}`)) rows.push(`image ${line}`);
  }
  for (const app of apps) {
    for (const line of docker(['image', 'ls', '--all', '--no-trunc', '--filter', `label=com.dokku.app-name=${app}`, '--format', '{{.ID}} {{.Repository}}:{{.Tag}}'])) {
      rows.push(`image ${line}`);
    }
  }
  for (const line of docker(['container', 'ls', '--all', '--no-trunc', '--format', '{{.ID}}\t{{.Names}}\t{{.Image}}\t{{.State}}\t{{.Labels}}'])) {
    const [id, name, image, state, labels] = line.split('\t');
    if (ownsName(name) || ownsLabels(labels ?? '')) rows.push(`container ${id} ${name} ${image} ${state}`);
  }
  return [...new Set(rows)].sort().join('\n');
}

// A case may give standard input: `stdin` is a list of pieces, each a string or [string, times]
// (so a 1 MB value needs no 1 MB line in the corpus).
function stdinOf(testCase) {
  if (!testCase.stdin) return '';
  return testCase.stdin.map((piece) => (Array.isArray(piece) ? piece[0].repeat(piece[1]) : piece)).join('');
}

// HOSTILE_NAME_SUFFIX gives the corpus's names (hx-app, hx-pipe, …) the caller's token, so runs
// from several checkouts on one Docker engine never share an app.
const suffix = process.env.HOSTILE_NAME_SUFFIX ?? '';
const rename = (arg) => (suffix ? arg.replace(/\bhx-(app|free|none|pipe|stack|nostack)\b(?!-)/g, (name) => `${name}${suffix}`) : arg);
const corpus = readCorpus(corpusFile);
// each case keeps its line in the corpus, which names it in a failure
const cases = refusedThroughTheHost(corpus).map((testCase) => ({
  ...testCase,
  ...(testCase.args ? { args: testCase.args.map(rename) } : {}),
  line: corpus.indexOf(testCase) + 1,
}));
// A case with `config_file` is a hostile value, not a hostile input: config-push of that dotenv
// text to `app` (--no-restart) must succeed, leave exactly the `expect`ed values in Dokku's config
// (config:export json), print none of them, and see no change when pushed again. Its keys are then
// unset, and the tree taken again: the app's ENV file was rightly rewritten.
function exactConfigProblems(testCase) {
  const app = testCase.app;
  const keys = Object.keys(testCase.expect);
  const push = () => spawnSync(dokku, ['ownstack:config-push', '--file', '-', '--no-restart', app], { encoding: 'utf8', timeout: 60_000, input: testCase.config_file });
  const problems = [];
  const first = push();
  if (first.status !== 0) problems.push(`config-push exited ${first.status}: ${JSON.stringify(first.stderr.slice(0, 400))}`);
  const shown = Object.values(testCase.expect).filter((value) => value.trim().length >= 4 && `${first.stdout}${first.stderr}`.includes(value));
  if (shown.length) problems.push('a value was printed');
  const exported = spawnSync(dokku, ['config:export', app, '--format', 'json'], { encoding: 'utf8' });
  let held = {};
  try {
    held = JSON.parse(exported.stdout);
  } catch {
    problems.push(`config:export: ${JSON.stringify(exported.stderr.slice(0, 200))}`);
  }
  for (const key of keys) {
    if (held[key] !== testCase.expect[key]) problems.push(`${key} is ${JSON.stringify(held[key])}, not ${JSON.stringify(testCase.expect[key])}`);
  }
  const again = push();
  if (!again.stdout.includes(`${app}: unchanged`)) problems.push(`pushed again: not unchanged: ${JSON.stringify(again.stdout.slice(-300))}`);
  spawnSync(dokku, ['config:unset', '--no-restart', app, ...keys], { encoding: 'utf8' });
  return problems;
}

// HOSTILE_TICKS names a file (a FIFO) that gets one line each time the Docker side is compared, so
// another user of the engine can pace its own work by the corpus instead of by the clock.
const ticks = process.env.HOSTILE_TICKS ? fs.openSync(process.env.HOSTILE_TICKS, 'a') : null;
const tick = () => {
  if (ticks !== null) fs.writeSync(ticks, 'compared\n');
};
const before = { tree: snapshotTree(libRoot), docker: snapshotDocker() };
tick();
const failures = [];
for (const [index, testCase] of cases.entries()) {
  if (testCase.config_file !== undefined) {
    const problems = exactConfigProblems({ ...testCase, app: rename(testCase.app) });
    before.tree = snapshotTree(libRoot);
    if (problems.length) failures.push(`#${testCase.line} config value (${testCase.why}): ${problems.join('; ')}`);
    continue;
  }
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
    const now = snapshotDocker();
    if (now !== before.docker) {
      const was = new Set(before.docker.split('\n'));
      const is = new Set(now.split('\n'));
      const diff = [...[...is].filter((row) => !was.has(row)).map((row) => `+${row}`), ...[...was].filter((row) => !is.has(row)).map((row) => `-${row}`)];
      problems.push(`images or containers of ${apps.join(', ')} changed (somewhere in the last 25 cases): ${diff.slice(0, 4).join('; ')}`);
      before.docker = now;
    }
    tick();
  }
  if (problems.length) failures.push(`#${testCase.line} ${JSON.stringify(testCase.args)} (${testCase.why}): ${problems.join('; ')}`);
}
console.log(`${cases.length} of ${corpus.length} hostile inputs through the host, ${failures.length} failing`);
for (const failure of failures) console.log(`  ${failure}`);
process.exit(failures.length ? 1 : 0);
