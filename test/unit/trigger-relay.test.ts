import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openTriggerRelay, parseRelayRequest, RELAY_ENV, RELAY_MAGIC, type RelayRequest, type RelayedTriggerRunner } from '../../src/lib/dokku/trigger-relay.js';

// The relay against the real shim and relay-functions, run by bash as Dokku's plugn runs a
// trigger; only the binary is a stand-in, which says that it ran, so a fallback is visible.

const repo = path.resolve(__dirname, '../..');
let plugin: string;

beforeEach(() => {
  plugin = fs.mkdtempSync(path.join(os.tmpdir(), 'ownstack-relay-'));
  fs.mkdirSync(path.join(plugin, 'triggers'));
  fs.mkdirSync(path.join(plugin, 'build'));
  fs.copyFileSync(path.join(repo, 'triggers/post-deploy'), path.join(plugin, 'triggers/post-deploy'));
  fs.copyFileSync(path.join(repo, 'relay-functions'), path.join(plugin, 'relay-functions'));
  fs.symlinkSync('triggers/post-deploy', path.join(plugin, 'post-deploy'));
  fs.writeFileSync(path.join(plugin, 'build/ownstack'), '#!/usr/bin/env bash\necho "binary ran: $*"\nexit 7\n', { mode: 0o755 });
});
afterEach(() => fs.rmSync(plugin, { recursive: true, force: true }));

interface ShimRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the trigger shim as plugn does (never spawnSync: the relay answers from this process). */
function runShim(args: string[], env: Record<string, string>): Promise<ShimRun> {
  return new Promise((resolve) => {
    const child = spawn(path.join(plugin, 'post-deploy'), args, { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const ARGS = ['my-app', '', 'two words', 'a\nnewline', "quote ' and $(x)"];

describe('the trigger relay', () => {
  it('answers a trigger in this process: arguments, environment, output and exit code as the binary would', async () => {
    const seen: RelayRequest[] = [];
    const runner: RelayedTriggerRunner = (request, write) => {
      seen.push(request);
      write('stdout', '-----> recorded\n');
      write('stderr', ' !     a warning\n');
      return Promise.resolve(3);
    };
    const relay = (await openTriggerRelay(runner))!;
    const run = await runShim(ARGS, { ...relay.env, OWNSTACK_RELEASE: 'my-app/4', SOME_VALUE: 'a b\nc=d' });
    await relay.close();

    expect(run).toEqual({ code: 3, stdout: '-----> recorded\n', stderr: ' !     a warning\n' });
    expect(seen).toHaveLength(1);
    expect(seen[0].name).toBe('post-deploy');
    expect(seen[0].args).toEqual(ARGS);
    expect(seen[0].env).toMatchObject({ OWNSTACK_RELEASE: 'my-app/4', SOME_VALUE: 'a b\nc=d' });
  });

  it('falls back to the binary for a trigger it does not take, a wrong token, or nobody listening', async () => {
    let calls = 0;
    const declining: RelayedTriggerRunner = () => {
      calls += 1;
      return undefined;
    };
    const relay = (await openTriggerRelay(declining))!;
    const declined = await runShim(['app'], relay.env);
    expect(declined).toMatchObject({ code: 7, stdout: 'binary ran: trigger post-deploy app\n' });
    expect(calls).toBe(1);

    const [port] = relay.env[RELAY_ENV].split(':');
    const wrongToken = await runShim(['app'], { [RELAY_ENV]: `${port}:${'0'.repeat(64)}` });
    expect(wrongToken).toMatchObject({ code: 7, stdout: 'binary ran: trigger post-deploy app\n' });
    expect(calls).toBe(1);

    await relay.close();
    const closed = await runShim(['app'], relay.env);
    expect(closed).toMatchObject({ code: 7, stdout: 'binary ran: trigger post-deploy app\n', stderr: '' });

    const malformed = await runShim(['app'], { [RELAY_ENV]: '$(touch x):abc' });
    expect(malformed).toMatchObject({ code: 7, stdout: 'binary ran: trigger post-deploy app\n' });
  });

  it('never traces the relay token or the environment it sends, even under DOKKU_TRACE', async () => {
    const relay = (await openTriggerRelay(() => Promise.resolve(0)))!;
    const run = await runShim(['app'], { ...relay.env, DOKKU_TRACE: '1', SOME_VALUE: 'value-never-traced' });
    await relay.close();
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('relay-functions'); // it did trace the shim
    expect(run.stderr).not.toContain(relay.env[RELAY_ENV].split(':')[1]);
    expect(run.stderr).not.toContain('value-never-traced');
  });

  it('closing waits for the trigger being answered', async () => {
    let finish: () => void = () => undefined;
    let called: () => void = () => undefined;
    const runnerCalled = new Promise<void>((resolve) => (called = resolve));
    let answered = false;
    const relay = (await openTriggerRelay(
      () =>
        new Promise<number>((resolve) => {
          finish = () => {
            answered = true;
            resolve(0);
          };
          called();
        }),
    ))!;
    const shim = runShim(['app'], relay.env);
    await runnerCalled;
    const closing = relay.close();
    let closed = false;
    void closing.then(() => (closed = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(closed).toBe(false); // still answering
    finish();
    await closing;
    expect(answered).toBe(true);
    expect((await shim).code).toBe(0);
  });
});

describe('a relay request', () => {
  const bytes = (...fields: string[]) => Buffer.from(fields.map((field) => `${field}\0`).join(''));

  it('is complete at the first empty field after its arguments, which may be empty themselves', () => {
    expect(parseRelayRequest(bytes(RELAY_MAGIC, 'token', 'post-deploy', '2', '', 'x', 'A=1', 'B=', ''))).toEqual({
      token: 'token',
      name: 'post-deploy',
      args: ['', 'x'],
      env: { A: '1', B: '' },
    });
    expect(parseRelayRequest(bytes(RELAY_MAGIC, 'token', 'post-deploy', '2', '', 'x', 'A=1'))).toBe('incomplete');
    expect(parseRelayRequest(bytes(RELAY_MAGIC, 'token'))).toBe('incomplete');
  });

  it('is refused when it is not one', () => {
    expect(parseRelayRequest(bytes('GET / HTTP/1.1'))).toBe('malformed');
    expect(parseRelayRequest(bytes(RELAY_MAGIC, 'token', 'post-deploy', 'two', ''))).toBe('malformed');
    expect(parseRelayRequest(bytes(RELAY_MAGIC, 'token', 'post-deploy', '0', 'no-equals', ''))).toBe('malformed');
  });
});
