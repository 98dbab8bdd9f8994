import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createContext, type Context } from '../../src/lib/context.js';
import { addApp, createPipeline, pipelinesFormat } from '../../src/lib/pipelines/model.js';
import { readPipelines, restampPipelines, updatePipelines } from '../../src/lib/pipelines/store.js';
import { SCHEMA_VERSIONS } from '../../src/lib/schema-version.js';
import { parseVersionAnswer, versionWarnings } from '../../src/lib/stacks/versions.js';

const NOW = '2025-01-01T00:00:00.000Z';
let root: string;
let ctx: Context;

beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'ownstack-versions-'));
  ctx = createContext({ DOKKU_ROOT: path.join(root, 'home'), DOKKU_LIB_ROOT: path.join(root, 'lib') });
});
afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

const onDisk = () => JSON.parse(fs.readFileSync(ctx.paths.pipelinesFile, 'utf8')) as { version: number };

describe('the pipelines file format', () => {
  it('stays 1 while it holds only what 0.1.0 keeps, and becomes 2 with settings or an app on another stack', async () => {
    await updatePipelines(ctx.paths, (file) => ({ file: addApp(createPipeline(file, 'shop', 'shop', NOW), 'shop', 'shop-stg', 'staging'), result: undefined }));
    expect(onDisk().version).toBe(1);
    await updatePipelines(ctx.paths, (file) => ({ file: { ...file, pipelines: file.pipelines.map((p) => ({ ...p, settings: { 'review-apps': 'on' } })) }, result: undefined }));
    expect(onDisk().version).toBe(2);
    await updatePipelines(ctx.paths, (file) => ({ file: { ...file, pipelines: file.pipelines.map((p) => ({ ...p, settings: {} })) }, result: undefined }));
    expect(onDisk().version).toBe(1);
    await updatePipelines(ctx.paths, (file) => ({ file: addApp(file, 'shop', 'web@b', 'production'), result: undefined }));
    expect(onDisk().version).toBe(2);
    expect(readPipelines(ctx.paths).pipelines[0].stages.production).toEqual(['shop', 'web@b']);
  });

  it('pipelinesFormat: 2 exactly when a pipeline has a setting or a member on another stack', () => {
    const stages = { review: [], development: [], staging: ['a'], production: ['b'] };
    expect(pipelinesFormat({ pipelines: [] })).toBe(1);
    expect(pipelinesFormat({ pipelines: [{ name: 'p', created_at: NOW, stages }] })).toBe(1);
    expect(pipelinesFormat({ pipelines: [{ name: 'p', created_at: NOW, stages, settings: { guards: 'x' } }] })).toBe(2);
    expect(pipelinesFormat({ pipelines: [{ name: 'p', created_at: NOW, stages: { ...stages, review: ['r@c'] } }] })).toBe(2);
  });

  it('restamp gives a file written with settings under format 1 its format 2, and leaves a right one alone', async () => {
    fs.mkdirSync(path.dirname(ctx.paths.pipelinesFile), { recursive: true });
    const stages = { review: [], development: [], staging: ['a'], production: ['b'] };
    fs.writeFileSync(ctx.paths.pipelinesFile, JSON.stringify({ version: 1, pipelines: [{ name: 'p', created_at: NOW, stages, settings: { registry: 'r.example/x' } }] }));
    expect(await restampPipelines(ctx.paths)).toBe(2);
    expect(onDisk()).toMatchObject({ version: 2, pipelines: [{ settings: { registry: 'r.example/x' } }] });
    const before = fs.statSync(ctx.paths.pipelinesFile).mtimeMs;
    expect(await restampPipelines(ctx.paths)).toBeUndefined();
    expect(fs.statSync(ctx.paths.pipelinesFile).mtimeMs).toBe(before);
  });

  it('a file of a format newer than 2 is refused in one line', () => {
    fs.mkdirSync(path.dirname(ctx.paths.pipelinesFile), { recursive: true });
    fs.writeFileSync(ctx.paths.pipelinesFile, JSON.stringify({ version: 3, pipelines: [] }));
    expect(() => readPipelines(ctx.paths)).toThrow(/schema version 3; this ownstack reads up to 2\): upgrade ownstack, nothing was changed$/);
  });
});

describe('stacks:check versions', () => {
  const here = { version: '0.2.0', schema_versions: SCHEMA_VERSIONS };

  it('reads an answer before 0.2.0 as format 1 of every file, without a commit', () => {
    expect(parseVersionAnswer('{"version":"0.1.0"}\n')).toEqual({ version: '0.1.0', commit: null, schema_versions: { releases: 1, pipelines: 1, stacks: 1 } });
    expect(parseVersionAnswer(JSON.stringify({ version: '0.2.0', commit: 'abc1234', schema_versions: SCHEMA_VERSIONS }))).toEqual({ ...here, commit: 'abc1234' });
    expect(parseVersionAnswer('ownstack 0.2.0')).toBeUndefined();
    expect(parseVersionAnswer('{"commit":"x"}')).toBeUndefined();
  });

  it('warns once per stack for another version, and once for its differing formats', () => {
    const same = { version: '0.2.0', commit: 'aaa', schema_versions: { ...SCHEMA_VERSIONS } };
    const old = parseVersionAnswer('{"version":"0.1.0"}')!;
    expect(versionWarnings(here, [{ stack: 'b', answer: same }])).toEqual([]);
    expect(versionWarnings(here, [{ stack: 'b', answer: same }, { stack: 'c', answer: old }])).toEqual([
      'Stack c runs ownstack 0.1.0, this host 0.2.0: upgrade the older one so both run the same version',
      `Stack c reads other schema versions: pipelines 1 (here ${SCHEMA_VERSIONS.pipelines})`,
    ]);
    expect(versionWarnings(here, [{ stack: 'd', answer: { ...same, schema_versions: { ...SCHEMA_VERSIONS, releases: 2 } } }])).toEqual([
      `Stack d reads other schema versions: releases 2 (here ${SCHEMA_VERSIONS.releases})`,
    ]);
  });
});
