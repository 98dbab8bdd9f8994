import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MANIFEST_HEADER, parseManifest, removeStrayPluginFiles, strayPaths } from '../../src/lib/plugin/files.js';
import { unrecordedBuild } from '../../src/lib/releases/catch-up.js';
import { implementedTriggers, runTriggerHandler } from '../../src/triggers/index.js';
import { createContext } from '../../src/lib/context.js';

let root: string | undefined;
afterEach(() => {
  if (root) fs.rmSync(root, { recursive: true, force: true });
  root = undefined;
});

function plugin(files: string[]): string {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'ownstack-plugin-'));
  for (const file of files) {
    fs.mkdirSync(path.join(root, path.dirname(file)), { recursive: true });
    fs.writeFileSync(path.join(root, file), '');
  }
  return root;
}

describe("the release's MANIFEST", () => {
  it('is recognised by its header only', () => {
    expect(parseManifest(`${MANIFEST_HEADER}\nMANIFEST\nbuild\nbuild/ownstack\n`)).toEqual(new Set(['MANIFEST', 'build', 'build/ownstack']));
    expect(parseManifest('MANIFEST\nbuild\n')).toBeUndefined();
  });

  it('install removes what the release does not ship: an old trigger, a stray folder, a file inside a shipped folder', () => {
    const dir = plugin(['MANIFEST', 'build/ownstack', 'triggers/post-deploy', 'triggers/old-trigger', 'old-trigger', 'ownstack/build/ownstack']);
    fs.symlinkSync('triggers/post-deploy', path.join(dir, 'post-deploy'));
    fs.writeFileSync(path.join(dir, 'MANIFEST'), `${MANIFEST_HEADER}\n${['MANIFEST', 'build', 'build/ownstack', 'triggers', 'triggers/post-deploy', 'post-deploy'].join('\n')}\n`);
    expect(strayPaths(dir, parseManifest(fs.readFileSync(path.join(dir, 'MANIFEST'), 'utf8'))!)).toEqual(['old-trigger', 'ownstack', 'triggers/old-trigger']);
    expect(removeStrayPluginFiles(dir)).toEqual(['old-trigger', 'ownstack', 'triggers/old-trigger']);
    expect(fs.readdirSync(dir).sort()).toEqual(['MANIFEST', 'build', 'post-deploy', 'triggers']);
    expect(fs.readdirSync(path.join(dir, 'triggers'))).toEqual(['post-deploy']);
  });

  it('without a MANIFEST (a git install) nothing is removed', () => {
    const dir = plugin(['build/ownstack', 'node_modules/x/index.js', 'src/cli.ts']);
    expect(removeStrayPluginFiles(dir)).toEqual([]);
    expect(fs.readdirSync(dir).sort()).toEqual(['build', 'node_modules', 'src']);
  });
});

describe('a trigger the binary does not implement', () => {
  it('does nothing and exits 0 (an older version left its shim), with one warning', async () => {
    expect(implementedTriggers()).not.toContain('post-extract');
    const errors: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((chunk: string) => (errors.push(String(chunk)), true)) as typeof process.stderr.write;
    try {
      expect(await runTriggerHandler(createContext({}), 'post-extract', ['app'])).toBe(0);
    } finally {
      process.stderr.write = write;
    }
    expect(errors.join('')).toMatch(/has no post-extract trigger \(a file left by an older ownstack\? plugin:install removes it\); nothing was done\n$/);
  });
});

describe('deploys made while ownstack was not installed', () => {
  const build = (id: string, source: string, status: string, started_at: string) => ({ id, source, status, started_at, finished_at: undefined });
  const since = '2026-01-01T10:00:00Z';

  it('the newest release build after the current record that succeeded names the kind; a restart does not', () => {
    const builds = [
      build('a', 'git-hook', 'succeeded', '2026-01-01T09:00:00Z'),
      build('b', 'git-hook', 'succeeded', '2026-01-01T11:00:00Z'),
      build('c', 'git-hook', 'failed', '2026-01-01T12:00:00Z'),
      build('d', 'ps:restart', 'succeeded', '2026-01-01T13:00:00Z'),
    ];
    expect(unrecordedBuild(builds, since, () => false)).toMatchObject({ kind: 'push', build: { id: 'b' } });
    expect(unrecordedBuild([...builds, build('e', 'config-redeploy', 'succeeded', '2026-01-01T14:00:00Z')], since, () => false)).toMatchObject({ kind: 'config', build: { id: 'e' } });
  });

  it('a build ownstack recorded, or none at all, leaves a plain deploy without a build', () => {
    const builds = [build('b', 'git-hook', 'succeeded', '2026-01-01T11:00:00Z')];
    expect(unrecordedBuild(builds, since, (id) => id === 'b')).toEqual({ kind: 'deploy' });
    expect(unrecordedBuild([], since, () => false)).toEqual({ kind: 'deploy' });
    expect(unrecordedBuild(builds, undefined, () => false)).toMatchObject({ kind: 'push' });
  });
});
