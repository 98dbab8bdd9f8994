import { beforeEach, describe, expect, it, vi } from 'vitest';
import { createContext } from '../../src/lib/context.js';
import type { RemoteReleaseResult } from '../../src/lib/stacks/remote.js';

// pipeline:rollback of apps on other stacks: what is asked of each stack over ssh.

const remote = vi.hoisted(() => ({
  calls: [] as Array<{ words: string[]; prefix: string; options: unknown }>,
  answers: [] as RemoteReleaseResult[],
}));

vi.mock('../../src/lib/stacks/remote.js', () => ({
  runRemoteRelease: async (_ctx: unknown, _stack: unknown, words: string[], prefix: string, options: unknown = {}) => {
    remote.calls.push({ words, prefix, options });
    return remote.answers.shift() ?? { ok: true, record: { id: 7, phase: 'postdeploy', reason: null } };
  },
}));

vi.mock('../../src/lib/stacks/store.js', () => ({
  readStacks: () => ({ version: 1, stacks: [{ name: 'b', user: 'dokku', host: '127.0.0.1', port: 2222, added_at: '2026-12-01T00:00:00Z' }] }),
}));

const { rollbackStage } = await import('../../src/lib/deploy/stage-rollback.js');
const ctx = createContext({ DOKKU_ROOT: '/nonexistent/home', DOKKU_LIB_ROOT: '/nonexistent/lib' });

beforeEach(() => {
  remote.calls.length = 0;
  remote.answers.length = 0;
  vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
});

describe('rollbackStage on another stack', () => {
  it("asks the stack to abandon the rollback if we hang up, and holds ssh's standard input open while it waits", async () => {
    const outcomes = await rollbackStage(ctx, ['web@b'], 30);
    expect(remote.calls).toEqual([
      { words: ['ownstack:rollback', 'web', '--abandon-on-hangup', '--lock-wait', '30'], prefix: 'web@b: ', options: { holdStdinOpen: true } },
    ]);
    expect(outcomes).toEqual([{ app: 'web@b', ok: true, id: 7, phase: undefined, reason: undefined }]);
  });

  it('a stack whose ownstack predates the option refuses it before doing anything: the rollback is asked again without it, with a warning', async () => {
    remote.answers.push({ ok: false, reason: "unknown option '--abandon-on-hangup'" });
    const warned: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
      warned.push(String(chunk));
      return true;
    });
    const outcomes = await rollbackStage(ctx, ['web@b'], undefined);
    expect(remote.calls.map((call) => [call.words, call.options])).toEqual([
      [['ownstack:rollback', 'web', '--abandon-on-hangup'], { holdStdinOpen: true }],
      [['ownstack:rollback', 'web'], {}],
    ]);
    expect(warned.join('')).toContain('web@b: stack b runs an ownstack that cannot abandon a rollback when this host hangs up');
    expect(outcomes[0].ok).toBe(true);
  });

  it('any other failure is the outcome, asked once', async () => {
    remote.answers.push({ ok: false, reason: 'App web is locked by another deploy; gave up after 0s (use --lock-wait to wait longer)' });
    const outcomes = await rollbackStage(ctx, ['web@b'], 0);
    expect(remote.calls).toHaveLength(1);
    expect(outcomes[0]).toMatchObject({ ok: false, reason: 'App web is locked by another deploy; gave up after 0s (use --lock-wait to wait longer)' });
  });
});
