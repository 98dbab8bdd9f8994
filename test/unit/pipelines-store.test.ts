import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createContext, type Context } from '../../src/lib/context.js';
import { forgetApp, pipelineOfApp, renameApp } from '../../src/lib/pipelines/lookup.js';
import { addApp, createPipeline } from '../../src/lib/pipelines/model.js';
import { pipelinesLockFile, readPipelines, updatePipelines } from '../../src/lib/pipelines/store.js';
import { UserError } from '../../src/lib/output/errors.js';

let root: string;
let ctx: Context;

beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'ownstack-pipelines-'));
  ctx = createContext({ DOKKU_ROOT: path.join(root, 'home'), DOKKU_LIB_ROOT: path.join(root, 'lib') });
});

afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

const NOW = '2025-01-01T00:00:00.000Z';

async function seed(): Promise<void> {
  await updatePipelines(ctx.paths, (file) => {
    let next = createPipeline(file, 'shop', 'shop', NOW);
    next = addApp(next, 'shop', 'shop-staging', 'staging');
    return { file: next, result: undefined };
  });
}

describe('the pipelines store', () => {
  it('reads an absent file as no pipelines, without creating anything', () => {
    expect(readPipelines(ctx.paths).pipelines).toEqual([]);
    expect(fs.existsSync(path.join(root, 'lib'))).toBe(false);
  });

  it('writes one file, mode 0600, in a 0700 directory, and reads it back', async () => {
    await seed();
    const file = ctx.paths.pipelinesFile;
    expect(file).toBe(path.join(root, 'lib', 'data', 'ownstack', '.pipelines.json'));
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(fs.statSync(path.dirname(file)).mode & 0o777).toBe(0o700);
    expect(readPipelines(ctx.paths).pipelines.map((p) => p.name)).toEqual(['shop']);
    // Only the file itself and the lock: no temporary files are left behind by the atomic write.
    expect(fs.readdirSync(path.dirname(file)).sort()).toEqual(['.pipelines.json', '.pipelines.lock']);
    expect(pipelinesLockFile(ctx.paths)).toBe(path.join(path.dirname(file), '.pipelines.lock'));
  });

  it('writes nothing when a change is refused or has nothing to do', async () => {
    await seed();
    const before = fs.readFileSync(ctx.paths.pipelinesFile, 'utf8');
    const inode = fs.statSync(ctx.paths.pipelinesFile).ino;
    await expect(
      updatePipelines(ctx.paths, (file) => ({ file: addApp(file, 'shop', 'shop-staging', 'production'), result: undefined })),
    ).rejects.toThrow(/already in pipeline shop/);
    await updatePipelines(ctx.paths, () => undefined);
    expect(fs.readFileSync(ctx.paths.pipelinesFile, 'utf8')).toBe(before);
    expect(fs.statSync(ctx.paths.pipelinesFile).ino).toBe(inode);
  });

  it('names the file when it is corrupt, for bad JSON and for a broken invariant', async () => {
    await seed();
    fs.writeFileSync(ctx.paths.pipelinesFile, '{"version": 1, "pipelines": [');
    expect(() => readPipelines(ctx.paths)).toThrow(UserError);
    expect(() => readPipelines(ctx.paths)).toThrow(`The pipelines file ${ctx.paths.pipelinesFile} is corrupt`);
    fs.writeFileSync(
      ctx.paths.pipelinesFile,
      JSON.stringify({
        version: 1,
        pipelines: [
          { name: 'a', created_at: NOW, stages: { review: [], development: [], staging: ['x'], production: [] } },
          { name: 'b', created_at: NOW, stages: { review: [], development: [], staging: [], production: ['x'] } },
        ],
      }),
    );
    expect(() => readPipelines(ctx.paths)).toThrow(/\.pipelines\.json is corrupt \(app x is in more than one place/);
    // A corrupt file is never overwritten by a change.
    await expect(updatePipelines(ctx.paths, (file) => ({ file, result: undefined }))).rejects.toThrow(/corrupt/);
  });

  it('serialises concurrent changes under its lock: none is lost', async () => {
    await seed();
    const apps = Array.from({ length: 8 }, (_, i) => `web-${i}`);
    await Promise.all(
      apps.map((app) => updatePipelines(ctx.paths, (file) => ({ file: addApp(file, 'shop', app, 'review'), result: undefined }))),
    );
    expect(readPipelines(ctx.paths).pipelines[0].stages.review.sort()).toEqual(apps);
  });
});

describe('lookup for the other parts of ownstack', () => {
  it('finds an app, follows a rename and forgets a destroyed app', async () => {
    expect(pipelineOfApp(ctx, 'shop')).toBeUndefined();
    await seed();
    expect(pipelineOfApp(ctx, 'shop-staging')).toEqual({ pipeline: 'shop', stage: 'staging' });
    await renameApp(ctx, 'shop-staging', 'shop-stage');
    expect(pipelineOfApp(ctx, 'shop-staging')).toBeUndefined();
    expect(pipelineOfApp(ctx, 'shop-stage')).toEqual({ pipeline: 'shop', stage: 'staging' });
    await forgetApp(ctx, 'shop-stage');
    expect(pipelineOfApp(ctx, 'shop-stage')).toBeUndefined();
    expect(pipelineOfApp(ctx, 'shop')).toEqual({ pipeline: 'shop', stage: 'production' });
  });

  it('does nothing for apps in no pipeline, even with no file at all', async () => {
    await forgetApp(ctx, 'loner');
    await renameApp(ctx, 'loner', 'loner2');
    expect(fs.existsSync(ctx.paths.pipelinesFile)).toBe(false);
  });
});
