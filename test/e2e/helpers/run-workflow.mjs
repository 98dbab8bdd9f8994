#!/usr/bin/env node
// Runs a GitHub Actions workflow's `run:` steps as a runner would, for one event, so a documented
// workflow is executed rather than read. Small on purpose; it refuses what it does not implement.
//
//   node run-workflow.mjs WORKFLOW.yml CONTEXT.json
//
// CONTEXT.json: {"github": {...the github context: event_name, sha, ref, event...}, "vars": {...},
// "secrets": {...}}. Jobs run in file order when their `if:` holds (no `needs:`); steps run in
// order with `bash --noprofile --norc -eo pipefail` in the workspace (cwd), with the workflow's,
// job's and step's `env:` (expressions substituted), GITHUB_* variables, and $GITHUB_ENV /
// $GITHUB_PATH carried between steps. `uses: actions/checkout@*` checks that the workspace is
// the event's commit (the test checks it out); any other `uses:` is refused. Exits with the first
// failing step's status.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';

const [workflowFile, contextFile] = process.argv.slice(2);
if (!workflowFile || !contextFile) {
  console.error('usage: run-workflow.mjs WORKFLOW.yml CONTEXT.json');
  process.exit(2);
}
const workflow = YAML.parse(fs.readFileSync(workflowFile, 'utf8'));
const context = JSON.parse(fs.readFileSync(contextFile, 'utf8'));
const workspace = process.cwd();

// ---- expressions: literals, context paths, ==, !=, !, &&, ||, parentheses ------------------------
function tokenize(text) {
  const tokens = [];
  const re = /\s*(?:(==|!=|&&|\|\||[()!])|'((?:[^']|'')*)'|(-?[0-9]+(?:\.[0-9]+)?)|([A-Za-z_][A-Za-z0-9_-]*(?:\.[A-Za-z_][A-Za-z0-9_-]*)*))/y;
  let index = 0;
  while (index < text.length) {
    if (/^\s*$/.test(text.slice(index))) break;
    re.lastIndex = index;
    const m = re.exec(text);
    if (!m) throw new Error(`unsupported expression: ${text}`);
    index = re.lastIndex;
    if (m[1]) tokens.push({ op: m[1] });
    else if (m[2] !== undefined) tokens.push({ value: m[2].replace(/''/g, "'") });
    else if (m[3] !== undefined) tokens.push({ value: Number(m[3]) });
    else tokens.push({ path: m[4] });
  }
  return tokens;
}

function lookup(name) {
  if (name === 'true') return true;
  if (name === 'false') return false;
  if (name === 'null') return null;
  const [root, ...rest] = name.split('.');
  if (!['github', 'vars', 'secrets', 'env'].includes(root)) throw new Error(`unsupported context: ${root}`);
  let value = context[root] ?? {};
  for (const key of rest) value = value === null || value === undefined ? undefined : value[key];
  return value ?? null;
}

function evaluate(text, env) {
  const tokens = tokenize(text);
  let pos = 0;
  const peek = () => tokens[pos];
  const take = (op) => (peek()?.op === op ? (pos++, true) : false);
  const truthy = (v) => v !== null && v !== undefined && v !== false && v !== '' && v !== 0;
  const primary = () => {
    if (take('(')) {
      const v = or();
      if (!take(')')) throw new Error(`missing ) in ${text}`);
      return v;
    }
    if (take('!')) return !truthy(primary());
    const token = tokens[pos++];
    if (!token || token.op) throw new Error(`unexpected token in ${text}`);
    if ('value' in token) return token.value;
    return token.path.startsWith('env.') ? env[token.path.slice(4)] ?? null : lookup(token.path);
  };
  const comparison = () => {
    const left = primary();
    if (take('==')) return String(left ?? '') === String(primary() ?? '');
    if (take('!=')) return String(left ?? '') !== String(primary() ?? '');
    return left;
  };
  const and = () => {
    let v = comparison();
    while (take('&&')) { const r = comparison(); v = truthy(v) ? r : v; }
    return v;
  };
  const or = () => {
    let v = and();
    while (take('||')) { const r = and(); v = truthy(v) ? v : r; }
    return v;
  };
  const value = or();
  if (pos !== tokens.length) throw new Error(`unsupported expression: ${text}`);
  return value;
}

const substitute = (text, env) => String(text).replace(/\$\{\{(.*?)\}\}/g, (_, expr) => {
  const v = evaluate(expr, env);
  return v === null || v === undefined ? '' : String(v);
});
const condition = (text, env) => {
  if (text === undefined) return true;
  const inner = String(text).trim().replace(/^\$\{\{(.*)\}\}$/s, '$1');
  const v = evaluate(inner, env);
  return v !== null && v !== undefined && v !== false && v !== '' && v !== 0;
};
const resolveEnv = (map, base) => {
  const out = { ...base };
  for (const [key, value] of Object.entries(map ?? {})) out[key] = substitute(value, out);
  return out;
};

// ---- the run ------------------------------------------------------------------------------------
const github = context.github ?? {};
const runnerTemp = fs.mkdtempSync(path.join(os.tmpdir(), 'workflow-'));
const baseEnv = {
  PATH: process.env.PATH,
  HOME: process.env.HOME,
  CI: 'true',
  GITHUB_ACTIONS: 'true',
  GITHUB_EVENT_NAME: github.event_name ?? '',
  GITHUB_SHA: github.sha ?? '',
  GITHUB_REF: github.ref ?? '',
  GITHUB_HEAD_REF: github.head_ref ?? '',
  GITHUB_BASE_REF: github.base_ref ?? '',
  GITHUB_WORKSPACE: workspace,
  RUNNER_TEMP: runnerTemp,
};
if (workflow.defaults?.run?.shell && workflow.defaults.run.shell !== 'bash') throw new Error(`unsupported shell: ${workflow.defaults.run.shell}`);
const workflowEnv = resolveEnv(workflow.env, baseEnv);
let status = 0;

jobs: for (const [jobName, job] of Object.entries(workflow.jobs ?? {})) {
  if (job.needs) throw new Error(`job ${jobName}: needs is not supported`);
  if (!condition(job.if, workflowEnv)) {
    console.log(`::job ${jobName} skipped`);
    continue;
  }
  console.log(`::job ${jobName}`);
  const jobEnv = resolveEnv(job.env, workflowEnv);
  const envFile = path.join(runnerTemp, `${jobName}.env`);
  const pathFile = path.join(runnerTemp, `${jobName}.path`);
  fs.writeFileSync(envFile, '');
  fs.writeFileSync(pathFile, '');
  const carried = {};
  for (const [index, step] of (job.steps ?? []).entries()) {
    const label = step.name ?? step.uses ?? `step ${index + 1}`;
    const extraPath = fs.readFileSync(pathFile, 'utf8').split('\n').filter(Boolean).reverse();
    const stepBase = { ...jobEnv, ...carried, GITHUB_ENV: envFile, GITHUB_PATH: pathFile };
    if (extraPath.length > 0) stepBase.PATH = [...extraPath, stepBase.PATH].join(':');
    if (!condition(step.if, stepBase)) {
      console.log(`::step ${label} skipped`);
      continue;
    }
    console.log(`::step ${label}`);
    if (step.uses) {
      if (!/^actions\/checkout@/.test(step.uses)) throw new Error(`step ${label}: uses ${step.uses} is not supported`);
      const head = spawnSync('git', ['-C', workspace, 'rev-parse', 'HEAD'], { encoding: 'utf8' }).stdout.trim();
      if (head !== github.sha) {
        console.error(`checkout: the workspace is at ${head}, the event's commit is ${github.sha}`);
        status = 1;
        break jobs;
      }
      continue;
    }
    const env = resolveEnv(step.env, stepBase);
    const script = path.join(runnerTemp, `step-${jobName}-${index}.sh`);
    fs.writeFileSync(script, substitute(step.run, env));
    const result = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', script], { cwd: workspace, env, stdio: 'inherit' });
    if (result.status !== 0) {
      console.error(`::error step "${label}" of job ${jobName} exited ${result.status}`);
      status = result.status ?? 1;
      break jobs;
    }
    for (const line of fs.readFileSync(envFile, 'utf8').split('\n')) {
      const eq = line.indexOf('=');
      if (eq > 0) carried[line.slice(0, eq)] = line.slice(eq + 1);
    }
  }
}
fs.rmSync(runnerTemp, { recursive: true, force: true });
process.exit(status);
