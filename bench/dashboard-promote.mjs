#!/usr/bin/env node
// Figure 10's runs (bench/run.sh, dashboard_promote_figure): the same one-target promotion started
// A) from the dashboard, as a browser does it: GET the Promote confirmation (untimed: the person
// reads it), then POST its form with the session cookie and the form's CSRF token; or B) from the
// CLI, `dokku pipeline:promote <app>`. Both are timed from the moment they start (the POST sent,
// the CLI spawned) to the new release's own `finished_at` (what the host records when post-deploy
// marks it succeeded): one clock, one end point for both, no polling in the figure. The record's
// `started_at` splits each run into "until the host's ownstack began the release" and "the release
// itself". Before returning, a run waits until the command is over: B's CLI exits, A's ssh session
// ends (the sshd has no session child left), so the next run starts on a quiet host.
// Usage:
//   dashboard-promote.mjs sign-in <sign-in-link> <cookie-file>
//   dashboard-promote.mjs a <base-url> <cookie-file> <staging-app> <production-store-dir> <container-pid>
//   dashboard-promote.mjs b <env-file> <staging-app> <production-store-dir>
//   dashboard-promote.mjs summary <details.jsonl>   (the a and b lines, each with "side" added)
// a and b print one JSON line: total, toStart, release (ms) and, for A, toSsh (until the dashboard
// started its ssh child), sshToStart (from there until the release began), post (the POST's answer)
// and form (the confirmation page's GET); for B, exit (the CLI's own exit).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const [mode, ...args] = process.argv.slice(2);
const fail = (message) => {
  console.error(` !     ${message}`);
  process.exit(1);
};
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const WAIT_MS = 5 * 60 * 1000;
/** USER_HZ, the unit of /proc/<pid>/stat's start time: 100 on every Linux architecture we run on. */
const CLOCK_TICKS = 100;

/** The ID the app's next release gets (1 before its first: the store has no state yet). */
const nextId = (store) => {
  const state = path.join(store, 'state.json');
  return fs.existsSync(state) ? JSON.parse(fs.readFileSync(state, 'utf8')).next_id : 1;
};
/** Release ID's record once it has finished; a failed release aborts the benchmark. */
async function finishedRecord(store, id) {
  const file = path.join(store, 'releases', `${id}.json`);
  for (const deadline = Date.now() + WAIT_MS; Date.now() < deadline; await sleep(100)) {
    if (!fs.existsSync(file)) continue;
    const record = JSON.parse(fs.readFileSync(file, 'utf8'));
    if (record.status === 'succeeded' && record.finished_at) return record;
    if (record.status === 'failed') fail(`release v${id} failed: ${record.reason}`);
  }
  return fail(`release v${id} did not finish in ${WAIT_MS / 1000} s`);
}
/**
 * When the serve process SERVE started its ssh child, in ms since the epoch: the child's start
 * time in clock ticks since boot (/proc/<pid>/stat) against the uptime now, so to ~10 ms. The
 * child lives until the promotion ends, so it is there when the POST has been answered.
 */
function actionSsh(serve) {
  // Not the shared connection's master (`ssh: <socket> [mux]`), which the container's first process
  // inherits when ssh puts it in the background: the action's own ssh, which rides on it.
  const ssh = childrenOf(serve).filter((pid) => fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'ssh' && !commandLine(pid).join(' ').includes('[mux]'));
  if (ssh.length !== 1) fail(`the dashboard (pid ${serve}) has ${ssh.length} ssh children, expected its action's one`);
  return ssh[0];
}
function sshSpawnedAt(ssh) {
  const now = Date.now();
  const uptime = Number(fs.readFileSync('/proc/uptime', 'utf8').split(' ')[0]);
  // the fields after the command's name, which is in parentheses and may hold blanks
  const stat = fs.readFileSync(`/proc/${ssh}/stat`, 'utf8');
  const startTicks = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]);
  return now - (uptime - startTicks / CLOCK_TICKS) * 1000;
}
const childrenOf = (pid) =>
  fs.readdirSync(`/proc/${pid}/task`).flatMap((task) => fs.readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim().split(/\s+/).filter(Boolean));
const commandLine = (pid) => fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
/** The serve process: the container's first process, or its child under an init (docker run --init). */
function serveProcess(containerPid) {
  const serve = [containerPid, ...childrenOf(containerPid)].find((pid) => {
    const [program, ...rest] = commandLine(pid);
    return /(^|\/)ownstack$/.test(program ?? '') && rest.join(' ') === 'dashboard serve';
  });
  return serve ?? fail(`no \`ownstack dashboard serve\` in the dashboard's container (pid ${containerPid}): ${commandLine(containerPid).join(' ')}`);
}
const split = (started, record) => ({
  total: Date.parse(record.finished_at) - started,
  toStart: Date.parse(record.started_at) - started,
  release: Date.parse(record.finished_at) - Date.parse(record.started_at),
});

if (mode === 'sign-in') {
  const [link, cookieFile] = args;
  const signIn = await fetch(link, { method: 'POST', redirect: 'manual', headers: { 'Sec-Fetch-Site': 'same-origin' } });
  const cookie = signIn.headers.get('set-cookie')?.split(';')[0];
  if (signIn.status !== 303 || !cookie?.startsWith('ownstack_session=')) fail(`sign-in by POST of the link failed: ${signIn.status}`);
  fs.writeFileSync(cookieFile, cookie, { mode: 0o600 });
} else if (mode === 'a') {
  const [base, cookieFile, staging, store, containerPid] = args;
  const servePid = serveProcess(containerPid);
  const cookie = fs.readFileSync(cookieFile, 'utf8');
  const formStarted = performance.now();
  const confirmation = await fetch(`${base}/apps/${staging}/promote`, { headers: { Cookie: cookie } });
  const html = await confirmation.text();
  const form = performance.now() - formStarted;
  if (confirmation.status !== 200) fail(`GET /apps/${staging}/promote: ${confirmation.status} ${html.split('\n')[0].slice(0, 200)}`);
  const action = /<form method="post" action="(\/apps\/[^"]+\/promote)"><input type="hidden" name="csrf" value="([^"]+)"/.exec(html);
  if (!action) fail('the Promote confirmation has no form with a CSRF token');
  const id = nextId(store);
  const started = Date.now();
  const postStarted = performance.now();
  const answer = await fetch(`${base}${action[1]}`, {
    method: 'POST',
    redirect: 'manual',
    headers: { Cookie: cookie, 'Content-Type': 'application/x-www-form-urlencoded', Origin: base, 'Sec-Fetch-Site': 'same-origin' },
    body: new URLSearchParams({ csrf: action[2] }).toString(),
  });
  await answer.arrayBuffer();
  const post = performance.now() - postStarted;
  if (answer.status !== 303) fail(`POST ${action[1]}: ${answer.status}`);
  const ssh = actionSsh(servePid);
  const sshSpawned = sshSpawnedAt(ssh);
  const record = await finishedRecord(store, id);
  if (!record.who.endsWith(' (dashboard)')) fail(`release v${id} is not the dashboard's: who = ${record.who}`);
  // the command is over when the action's ssh has exited (it ends with the remote command; the
  // shared connection, and the sshd process that serves it, stay for the next action)
  for (const deadline = Date.now() + WAIT_MS; fs.existsSync(`/proc/${ssh}`); await sleep(100)) {
    if (Date.now() > deadline) fail('the dashboard\'s ssh session did not end');
  }
  // toSsh: the dashboard's own work before it acts (HTTP, session, CSRF, its store reads);
  // sshToStart: ssh, the host's forced command and Dokku, until ownstack began the release
  const toSsh = Math.round(sshSpawned - started);
  const times = split(started, record);
  console.log(JSON.stringify({ ...times, toSsh, sshToStart: times.toStart - toSsh, post: Math.round(post), form: Math.round(form) }));
} else if (mode === 'b') {
  const [envFile, staging, store] = args;
  const id = nextId(store);
  const started = Date.now();
  const cli = spawn('bash', ['-c', 'source "$1" && exec dokku pipeline:promote "$2"', '_', envFile, staging], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  cli.stderr.on('data', (chunk) => (stderr += chunk));
  const code = await new Promise((resolve) => cli.on('close', resolve));
  const exit = Date.now() - started;
  if (code !== 0) fail(`dokku pipeline:promote ${staging} failed (exit ${code}): ${stderr.trim().split('\n').pop()}`);
  const record = await finishedRecord(store, id);
  console.log(JSON.stringify({ ...split(started, record), exit }));
} else if (mode === 'summary') {
  // summary <details.jsonl>: each measure's median per side, one line each
  const runs = fs.readFileSync(args[0], 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line));
  const median = (values) => {
    const sorted = [...values].sort((x, y) => x - y);
    const mid = Math.floor(sorted.length / 2);
    return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  };
  for (const side of ['dashboard', 'cli']) {
    const mine = runs.filter((run) => run.side === side);
    const keys = Object.keys(mine[0] ?? {}).filter((key) => key !== 'side');
    console.log(`${side}: ${keys.map((key) => `${key} ${median(mine.map((run) => run[key]))} ms`).join(', ')} (medians of ${mine.length})`);
  }
} else {
  fail('usage: dashboard-promote.mjs sign-in|a|b|summary …');
}
