import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

// Noted triggers (src/lib/dokku/trigger-notes.ts): the real shims and note-functions, run by bash
// as Dokku's plugn runs them, with a stand-in binary that says when it ran; then the notes
// replayed by the next start through the real trigger handlers, against a temporary Dokku layout
// (as releases-triggers.test.ts; retention and pipelines are other modules' business).
vi.mock('../../src/lib/retention/index.js', () => ({
  onReleaseSucceeded: vi.fn(async () => undefined),
  onAppDestroyed: vi.fn(async () => undefined),
  onAppRenamed: vi.fn(async () => undefined),
}));

const { createContext } = await import('../../src/lib/context.js');
const { runTriggerHandler, replayNotedTriggers } = await import('../../src/triggers/index.js');
const { openStore } = await import('../../src/lib/releases/store.js');
const { parseNote, replayTriggerNotes, notesDir } = await import('../../src/lib/dokku/trigger-notes.js');
const { processStartTime } = await import('../../src/lib/dokku/host-files.js');
const { touchStore } = await import('../../src/lib/releases/trigger-support.js');

const repo = path.resolve(__dirname, '../..');
const SHA = '1a2b3c4d5e6f7a8b9c0d1a2b3c4d5e6f7a8b9c0d';
const APP = 'myapp';
let root: string;
let plugin: string;
let env: Record<string, string>;

const ctx = () => createContext(env);
const store = () => openStore(ctx(), APP);
const dataFile = (...parts: string[]) => path.join(root, 'lib', 'data', ...parts);
const noted = () => dataFile('ownstack', '.noted');
const notes = () => fs.readdirSync(noted()).filter((name) => !name.startsWith('.')).sort();

function write(file: string, text: string) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
}

/** Runs the trigger's real shim through its root link, as plugn does. */
function shim(name: string, args: string[], extraEnv: Record<string, string> = {}) {
  const run = spawnSync('bash', [path.join(plugin, name), ...args], {
    env: { PATH: process.env.PATH, HOME: root, ...env, ...extraEnv },
    encoding: 'utf8',
  });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr, binaryRan: run.stdout.includes('binary ran') };
}

beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'ownstack-notes-'));
  plugin = path.join(root, 'plugin');
  fs.mkdirSync(path.join(plugin, 'build'), { recursive: true });
  fs.cpSync(path.join(repo, 'triggers'), path.join(plugin, 'triggers'), { recursive: true });
  for (const file of ['note-functions', 'relay-functions']) fs.copyFileSync(path.join(repo, file), path.join(plugin, file));
  for (const trigger of fs.readdirSync(path.join(plugin, 'triggers'))) fs.symlinkSync(`triggers/${trigger}`, path.join(plugin, trigger));
  fs.writeFileSync(path.join(plugin, 'build/ownstack'), '#!/usr/bin/env bash\necho "binary ran: $*"\nexit 7\n', { mode: 0o755 });
  env = { DOKKU_ROOT: path.join(root, 'home'), DOKKU_LIB_ROOT: path.join(root, 'lib'), DOKKU_PID: String(process.pid), SSH_NAME: 'alice', SSH_USER: 'dokku' };
  fs.mkdirSync(path.join(root, 'home', APP), { recursive: true });
  fs.mkdirSync(dataFile('ownstack'), { recursive: true, mode: 0o700 });
  write(dataFile('ps', APP, `Procfile.${process.pid}`), 'web: serve\nrelease: ./migrate\n');
  vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
});
afterEach(() => {
  vi.restoreAllMocks();
  fs.rmSync(root, { recursive: true, force: true });
});

describe('the shims of noted triggers', () => {
  it('start the binary until a start of the binary has made the notes directory', async () => {
    expect(shim('deploy-source-set', [APP, 'git-push', SHA]).binaryRan).toBe(true);
    await replayNotedTriggers(ctx());
    expect(fs.existsSync(noted())).toBe(false); // a command's start does not make it
    await replayNotedTriggers(ctx(), { makeDir: true });
    expect(fs.statSync(noted()).mode & 0o777).toBe(0o700);
    const run = shim('deploy-source-set', [APP, 'git-push', SHA]);
    expect(run).toMatchObject({ code: 0, binaryRan: false, stdout: '', stderr: '' });
    expect(notes()).toHaveLength(1);
  });

  it('note only what can wait; everything else still starts the binary, with its exit code', async () => {
    await replayNotedTriggers(ctx(), { makeDir: true });
    const pid = String(process.pid);
    const cases: [string, string[], Record<string, string>, boolean][] = [
      ['builds-record-start', [APP, 'b1', pid, 'git-hook'], {}, true],
      ['builds-record-start', [APP, 'b1', pid, 'ps:restart'], {}, false], // may have to repoint latest now
      ['builds-record-start', [APP, 'b1', pid, 'config-redeploy'], {}, false],
      ['builds-record-start', [APP, '', pid, 'git-hook'], {}, false], // no build ID: not idempotent
      ['builds-record-start', [APP, 'b1', '999999999', 'git-hook'], {}, false], // no such process
      ['pre-receive-app', [APP, 'dockerfile', '/tmp/src', SHA], {}, true],
      ['pre-release-builder', ['dockerfile', APP, `dokku/${APP}:latest`], {}, true],
      ['builds-record-finalize', [APP, 'b1', '0'], { DOKKU_BUILD_SOURCE: 'git-hook' }, true],
      ['builds-record-finalize', [APP, 'b1', '0'], { DOKKU_BUILD_SOURCE: 'git:from-image' }, true],
      ['builds-record-finalize', [APP, 'b1', '0'], { DOKKU_BUILD_SOURCE: 'ps:rebuild' }, true],
      ['builds-record-finalize', [APP, 'b1', '1'], { DOKKU_BUILD_SOURCE: 'git-hook' }, false], // a failure is judged from what runs now
      // a redeploy outside Dokku's git lock frees the lock it took (redeploy-lock.ts) now
      ['builds-record-finalize', [APP, 'b1', '0'], { DOKKU_BUILD_SOURCE: 'config-redeploy' }, false],
      ['builds-record-finalize', [APP, 'b1', '0'], { DOKKU_BUILD_SOURCE: 'deploy' }, false],
      ['builds-record-finalize', [APP, 'b1', '0'], {}, false],
      ['deploy-source-set', [APP, 'git-push', SHA], {}, true],
      ['deploy-source-set', ['../x', 'git-push', SHA], {}, false],
      ['post-release-builder', ['dockerfile', APP, `dokku/${APP}:latest`], {}, false], // no store yet (a first deploy)
      ['post-deploy', [APP, '', '', 'latest'], {}, false],
    ];
    for (const [name, args, extra, expectNoted] of cases) {
      const before = notes().length;
      const run = shim(name, args, extra);
      expect({ name, args, binaryRan: run.binaryRan, code: run.code }).toEqual({ name, args, binaryRan: !expectNoted, code: expectNoted ? 0 : 7 });
      expect(notes().length - before, `${name} ${args.join(' ')}`).toBe(expectNoted ? 1 : 0);
    }
  });

  it('start the binary for an app in a pipeline (a review app acts before its build) and one that sends notifications', async () => {
    await replayNotedTriggers(ctx(), { makeDir: true });
    write(dataFile('ownstack', '.pipelines.json'), JSON.stringify({ pipelines: [{ name: 'p', apps: [{ app: APP, stage: 'review' }] }] }));
    expect(shim('pre-receive-app', [APP, 'dockerfile', '/tmp/src', SHA]).binaryRan).toBe(true);
    expect(shim('pre-receive-app', ['other', 'dockerfile', '/tmp/src', SHA]).binaryRan).toBe(false);
    write(path.join(root, 'lib', 'config', 'ownstack', APP, 'notify-url'), 'http://127.0.0.1:9/x\n');
    expect(shim('deploy-source-set', [APP, 'git-push', SHA]).binaryRan).toBe(true);
    expect(shim('deploy-source-set', ['other', 'git-push', SHA]).binaryRan).toBe(false);
    write(path.join(root, 'lib', 'config', 'ownstack', '--global', 'notify-url'), 'http://127.0.0.1:9/x\n');
    expect(shim('deploy-source-set', ['other', 'git-push', SHA]).binaryRan).toBe(true);
  });

  it('write the arguments, the time, the PID start and the exported environment exactly, hostile values included', async () => {
    await replayNotedTriggers(ctx(), { makeDir: true });
    const hostile = 'a "quoted" $(x) `y` \n second line\ttab \\ end';
    const before = Date.now();
    const run = shim('builds-record-start', [APP, 'b1', String(process.pid), 'git-hook'], { SSH_NAME: hostile, NOT_NOTED: 'secret' });
    expect(run.binaryRan).toBe(false);
    const note = parseNote(fs.readFileSync(path.join(noted(), notes()[0])));
    if (note === 'torn') throw new Error('torn note');
    expect(note.name).toBe('builds-record-start');
    expect(note.args).toEqual([APP, 'b1', String(process.pid), 'git-hook']);
    expect(note.env.SSH_NAME).toBe(hostile);
    expect(note.env.DOKKU_LIB_ROOT).toBe(env.DOKKU_LIB_ROOT);
    expect(note.env).not.toHaveProperty('NOT_NOTED');
    expect(note.pidStart).toBe(processStartTime(process.pid));
    expect(note.at.getTime()).toBeGreaterThanOrEqual(before - 1);
    expect(note.at.getTime()).toBeLessThanOrEqual(Date.now());
    expect(fs.statSync(path.join(noted(), notes()[0])).mode & 0o777).toBe(0o600);
  });
});

/** A successful git push, as Dokku fires its triggers; noted ones through their real shims. */
async function push(buildId: string, viaShims: boolean) {
  env.DOKKU_BUILD_ID = buildId;
  env.DOKKU_BUILD_SOURCE = 'git-hook';
  env.DOKKU_BUILD_LOG_FILE = dataFile('builds', APP, `${buildId}.log`);
  write(env.DOKKU_BUILD_LOG_FILE, `output of ${buildId}\n`);
  const fire = async (name: string, ...args: string[]) => {
    if (!viaShims) return runTriggerHandler(ctx(), name, args);
    const run = shim(name, args);
    if (!run.binaryRan) return run.code;
    return runTriggerHandler(ctx(), name, args); // what the binary would have done
  };
  await fire('builds-record-start', APP, buildId, String(process.pid), 'git-hook');
  await fire('pre-receive-app', APP, 'dockerfile', '/tmp/build', SHA);
  await fire('pre-release-builder', 'dockerfile', APP, `dokku/${APP}:latest`);
  expect(await fire('post-release-builder', 'dockerfile', APP, `dokku/${APP}:latest`)).toBe(0);
  fs.copyFileSync(dataFile('ps', APP, `Procfile.${env.DOKKU_PID}`), dataFile('ps', APP, 'Procfile')); // core-post-deploy
  await fire('post-deploy', APP, '', '', 'latest');
  await fire('builds-record-finalize', APP, buildId, '0');
  await fire('deploy-source-set', APP, 'git-push', SHA);
  await fire('builds-record-finalize', APP, buildId, '0');
}

const comparable = (id: number) => {
  const { started_at: _s, finished_at: _f, pid_start: _p, ...rest } = store().get(id)!;
  return rest;
};

// Each of these runs up to two whole pushes: some 40 processes (bash shims, flock children). On a
// shared 2-core machine under load that outlasts vitest's default 5 s; nothing here is timed.
describe('a git push whose shims note five triggers', { timeout: 30_000 }, () => {
  it('records what the same push records when every trigger starts the binary, once any start replays the notes', async () => {
    await push('b1', false);
    const direct = comparable(1);
    const directLog = fs.readFileSync(dataFile('ownstack', APP, 'logs', '1.log.gz'));
    fs.rmSync(dataFile('ownstack', APP), { recursive: true });

    await replayNotedTriggers(ctx(), { makeDir: true }); // a start of the binary makes the notes directory
    await push('b1', true);
    // builds-record-finalize (twice) and deploy-source-set are still notes after the push...
    expect(notes()).toHaveLength(3);
    // (the log copy is builds-record-finalize's; post-deploy already knows a git push's source)
    expect(fs.existsSync(dataFile('ownstack', APP, 'logs', '1.log.gz'))).toBe(false);
    expect(store().get(1)!.log).toBeNull();
    // ...until the next start of the binary, whatever it is
    await replayNotedTriggers(ctx(), { makeDir: true });
    expect(notes()).toHaveLength(0);
    expect(comparable(1)).toEqual(direct);
    expect(fs.readFileSync(dataFile('ownstack', APP, 'logs', '1.log.gz'))).toEqual(directLog);
    expect(store().get(1)).toMatchObject({ status: 'succeeded', git_sha: SHA, source: 'git-push', who: 'alice', build_id: 'b1', pid: process.pid });
    expect(store().get(1)!.pid_start).toBe(processStartTime(process.pid));
  });

  it("takes the app store's lock once in the push's one start, for the replay and post-deploy's own work", async () => {
    await replayNotedTriggers(ctx(), { makeDir: true });
    await push('b1', true);
    // a flock(1) in front of the real one, that logs the file of each lock taken (its fd 3)
    const realFlock = spawnSync('bash', ['-c', 'command -v flock'], { encoding: 'utf8' }).stdout.trim();
    const log = path.join(root, 'flock.log');
    write(path.join(root, 'bin', 'flock'), `#!/usr/bin/env bash\n[[ "$1" != --exclusive || "\${@: -1}" != 3 ]] || readlink /proc/$$/fd/3 >>"${log}"\nexec "${realFlock}" "$@"\n`);
    fs.chmodSync(path.join(root, 'bin', 'flock'), 0o755);
    const savedPath = process.env.PATH;
    process.env.PATH = `${path.join(root, 'bin')}:${savedPath}`;
    try {
      await push('b2', true); // its noted shims take no lock; its post-deploy runs here
    } finally {
      process.env.PATH = savedPath;
    }
    expect(fs.readFileSync(log, 'utf8').trim().split('\n').sort()).toEqual([path.join(noted(), '.lock'), path.join(dataFile('ownstack', APP), '.lock')].sort());
    expect(store().get(2)).toMatchObject({ status: 'succeeded', build_id: 'b2' });
  });

  it('dates the record when the shim ran, not when the note was replayed', async () => {
    await replayNotedTriggers(ctx(), { makeDir: true });
    env.DOKKU_BUILD_ID = 'b1';
    env.DOKKU_BUILD_SOURCE = 'git-hook';
    expect(shim('builds-record-start', [APP, 'b1', String(process.pid), 'git-hook']).binaryRan).toBe(false);
    const note = parseNote(fs.readFileSync(path.join(noted(), notes()[0])));
    if (note === 'torn') throw new Error('torn note');
    await replayNotedTriggers(ctx(), { makeDir: true });
    expect(store().get(1)!.started_at).toBe(note.at.toISOString());
  });

  it('a kill after a note was replayed but before it was deleted: replayed again, the same history', async () => {
    await replayNotedTriggers(ctx(), { makeDir: true });
    await push('b1', true);
    const kept = notes().map((name) => [name, fs.readFileSync(path.join(noted(), name))] as const);
    await replayNotedTriggers(ctx(), { makeDir: true });
    const once = store().get(1);
    for (const [name, data] of kept) fs.writeFileSync(path.join(noted(), name), data, { mode: 0o600 });
    await replayNotedTriggers(ctx(), { makeDir: true });
    expect(store().get(1)).toEqual(once);
    expect(store().newest(10).records).toHaveLength(1);
  });

  it('a note cut short is dropped once its writer is gone, as if the trigger never fired; one being written waits', async () => {
    await replayNotedTriggers(ctx(), { makeDir: true });
    expect(shim('deploy-source-set', [APP, 'git-push', SHA]).binaryRan).toBe(false);
    const [complete] = notes();
    const data = fs.readFileSync(path.join(noted(), complete));
    const [micros, pid, start] = complete.split('-');
    // cut short by a writer that is gone (the shim above), and one still being written by a live process
    const dead = `${BigInt(micros) + 1n}-${pid}-${start}`;
    const sleeper = (await import('node:child_process')).spawn('cat', [], { stdio: ['pipe', 'ignore', 'ignore'] });
    const writing = `${BigInt(micros) + 2n}-${sleeper.pid}-${processStartTime(sleeper.pid!)}`;
    fs.writeFileSync(path.join(noted(), dead), data.subarray(0, data.length - 5));
    fs.writeFileSync(path.join(noted(), writing), data.subarray(0, 40));
    fs.rmSync(path.join(noted(), complete));
    await replayTriggerNotes(dataFile('ownstack'), async () => {
      throw new Error('no complete note to replay');
    });
    expect(notes()).toEqual([writing]);
    sleeper.stdin!.end();
    await new Promise((resolve) => sleeper.once('exit', resolve));
    await replayTriggerNotes(dataFile('ownstack'), async () => undefined);
    expect(notes()).toEqual([]);
  });

  it('parses only a whole note: every cut of a real one is torn', async () => {
    await replayNotedTriggers(ctx(), { makeDir: true });
    shim('deploy-source-set', [APP, 'git-push', `${SHA}\nownstack-note-end\n`], { SSH_NAME: 'x\nownstack-note-end\n' });
    const data = fs.readFileSync(path.join(noted(), notes()[0]));
    expect(parseNote(data)).not.toBe('torn');
    for (let cut = 0; cut < data.length; cut++) expect(parseNote(data.subarray(0, cut)), `cut at ${cut}`).toBe('torn');
  });

  it('is not replayed by a process that does not own the notes (root in plugin:install)', async () => {
    await replayNotedTriggers(ctx(), { makeDir: true });
    shim('deploy-source-set', [APP, 'git-push', SHA]);
    const geteuid = vi.spyOn(process as { geteuid: () => number }, 'geteuid').mockReturnValue(12345);
    await replayTriggerNotes(dataFile('ownstack'), async () => {
      throw new Error('replayed by a stranger');
    });
    geteuid.mockRestore();
    expect(notes()).toHaveLength(1);
    expect(notesDir(dataFile('ownstack'))).toBe(noted());
  });
});

/** The release's deploy phase as post-release-builder records it, a push of APP in flight. */
function releasePhaseEnv(buildId: string) {
  env.DOKKU_BUILD_ID = buildId;
  env.DOKKU_BUILD_SOURCE = 'git-hook';
  env.DOKKU_BUILD_LOG_FILE = dataFile('builds', APP, `${buildId}.log`);
  write(env.DOKKU_BUILD_LOG_FILE, `output of ${buildId}\n`);
}

describe('post-release-builder, noted', { timeout: 30_000 }, () => {
  const PRB = ['dockerfile', APP, `dokku/${APP}:latest`];
  const storeDir = () => dataFile('ownstack', APP);

  it('only for a git push into a store that is there, ours and writable; the files it reads go with it', async () => {
    await replayNotedTriggers(ctx(), { makeDir: true });
    releasePhaseEnv('b1');
    expect(shim('post-release-builder', PRB).binaryRan).toBe(true); // no store yet
    fs.mkdirSync(path.join(storeDir(), 'releases'), { recursive: true, mode: 0o700 });
    expect(shim('post-release-builder', PRB, { DOKKU_BUILD_SOURCE: 'ps:rebuild' }).binaryRan).toBe(true);
    expect(shim('post-release-builder', PRB, { DOKKU_PID: '' }).binaryRan).toBe(true);
    fs.chmodSync(path.join(storeDir(), 'releases'), 0o500);
    const asRoot = process.geteuid?.() === 0; // root may write anyway: -w says so too
    expect(shim('post-release-builder', PRB).binaryRan).toBe(!asRoot);
    fs.chmodSync(path.join(storeDir(), 'releases'), 0o700);
    // a store that is not the notes owner's (as root too): the binary, which can say why it fails
    if (asRoot) {
      fs.chownSync(storeDir(), 65534, 65534);
      expect(shim('post-release-builder', PRB).binaryRan).toBe(true);
      fs.chownSync(storeDir(), 0, 0);
    }
    fs.rmSync(path.join(storeDir(), 'releases'), { recursive: true });
    expect(shim('post-release-builder', PRB).binaryRan).toBe(true); // a store without its releases
    fs.mkdirSync(path.join(storeDir(), 'releases'), { mode: 0o700 });
    for (const name of notes()) fs.rmSync(path.join(noted(), name));

    write(path.join(root, 'home', APP, 'CONTAINER.web.1'), 'abc123def456\n');
    write(dataFile('app-json', APP, `app.json.${process.pid}`), '{"scripts":{"postdeploy":"./seed \\"x\\" $HOME"}}\n\n');
    const run = shim('post-release-builder', PRB);
    expect(run).toMatchObject({ code: 0, binaryRan: false, stdout: '', stderr: '' });
    const note = parseNote(fs.readFileSync(path.join(noted(), notes()[0])));
    if (note === 'torn') throw new Error('torn note');
    expect(note.name).toBe('post-release-builder');
    expect(Object.fromEntries(note.files!)).toEqual({
      [path.join(root, 'home', APP, 'CONTAINER.web.1')]: 'abc123def456\n',
      [dataFile('ps', APP, `Procfile.${process.pid}`)]: 'web: serve\nrelease: ./migrate\n',
      [dataFile('ps', APP, 'Procfile')]: null,
      [dataFile('app-json', APP, `app.json.${process.pid}`)]: '{"scripts":{"postdeploy":"./seed \\"x\\" $HOME"}}\n\n',
      [dataFile('app-json', APP, 'app.json')]: null,
    });
    // a file that holds a NUL cannot be carried whole: the binary runs instead
    write(dataFile('app-json', APP, `app.json.${process.pid}`), '{"a":1}\0tail');
    expect(shim('post-release-builder', PRB).binaryRan).toBe(true);
    // every cut of a note with files is torn
    const data = fs.readFileSync(path.join(noted(), notes()[0]));
    for (let cut = 0; cut < data.length; cut++) expect(parseNote(data.subarray(0, cut)), `cut at ${cut}`).toBe('torn');
  });

  // Push 1 fails in its release task (no release serves yet, so push 2 is the app's first deploy:
  // Heroku's postdeploy runs), then push 2 deploys. Between post-release-builder and post-deploy,
  // Dokku starts the new web container and promotes the Procfile and app.json; the record must be
  // the one post-release-builder would have written at its moment.
  async function firstDeployAfterAFailure(viaShims: boolean) {
    await replayNotedTriggers(ctx(), { makeDir: true });
    write(dataFile('app-json', APP, `app.json.${process.pid}`), '{"scripts":{"postdeploy":"./seed"}}\n');
    releasePhaseEnv('b1');
    await runTriggerHandler(ctx(), 'builds-record-start', [APP, 'b1', String(process.pid), 'git-hook']);
    await runTriggerHandler(ctx(), 'pre-release-builder', PRB);
    await runTriggerHandler(ctx(), 'builds-record-finalize', [APP, 'b1', '1']);
    releasePhaseEnv('b2');
    await runTriggerHandler(ctx(), 'builds-record-start', [APP, 'b2', String(process.pid), 'git-hook']);
    await runTriggerHandler(ctx(), 'pre-release-builder', PRB);
    if (viaShims) expect(shim('post-release-builder', PRB)).toMatchObject({ code: 0, binaryRan: false });
    else expect(await runTriggerHandler(ctx(), 'post-release-builder', PRB)).toBe(0);
    // Dokku's deploy: the new container serves, core-post-deploy promotes the files
    write(path.join(root, 'home', APP, 'CONTAINER.web.1'), `${'f'.repeat(64)}\n`);
    fs.renameSync(dataFile('ps', APP, `Procfile.${process.pid}`), dataFile('ps', APP, 'Procfile'));
    write(dataFile('ps', APP, 'Procfile'), 'web: serve\nrelease: ./migrate --changed-after-the-fact\n');
    fs.renameSync(dataFile('app-json', APP, `app.json.${process.pid}`), dataFile('app-json', APP, 'app.json'));
    await runTriggerHandler(ctx(), 'post-deploy', [APP, '', '', 'latest']);
    await runTriggerHandler(ctx(), 'builds-record-finalize', [APP, 'b2', '0']);
    return comparable(2);
  }

  it('a push killed after its post-release-builder note: the next start records the deploy phase before it judges the dead push', async () => {
    await replayNotedTriggers(ctx(), { makeDir: true });
    fs.mkdirSync(path.join(storeDir(), 'releases'), { recursive: true, mode: 0o700 });
    // the push's dokku process, gone by the time anything reads the history
    const dokku = (await import('node:child_process')).spawn('cat', [], { stdio: ['pipe', 'ignore', 'ignore'] });
    releasePhaseEnv('b1');
    env.DOKKU_PID = String(dokku.pid);
    fs.renameSync(dataFile('ps', APP, `Procfile.${process.pid}`), dataFile('ps', APP, `Procfile.${dokku.pid}`));
    for (const [name, args] of [
      ['builds-record-start', [APP, 'b1', String(dokku.pid), 'git-hook']],
      ['pre-receive-app', [APP, 'dockerfile', '/tmp/build', SHA]],
      ['pre-release-builder', PRB],
      ['post-release-builder', PRB],
    ] as const) expect(shim(name, [...args]), name).toMatchObject({ code: 0, binaryRan: false });
    dokku.stdin!.end();
    await new Promise((resolve) => dokku.once('exit', resolve));
    // any start (here a read, as ownstack:history): the notes first, then what still runs is judged
    await replayNotedTriggers(ctx());
    await touchStore(ctx(), APP);
    expect(store().get(1)).toMatchObject({ status: 'failed', phase: 'deploy' });
    expect(store().get(1)!.tasks.find((task) => task.name === 'release')).toMatchObject({ status: 'succeeded', command: './migrate' });
  });

  it('replayed by the next start, records what it would have recorded when it fired: the first deploy, the tasks deployed', async () => {
    const direct = await firstDeployAfterAFailure(false);
    expect(direct.tasks.find((task) => task.name === 'postdeploy')).toMatchObject({ status: 'succeeded', command: './seed' });
    expect(direct.tasks.find((task) => task.name === 'release')).toMatchObject({ command: './migrate' });
    fs.rmSync(path.join(root, 'lib'), { recursive: true });
    fs.rmSync(path.join(root, 'home', APP, 'CONTAINER.web.1'));
    fs.mkdirSync(dataFile('ownstack'), { recursive: true, mode: 0o700 });
    write(dataFile('ps', APP, `Procfile.${process.pid}`), 'web: serve\nrelease: ./migrate\n');
    expect(await firstDeployAfterAFailure(true)).toEqual(direct);
    expect(notes()).toHaveLength(0);
  });
});

