import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Context } from '../../src/lib/context.js';
import { dokkuPaths, readDokkuEnv } from '../../src/lib/dokku/env.js';
import { dokkuBuildLog, dokkuBuildRecord, isDokkuBuildId } from '../../src/lib/dokku/host-files.js';

// Only a build ID of Dokku's shape names a file under data/builds: one that is not never reaches
// a path, so `../x` cannot read another app's (or any) file.

let root: string;
let ctx: Context;

beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'ownstack-host-files-'));
  const env = readDokkuEnv({ DOKKU_LIB_ROOT: root, DOKKU_ROOT: root });
  ctx = { env, paths: dokkuPaths(env) };
});
afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

describe('isDokkuBuildId', () => {
  it("takes Dokku's IDs and refuses anything that could leave data/builds/APP", () => {
    for (const id of ['mx9s0kbw901wie', 'a.b_c-1', 'x'.repeat(100)]) expect(isDokkuBuildId(id)).toBe(true);
    for (const id of [undefined, null, '', '../other', 'a/b', 'a b', '$(x)', 'x'.repeat(101), 'id\n']) expect(isDokkuBuildId(id)).toBe(false);
  });
});

describe("Dokku's build files by build ID", () => {
  it('reads the record and the log of a build ID of that shape, and nothing for one that is not', () => {
    fs.mkdirSync(path.dirname(ctx.paths.buildRecord('web', 'b1')), { recursive: true });
    fs.writeFileSync(ctx.paths.buildRecord('web', 'b1'), JSON.stringify({ status: 'succeeded', exit_code: 0 }));
    fs.writeFileSync(ctx.paths.buildLog('web', 'b1'), 'built\n');
    // a file a hostile ID would reach from the app's directory: data/builds/<other>.json and .log
    fs.writeFileSync(path.join(path.dirname(ctx.paths.buildRecord('web', 'b1')), '..', 'other.json'), JSON.stringify({ status: 'failed' }));
    fs.writeFileSync(path.join(path.dirname(ctx.paths.buildLog('web', 'b1')), '..', 'other.log'), 'secret\n');

    expect(dokkuBuildRecord(ctx, 'web', 'b1')).toEqual({ status: 'succeeded', exit_code: 0 });
    expect(dokkuBuildLog(ctx, 'web', 'b1')?.toString()).toBe('built\n');
    expect(dokkuBuildRecord(ctx, 'web', '../other')).toBeUndefined();
    expect(dokkuBuildLog(ctx, 'web', '../other')).toBeUndefined();
  });
});
