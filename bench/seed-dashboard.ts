// The dashboard figure's store: APPS apps of PER_APP releases each, in 10 pipelines, written with
// the project's own store code. Each app's first release and its newest are made by
// FileReleaseStore (create, writeLog, update, setCurrent), as a deploy makes them; the releases
// between are copies of that first record with their own ID, time, SHA and outcome, each checked
// against the store's schema and written in its layout (releases/<id>.json, mode 0600), because
// 100,000 locked writes would take most of an hour. The store numbers the newest release past
// the copies itself, as it does after a crash, and rewrites state.json.
// Start times interleave the apps (slot = id x APPS + app, a minute apart), so the newest page
// draws from every app. Every tenth release failed in its build.
// Bundled and run by bench/run.sh: seed-dashboard.mjs <DOKKU_LIB_ROOT> <DOKKU_ROOT> <apps> <releases-per-app>
import fs from 'node:fs';
import { createContext } from '../src/lib/context.js';
import { addApp, createPipeline, type Stage } from '../src/lib/pipelines/model.js';
import { updatePipelines } from '../src/lib/pipelines/store.js';
import { ReleaseRecordSchema, type ReleaseRecord } from '../src/lib/releases/record.js';
import { FileReleaseStore } from '../src/lib/releases/store.js';

const [libRoot, dokkuRoot, appsArg, perAppArg] = process.argv.slice(2);
const APPS = Number(appsArg);
const PER_APP = Number(perAppArg);
if (!libRoot || !dokkuRoot || !(APPS >= 5 && APPS % 5 === 0) || !(PER_APP >= 3)) {
  console.error('usage: seed-dashboard.mjs <DOKKU_LIB_ROOT> <DOKKU_ROOT> <apps, a multiple of 5> <releases per app, at least 3>');
  process.exit(2);
}
const ctx = createContext({ DOKKU_LIB_ROOT: libRoot, DOKKU_ROOT: dokkuRoot, SSH_NAME: 'bench' });
const BASE = Date.parse('2025-01-01T00:00:00.000Z');
const startedAt = (app: number, id: number) => new Date(BASE + (id * APPS + app) * 60_000);
const appName = (app: number) => `app-${String(app).padStart(2, '0')}`;
const sha = (app: number, id: number) => `${String(app).padStart(2, '0')}${String(id).padStart(6, '0')}`.padEnd(40, 'abcdef0123');
const PEOPLE = ['alice', 'bob', 'carol', 'dave'];
const LOG = Array.from({ length: 40 }, (_, i) => `remote: Step ${i + 1}/40 : RUN make part-${i + 1}`).join('\n');

/** A release through the store itself, as a deploy records one. */
async function recordThroughStore(app: number, id: number | 'next'): Promise<ReleaseRecord> {
  const name = appName(app);
  const nominal = id === 'next' ? PER_APP : id;
  const store = new FileReleaseStore({ dir: ctx.paths.ownstackApp(name), app: name, who: PEOPLE[nominal % PEOPLE.length], now: () => startedAt(app, nominal) });
  const created = await store.create({ kind: 'push', git_sha: sha(app, nominal), pid: null, build_id: `build-${name}-${nominal}` });
  const log = await store.writeLog(created.id, LOG);
  const record = await store.update(created.id, (draft) => {
    draft.status = 'succeeded';
    draft.phase = 'postdeploy';
    draft.finished_at = new Date(startedAt(app, nominal).getTime() + 42_000).toISOString();
    draft.source = 'git-push';
    draft.source_metadata = sha(app, nominal);
    draft.image_id = `sha256:${String(created.id).padStart(64, '0')}`;
    draft.image_tag = `ownstack/${name}:v${created.id}`;
    draft.builder = 'dockerfile';
    draft.retained_by = `ownstack-keep-${name}-${created.id}`;
    draft.tasks = [{ name: 'release', status: 'succeeded', exit_code: 0, command: 'npm run migrate' }];
    draft.log = log;
  });
  await store.setCurrent(created.id);
  return record;
}

for (let app = 0; app < APPS; app++) {
  const name = appName(app);
  const first = await recordThroughStore(app, 1);
  const store = new FileReleaseStore({ dir: ctx.paths.ownstackApp(name), app: name, who: 'bench' });
  for (let id = 2; id < PER_APP; id++) {
    const failed = id % 10 === 0;
    const started = startedAt(app, id);
    const record = ReleaseRecordSchema.parse({
      ...first,
      id,
      status: failed ? 'failed' : 'succeeded',
      phase: failed ? 'build' : 'postdeploy',
      reason: failed ? 'build failed: the Dockerfile step exited with status 1' : null,
      description: `Deploy ${sha(app, id).slice(0, 7)}`,
      git_sha: sha(app, id),
      source_metadata: sha(app, id),
      who: PEOPLE[id % PEOPLE.length],
      started_at: started.toISOString(),
      finished_at: new Date(started.getTime() + 42_000).toISOString(),
      build_id: `build-${name}-${id}`,
      image_id: failed ? null : `sha256:${String(id).padStart(64, '0')}`,
      image_tag: failed ? null : `ownstack/${name}:v${id}`,
      // Only the newest few images are still held; older succeeded releases show as expired.
      retained_by: !failed && id > PER_APP - 5 ? `ownstack-keep-${name}-${id}` : null,
      tasks: failed ? [] : first.tasks,
      log: null,
    } satisfies ReleaseRecord);
    fs.writeFileSync(store.recordFile(id), `${JSON.stringify(record)}\n`, { mode: 0o600 });
  }
  const newest = await recordThroughStore(app, 'next');
  if (newest.id !== PER_APP) throw new Error(`${name}: the newest release is v${newest.id}, expected v${PER_APP}`);
}

// 10 pipelines of APPS / 10 apps: production, staging and development members.
await updatePipelines(ctx.paths, (file) => {
  let next = file;
  const size = APPS / 10;
  for (let pipeline = 0; pipeline < 10; pipeline++) {
    const members = Array.from({ length: size }, (_, i) => appName(pipeline * size + i));
    const name = `pipeline-${pipeline}`;
    next = createPipeline(next, name, members[0], '2025-01-01T00:00:00.000Z');
    members.slice(1).forEach((member, i) => {
      const stage: Stage = i < Math.floor((size - 1) / 2) ? 'production' : i < size - 2 ? 'staging' : 'development';
      next = addApp(next, name, member, stage);
    });
  }
  return { file: next, result: undefined };
});
console.log(`${APPS} apps x ${PER_APP} releases in ${ctx.paths.ownstackRoot}, 10 pipelines`);
