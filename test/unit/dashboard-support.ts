import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createContext, type Context } from '../../src/lib/context.js';
import { createSession, csrfToken } from '../../src/lib/dashboard/sessions.js';
import type { Role } from '../../src/lib/dashboard/identity.js';
import { ReleaseRecordSchema, type ReleaseRecord } from '../../src/lib/releases/record.js';
import { SCHEMA_VERSION } from '../../src/lib/schema-version.js';
import { FileReleaseStore } from '../../src/lib/releases/store.js';
import { updatePipelines } from '../../src/lib/pipelines/store.js';
import { addApp, createPipeline, type Stage } from '../../src/lib/pipelines/model.js';

// A Dokku host in a temporary directory, with release stores written by the project's own store
// code, and signed-in sessions for the dashboard's HTTP tests.

export interface TestHost {
  ctx: Context;
  libRoot: string;
  cleanup(): void;
}

export function makeHost(): TestHost {
  const libRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'ownstack-dashboard-'));
  const dokkuRoot = path.join(libRoot, 'home');
  fs.mkdirSync(dokkuRoot);
  const ctx = createContext({ DOKKU_LIB_ROOT: libRoot, DOKKU_ROOT: dokkuRoot, SSH_NAME: 'tester' });
  return { ctx, libRoot, cleanup: () => fs.rmSync(libRoot, { recursive: true, force: true }) };
}

export interface ReleaseSpec {
  kind?: ReleaseRecord['kind'];
  status: ReleaseRecord['status'];
  phase?: ReleaseRecord['phase'];
  reason?: string;
  description?: string;
  who?: string;
  sha?: string;
  startedAt: string;
  finishedAt?: string;
  log?: string;
  current?: boolean;
  retained?: boolean;
  buildId?: string;
  pid?: number | null;
}

/** Adds one release to an app's store through FileReleaseStore (create, update, writeLog, setCurrent). */
export async function addRelease(ctx: Context, app: string, spec: ReleaseSpec): Promise<ReleaseRecord> {
  const store = new FileReleaseStore({ dir: ctx.paths.ownstackApp(app), app, who: spec.who ?? 'alice', now: () => new Date(spec.startedAt) });
  const created = await store.create({
    kind: spec.kind ?? 'push',
    description: spec.description,
    git_sha: spec.sha ?? null,
    pid: spec.pid ?? null,
    build_id: spec.buildId ?? null,
  });
  const logPath = spec.log !== undefined ? await store.writeLog(created.id, spec.log) : null;
  const record = await store.update(created.id, (draft) => {
    draft.status = spec.status;
    draft.phase = spec.phase ?? (spec.status === 'succeeded' ? 'postdeploy' : draft.phase);
    draft.reason = spec.reason ?? null;
    draft.finished_at = spec.finishedAt ?? null;
    draft.image_id = `sha256:${String(created.id).padStart(64, '0')}`;
    draft.retained_by = spec.retained ? `ownstack-keep-${app}-${created.id}` : null;
    draft.log = logPath;
  });
  if (spec.current) await store.setCurrent(created.id);
  return record;
}

export async function addPipeline(ctx: Context, name: string, members: Partial<Record<Stage, string[]>>): Promise<void> {
  const production = members.production ?? [];
  await updatePipelines(ctx.paths, (file) => {
    let next = createPipeline(file, name, production[0], '2026-01-01T00:00:00.000Z');
    for (const [stage, apps] of Object.entries(members) as [Stage, string[]][]) {
      for (const app of apps) if (!(stage === 'production' && app === production[0])) next = addApp(next, name, app, stage);
    }
    return { file: next, result: undefined };
  });
}

export interface SignedIn {
  cookie: string;
  csrf: string;
  secret: string;
}

export async function signIn(ctx: Context, name: string, role: Role = 'deployer', now = new Date()): Promise<SignedIn> {
  const { secret } = await createSession(ctx.paths.dashboardRoot, { name, role }, now);
  return { cookie: `ownstack_session=${secret}`, csrf: csrfToken(secret), secret };
}

/** Every file and directory under `dir`: path, mode, mtime and content, for a before/after comparison. */
export function snapshotTree(dir: string): Record<string, string> {
  const snapshot: Record<string, string> = {};
  const walk = (current: string) => {
    for (const entry of fs.readdirSync(current, { withFileTypes: true })) {
      const full = path.join(current, entry.name);
      const stat = fs.statSync(full);
      const relative = path.relative(dir, full);
      if (entry.isDirectory()) {
        snapshot[`${relative}/`] = `${stat.mode} ${stat.mtimeMs}`;
        walk(full);
      } else {
        snapshot[relative] = `${stat.mode} ${stat.mtimeMs} ${fs.readFileSync(full).toString('base64')}`;
      }
    }
  };
  walk(dir);
  return snapshot;
}

/**
 * A long history written straight in the store's layout (releases/<id>.json and state.json, as
 * FileReleaseStore writes them), for sizes where going through the store's lock per record would
 * take minutes: every record is checked against the store's own schema first.
 */
export async function writeHistory(ctx: Context, app: string, records: Omit<ReleaseRecord, 'app' | 'id'>[], currentId: number | null): Promise<void> {
  const dir = ctx.paths.ownstackApp(app);
  fs.mkdirSync(path.join(dir, 'releases'), { recursive: true, mode: 0o700 });
  const texts = records.map((fields, index) => `${JSON.stringify(ReleaseRecordSchema.parse({ ...fields, id: index + 1, app }))}\n`);
  for (let start = 0; start < texts.length; start += 64) {
    await Promise.all(
      texts.slice(start, start + 64).map((text, offset) => fs.promises.writeFile(path.join(dir, 'releases', `${start + offset + 1}.json`), text, { mode: 0o600 })),
    );
  }
  const state = { schema_version: SCHEMA_VERSION, next_id: records.length + 1, current_id: currentId, running: [] };
  fs.writeFileSync(path.join(dir, 'state.json'), `${JSON.stringify(state)}\n`, { mode: 0o600 });
}
