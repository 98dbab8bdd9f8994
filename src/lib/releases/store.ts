import { AsyncLocalStorage } from 'node:async_hooks';
import fs from 'node:fs';
import path from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import * as z from 'zod/mini';
import type { Context } from '../context.js';
import { acquireFileLock, type HeldLock } from '../dokku/lock.js';
import { triggerNow } from '../dokku/trigger-scope.js';
import { UserError } from '../output/errors.js';
import { log } from '../output/log.js';
import { describeRelease } from './describe.js';
import { processStartTime } from '../dokku/host-files.js';
import { queueNotification } from '../notifications/outbox.js';
import { assertReadableVersion, declaredVersion, SCHEMA_VERSION } from '../schema-version.js';
import { ReleaseRecordSchema, type ReleaseRecord } from './record.js';
import { liveLogExists, openLiveLog, readLiveLog, removeLiveLog, type LiveLogWriter } from './live-log.js';
import type { CorruptRecord, NewRelease, ReleaseStore, Snapshot } from './store-api.js';

// One app's release store, `$DOKKU_LIB_ROOT/data/ownstack/<app>/`:
//   state.json           next ID, current ID, IDs still running (small, rewritten on each change)
//   releases/<id>.json   one record per release; never pruned
//   snapshots/<id>.json  the Procfile and app.json the release deployed
//   logs/<id>.log.gz     our copy of the deploy log; pruned with the app's retention
//   logs/<id>.log        the log of a promote/rollback/image deploy while it runs (live-log.ts)
//   .lock                the store's own lock, held for one read-modify-write only (or for
//                        one short run of them: keepingStoreLocks)
//
// Why a state file: listing the newest N reads the state and then N record files downward from
// the newest ID, so it costs the same with 100 or 100,000 releases (no directory scan). The next
// ID lives there too, so an ID is never reused even if records were ever removed.
// Every write is atomic (temp file, fsync, rename) with mode 0600 in directories of mode 0700;
// readers never lock, because a rename is all-or-nothing.

const StateSchema = z.object({
  /** The format that wrote the file (src/lib/schema-version.ts); absent in 0.1.0's, which are 1. */
  schema_version: z.optional(z.int().check(z.positive())),
  next_id: z.int().check(z.positive()),
  current_id: z.nullable(z.int().check(z.positive())),
  /** Records still `running`; kept here so reconciling costs nothing when nothing runs. */
  running: z.array(z.int().check(z.positive())),
});
export type StoreState = z.infer<typeof StateSchema>;

/** How far findByBuildId looks back: a trigger's record is nearly always the newest. */
const BUILD_ID_LOOKBACK = 50;
/** Events (ps:restart, …) kept per record. */
export const MAX_EVENTS = 50;
const LOCK_WAIT_SECONDS = 60;

// Every lock is a `flock` child process (lock.ts), and a trigger that writes several times (the
// replay of a push's notes, post-deploy) paid one per write. Inside keepingStoreLocks, a store's
// lock is taken once, at its first write, and kept until the work ends; the writes inside still
// run one at a time. Only for work that starts no process which could want the same lock (our
// own triggers through Dokku would wait for it): the replay of noted triggers, which only record
// facts, and post-deploy's record keeping, which runs docker and nothing else.
const keptLocks = new AsyncLocalStorage<Map<string, Promise<{ lock: HeldLock; turn: Promise<unknown> }>>>();

export async function keepingStoreLocks<T>(work: () => Promise<T>): Promise<T> {
  if (keptLocks.getStore()) return work();
  const kept = new Map<string, Promise<{ lock: HeldLock; turn: Promise<unknown> }>>();
  try {
    return await keptLocks.run(kept, work);
  } finally {
    for (const entry of kept.values()) await entry.then(({ lock }) => lock.release(), () => undefined);
  }
}

export interface StoreOptions {
  dir: string;
  app: string;
  /** WHO of new records (src/lib/identity/who.ts). */
  who: string;
  dokkuPid?: string | null;
  /** /proc start time of a pid, stored as pid_start so a reused pid is not taken for ours. */
  processStart?: (pid: number) => string | undefined;
  now?: () => Date;
  /** Told when a release starts (created) and when it ends (its status leaves `running`, or a
   * finished status changes); release notifications hang here. Must not throw or wait long. */
  onTransition?: (record: ReleaseRecord, change: 'start' | 'end') => Promise<void>;
}

export class FileReleaseStore implements ReleaseStore {
  readonly app: string;
  readonly dir: string;
  private readonly options: StoreOptions;

  constructor(options: StoreOptions) {
    this.options = options;
    this.app = options.app;
    this.dir = options.dir;
  }

  // ---- paths -------------------------------------------------------------------------------
  private get stateFile() {
    return path.join(this.dir, 'state.json');
  }
  recordFile(id: number) {
    return path.join(this.dir, 'releases', `${id}.json`);
  }
  private snapshotFile(id: number) {
    return path.join(this.dir, 'snapshots', `${id}.json`);
  }
  private logRelative(id: number) {
    return path.join('logs', `${id}.log.gz`);
  }

  private now(): string {
    return (this.options.now?.() ?? triggerNow()).toISOString();
  }

  // ---- state ------------------------------------------------------------------------------
  exists(): boolean {
    return fs.existsSync(this.dir);
  }

  /**
   * The state file; a missing or damaged one is rebuilt in memory (see repairState), and a
   * damaged one is named once, so the user learns of it. An unreadable one is an error.
   */
  readState(): StoreState {
    let raw: string;
    try {
      raw = fs.readFileSync(this.stateFile, 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return this.repairState();
      throw new UserError(`Cannot read ${this.stateFile}: ${code ?? (error as Error).message}`);
    }
    let data: unknown;
    try {
      data = JSON.parse(raw);
    } catch {
      data = undefined;
    }
    assertReadableVersion(declaredVersion(data, 'schema_version'), `The release store of ${this.app} (${this.stateFile})`);
    const parsed = StateSchema.safeParse(data);
    if (parsed.success) return parsed.data;
    if (!this.reportedDamagedState) {
      this.reportedDamagedState = true;
      log.warn(`${this.stateFile} is damaged; using the state rebuilt from the release records (the next deploy rewrites it)`);
    }
    return this.repairState();
  }

  private reportedDamagedState = false;

  /**
   * Only after a damaged or deleted state file: the one place that scans the directory. The next
   * ID comes from the highest record file, so IDs stay unique; current is the newest succeeded
   * record among the recent ones.
   */
  private repairState(): StoreState {
    let highest = 0;
    try {
      for (const name of fs.readdirSync(path.join(this.dir, 'releases'))) {
        const match = /^([0-9]+)\.json$/.exec(name);
        if (match) highest = Math.max(highest, Number(match[1]));
      }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    const state: StoreState = { next_id: highest + 1, current_id: null, running: [] };
    for (let id = highest, seen = 0; id >= 1 && seen < 100; id--, seen++) {
      const record = this.tryRead(id);
      if (!record || 'problem' in record) continue;
      if (record.status === 'running') state.running.push(id);
      if (state.current_id === null && record.status === 'succeeded') state.current_id = id;
    }
    return state;
  }

  private async writeState(state: StoreState): Promise<void> {
    await this.writeFile(this.stateFile, `${JSON.stringify({ ...state, schema_version: SCHEMA_VERSION })}\n`);
  }

  private ensureDirs(): void {
    for (const sub of ['', 'releases', 'snapshots', 'logs']) {
      fs.mkdirSync(path.join(this.dir, sub), { recursive: true, mode: 0o700 });
    }
  }

  private async writeFile(file: string, data: string | Buffer): Promise<void> {
    // The synchronous form: the same steps (a temporary file, fsync, rename), but without a trip
    // through libuv's thread pool for each of its eight calls, which made a write ~3 ms here
    // against ~1 ms; a git push's post-deploy writes the store ~16 times (bench/analysis.md).
    writeFileAtomic.sync(file, data, { mode: 0o600, fsync: true });
  }

  /** The store's own lock, for one read-modify-write; never held across a deploy. */
  async withLock<T>(work: () => Promise<T>): Promise<T> {
    // A store written by a newer ownstack is refused before anything (even the lock file) is made.
    if (this.exists()) this.readState();
    this.ensureDirs();
    const take = () =>
      acquireFileLock(path.join(this.dir, '.lock'), {
        waitSeconds: LOCK_WAIT_SECONDS,
        what: `The release history of ${this.app}`,
        heldBy: 'another ownstack process',
      });
    const kept = keptLocks.getStore();
    if (kept) {
      let entry = kept.get(this.dir);
      if (!entry) {
        entry = take().then((lock) => ({ lock, turn: Promise.resolve() as Promise<unknown> }));
        kept.set(this.dir, entry);
      }
      const held = await entry;
      const mine = held.turn.then(work);
      held.turn = mine.catch(() => undefined);
      return mine;
    }
    const lock = await take();
    try {
      return await work();
    } finally {
      lock.release();
    }
  }

  // ---- records ----------------------------------------------------------------------------
  /** A record, `{problem}` when the file is unreadable, or undefined when there is none. */
  private tryRead(id: number): ReleaseRecord | { problem: string } | undefined {
    let raw: string;
    try {
      raw = fs.readFileSync(this.recordFile(id), 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return undefined;
      return { problem: (error as Error).message };
    }
    let data: unknown;
    try {
      data = JSON.parse(raw);
    } catch {
      return { problem: raw.trim() === '' ? 'the file is empty' : 'the file is not valid JSON (truncated?)' };
    }
    assertReadableVersion(declaredVersion(data, 'schema_version'), `Release v${id} of ${this.app} (${this.recordFile(id)})`);
    const parsed = ReleaseRecordSchema.safeParse(data);
    if (!parsed.success) return { problem: `the record does not match the schema (${parsed.error.issues[0]?.path.join('.') || 'root'})` };
    // Records keep the name they were written under; the store's directory is the truth after
    // an apps:rename, so no record ever has to be rewritten for it.
    return { ...parsed.data, app: this.app };
  }

  get(id: number): ReleaseRecord | undefined {
    const record = this.tryRead(id);
    if (record && 'problem' in record) throw new UserError(`Release v${id} of ${this.app} is unreadable: ${this.recordFile(id)}: ${record.problem}`);
    return record;
  }

  async create(init: NewRelease & { pid_start?: string | null }): Promise<ReleaseRecord> {
    const record = await this.createLocked(init);
    await this.options.onTransition?.(record, 'start');
    return record;
  }

  private async createLocked(init: NewRelease & { pid_start?: string | null }): Promise<ReleaseRecord> {
    return this.withLock(async () => {
      const state = this.readState();
      let id = state.next_id;
      // A crash between writing a record and the state leaves the state behind; never overwrite.
      while (fs.existsSync(this.recordFile(id))) id++;
      // An explicit null means "no process to watch"; undefined means the creating process.
      const pid = init.pid === undefined ? process.pid : init.pid;
      const record: ReleaseRecord = ReleaseRecordSchema.parse({
        schema_version: SCHEMA_VERSION,
        id,
        app: this.app,
        kind: init.kind,
        status: 'running',
        phase: init.phase ?? 'build',
        reason: null,
        description: init.description ?? describeRelease(init),
        git_sha: init.git_sha ?? null,
        source: init.source ?? null,
        source_metadata: init.source_metadata ?? null,
        image_id: init.image_id ?? null,
        image_tag: null,
        builder: init.builder ?? null,
        who: this.options.who,
        started_at: this.now(),
        finished_at: null,
        build_id: init.build_id ?? null,
        pid,
        pid_start: init.pid_start ?? (pid !== null ? (this.options.processStart?.(pid) ?? null) : null),
        dokku_pid: this.options.dokkuPid ?? null,
        promoted_from: init.promoted_from ?? null,
        rollback_of: init.rollback_of ?? null,
        tasks: [],
        retained_by: null,
        events: [],
        log: null,
        ...(init.forced ? { forced: init.forced } : {}),
        ...(init.approval ? { approval: init.approval } : {}),
        ...(init.config_keys ? { config_keys: init.config_keys } : {}),
      } satisfies ReleaseRecord);
      // State first: if we die before the record is written the ID is skipped, never reused.
      await this.writeState({ ...state, next_id: id + 1, running: [...state.running.filter((r) => r !== id), id] });
      await this.writeFile(this.recordFile(id), `${JSON.stringify(record)}\n`);
      return record;
    });
  }

  async update(id: number, change: (record: ReleaseRecord) => void): Promise<ReleaseRecord> {
    let before: ReleaseRecord['status'] | undefined;
    const record = await this.withLock(async () => {
      const current = this.get(id);
      before = current?.status;
      if (!current) throw new UserError(`Release v${id} of ${this.app} does not exist`);
      const draft = structuredClone(current);
      change(draft);
      draft.id = id;
      draft.schema_version = SCHEMA_VERSION;
      draft.events = draft.events.slice(-MAX_EVENTS);
      const record = ReleaseRecordSchema.parse(draft);
      await this.writeFile(this.recordFile(id), `${JSON.stringify(record)}\n`);
      const state = this.readState();
      const listed = state.running.includes(id);
      if (record.status === 'running' ? !listed : listed) {
        const running = state.running.filter((r) => r !== id);
        if (record.status === 'running') running.push(id);
        await this.writeState({ ...state, running });
      }
      return record;
    });
    if (before !== record.status && record.status !== 'running') await this.options.onTransition?.(record, 'end');
    return record;
  }

  newest(limit: number): { records: ReleaseRecord[]; corrupt: CorruptRecord[] } {
    return this.newestFrom(this.readState().next_id - 1, limit);
  }

  /** Newest first from `fromId` downward: one file read per record, plus holes and corrupt ones. */
  newestFrom(fromId: number, limit: number): { records: ReleaseRecord[]; corrupt: CorruptRecord[] } {
    const records: ReleaseRecord[] = [];
    const corrupt: CorruptRecord[] = [];
    for (let id = fromId; id >= 1 && records.length < limit; id--) {
      const record = this.tryRead(id);
      if (!record) continue; // an ID skipped by a crash
      if ('problem' in record) corrupt.push({ id, file: this.recordFile(id), problem: record.problem });
      else records.push(record);
    }
    return { records, corrupt };
  }

  currentId(): number | undefined {
    return this.readState().current_id ?? undefined;
  }

  runningIds(): number[] {
    return this.readState().running;
  }

  /**
   * Drops an ID from the running list when, under the store's lock, its record is missing,
   * unreadable or no longer running. The caller looked without the lock, and `create` lists a
   * new ID in the state before it writes the record: a reader that comes between the two sees
   * a running ID without a record, and must not drop it, or the record stays running forever.
   */
  async forgetRunning(id: number): Promise<void> {
    await this.withLock(async () => {
      const state = this.readState();
      if (!state.running.includes(id)) return;
      const record = this.tryRead(id);
      if (record && !('problem' in record) && record.status === 'running') return;
      await this.writeState({ ...state, running: state.running.filter((r) => r !== id) });
    });
  }

  async setCurrent(id: number): Promise<void> {
    await this.withLock(async () => {
      const state = this.readState();
      await this.writeState({ ...state, current_id: id });
    });
  }

  findByBuildId(buildId: string): ReleaseRecord | undefined {
    return this.findRecent((record) => record.build_id === buildId);
  }

  /** The newest record among the recent ones matching a test (unreadable ones are skipped). */
  findRecent(test: (record: ReleaseRecord) => boolean, lookback = BUILD_ID_LOOKBACK): ReleaseRecord | undefined {
    const state = this.readState();
    for (let id = state.next_id - 1, seen = 0; id >= 1 && seen < lookback; id--, seen++) {
      const record = this.tryRead(id);
      if (record && !('problem' in record) && test(record)) return record;
    }
    return undefined;
  }

  // ---- snapshots and logs -----------------------------------------------------------------
  async writeSnapshot(id: number, snapshot: Snapshot): Promise<void> {
    this.ensureDirs();
    await this.writeFile(this.snapshotFile(id), `${JSON.stringify({ procfile: snapshot.procfile, appJson: snapshot.appJson })}\n`);
  }

  readSnapshot(id: number): Snapshot | undefined {
    let raw: string;
    try {
      raw = fs.readFileSync(this.snapshotFile(id), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    const parsed = safeJson(raw, z.object({ procfile: z.nullable(z.string()), appJson: z.nullable(z.string()) }));
    if (!parsed) throw new UserError(`The snapshot of release v${id} of ${this.app} is unreadable: ${this.snapshotFile(id)}`);
    return parsed;
  }

  /** Keeps the final log, compressed; it replaces the live log, which goes only once it is written. */
  async writeLog(id: number, content: string | Buffer): Promise<string> {
    this.ensureDirs();
    const relative = this.logRelative(id);
    await this.writeFile(path.join(this.dir, relative), process.getBuiltinModule('node:zlib').gzipSync(content));
    removeLiveLog(this.dir, id);
    return relative;
  }

  /** The log a release writes as it runs (promote, rollback, image deploy); see live-log.ts. */
  openLiveLog(id: number): LiveLogWriter {
    this.ensureDirs();
    return openLiveLog(this.dir, id);
  }

  /** A live log is still there: its release is writing it, or died before keeping its copy. */
  hasLiveLog(id: number): boolean {
    return liveLogExists(this.dir, id);
  }

  /**
   * Once its writer is done (or gone): keeps the live log, a torn last line included, as the
   * final copy. An empty one goes (a run that printed nothing keeps no log, as before).
   */
  async keepLiveLog(id: number): Promise<{ path: string; text: string } | undefined> {
    const text = readLiveLog(this.dir, id, true);
    if (text === undefined) return undefined;
    if (text === '') {
      removeLiveLog(this.dir, id);
      return undefined;
    }
    return { path: await this.writeLog(id, text), text };
  }

  /** The kept copy, else the live log's whole lines so far, else undefined. */
  readLog(id: number): string | undefined {
    // The kept copy is written before the live log goes: looked for again when the live log went
    // between the two reads, so a reader never misses both.
    const found = this.readKeptLog(id) ?? readLiveLog(this.dir, id) ?? this.readKeptLog(id);
    if (found === undefined || typeof found === 'string') return found;
    try {
      return process.getBuiltinModule('node:zlib').gunzipSync(found).toString('utf8');
    } catch {
      throw new UserError(`The deploy log of release v${id} of ${this.app} is damaged: ${path.join(this.dir, this.logRelative(id))}`);
    }
  }

  private readKeptLog(id: number): Buffer | undefined {
    try {
      return fs.readFileSync(path.join(this.dir, this.logRelative(id)));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  /**
   * Logs follow the app's retention: the logs of releases older than the `retention`-th newest
   * succeeded release are deleted (records never are). Failed attempts newer than that keep
   * theirs, so a failure can be debugged. Returns the IDs whose logs were removed.
   */
  async pruneLogs(retention: number): Promise<number[]> {
    const cutoff = this.logCutoff(retention);
    if (cutoff === undefined) return [];
    const logsDir = path.join(this.dir, 'logs');
    let names: string[];
    try {
      names = fs.readdirSync(logsDir); // bounded: everything older than the cutoff goes each time
    } catch {
      return [];
    }
    const removed: number[] = [];
    for (const name of names) {
      const match = /^([0-9]+)\.log\.gz$/.exec(name);
      if (!match || Number(match[1]) >= cutoff) continue;
      fs.rmSync(path.join(logsDir, name), { force: true });
      removed.push(Number(match[1]));
    }
    for (const id of removed.sort((a, b) => a - b)) {
      // An unreadable record keeps its stale `log` field; the log file is gone either way.
      await this.update(id, (record) => {
        record.log = null;
      }).catch(() => undefined);
    }
    return removed;
  }

  /** ID of the `retention`-th newest succeeded release, or undefined when there are fewer. */
  logCutoff(retention: number): number | undefined {
    const state = this.readState();
    let succeeded = 0;
    // Bounded look-back: a history with thousands of failures in a row keeps its logs a while longer.
    for (let id = state.next_id - 1, seen = 0; id >= 1 && seen < retention * 20 + 100; id--, seen++) {
      const record = this.tryRead(id);
      if (!record || 'problem' in record || record.status !== 'succeeded') continue;
      succeeded += 1;
      if (succeeded === retention) return id;
    }
    return undefined;
  }

  // ---- lifecycle ----------------------------------------------------------------------------
  /** apps:rename: the directory moves; records keep their IDs (their `app` is read from here). */
  moveTo(newDir: string): boolean {
    if (!fs.existsSync(this.dir)) return false;
    fs.mkdirSync(path.dirname(newDir), { recursive: true, mode: 0o700 });
    // A new app has no store yet; an empty leftover directory would make rename fail.
    if (fs.existsSync(newDir)) fs.rmdirSync(newDir);
    fs.renameSync(this.dir, newDir);
    return true;
  }

  destroy(): void {
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

function safeJson<T>(raw: string, schema: z.ZodMiniType<T>): T | undefined {
  try {
    const parsed = schema.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** The release store of an app; the name must already be validated (assertAppExists). */
export function openStore(ctx: Context, app: string): FileReleaseStore {
  return new FileReleaseStore({
    dir: ctx.paths.ownstackApp(app),
    app,
    who: ctx.env.who,
    dokkuPid: ctx.env.dokkuPid,
    processStart: processStartTime,
    onTransition: (record, change) => queueNotification(ctx, record, change),
  });
}
