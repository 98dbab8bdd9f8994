import { describe, expect, it } from 'vitest';
import type { ReleaseRecord } from '../../src/lib/releases/record.js';
import { UserError } from '../../src/lib/output/errors.js';
import {
  assertImagePresent,
  assertPromotableSource,
  hasBakedConfigRisk,
  outcomeLine,
  promoteEach,
  promotedRelease,
} from '../../src/lib/pipelines/promotion.js';
import { refusal, releaseRecord } from './support.js';

function record(change: Partial<ReleaseRecord> = {}): ReleaseRecord {
  return releaseRecord({
    id: 7, app: 'shop-staging', description: 'Deploy abc1234', git_sha: 'abc1234def', source: 'git-push', source_metadata: 'abc1234def',
    image_id: 'sha256:0123456789abcdef', finished_at: '2025-01-01T00:01:00.000Z', build_id: 'b1', ...change,
  });
}

const snapshot = { procfile: 'web: ./serve\nrelease: ./migrate\n', appJson: null };


describe('the source release', () => {
  it('is promotable when succeeded, with an image and a snapshot', () => {
    const source = assertPromotableSource('shop-staging', 7, record(), snapshot);
    expect(source.record.id).toBe(7);
    expect(source.snapshot).toBe(snapshot);
  });

  it('refuses an app with no release, or whose current release did not succeed', () => {
    expect(refusal(() => assertPromotableSource('s', undefined, undefined, undefined))).toBe('App s has no succeeded release to promote; deploy it first');
    expect(refusal(() => assertPromotableSource('s', 7, record({ status: 'failed' }), snapshot))).toMatch(/current release v7 is failed/);
    expect(refusal(() => assertPromotableSource('s', 7, record({ status: 'running' }), snapshot))).toMatch(/is running/);
  });

  it('refuses a release without an image or a saved Procfile/app.json', () => {
    expect(refusal(() => assertPromotableSource('s', 7, record({ image_id: null }), snapshot))).toMatch(/no recorded image/);
    expect(refusal(() => assertPromotableSource('s', 7, record(), undefined))).toMatch(/no saved Procfile\/app.json/);
  });

  it('refuses an image that is gone, naming it', () => {
    expect(refusal(() => assertImagePresent('s', record(), false))).toBe(
      'The image of s v7 (0123456789ab) no longer exists; deploy s again before promoting',
    );
    expect(() => assertImagePresent('s', record(), true)).not.toThrow();
  });
});

describe('the target record', () => {
  it('says where it came from, with the source SHA and builder, and no config', () => {
    expect(promotedRelease('shop-staging', record())).toEqual({
      kind: 'promote',
      description: 'Promote shop-staging v7',
      git_sha: 'abc1234def',
      promoted_from: { app: 'shop-staging', id: 7 },
      builder: 'dockerfile',
      source: 'ownstack-promote',
      source_metadata: 'shop-staging#v7',
    });
  });

  it('warns about baked config for herokuish images, from the label or the record', () => {
    expect(hasBakedConfigRisk({ 'com.dokku.builder-type': 'herokuish' }, record())).toBe(true);
    expect(hasBakedConfigRisk(undefined, record({ builder: 'herokuish' }))).toBe(true);
    expect(hasBakedConfigRisk({ 'com.dokku.builder-type': 'dockerfile' }, record())).toBe(false);
  });
});

describe('promoting to several targets', () => {
  const ok = (id: number) => ({ ok: true, record: { id, phase: 'postdeploy', reason: null } });

  it('runs every target at once; one failure or exception does not stop the others', async () => {
    const started: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const outcomes = promoteEach(['a', 'b', 'c'], async (target) => {
      started.push(target);
      // Every target must have started before any finishes: they run in parallel.
      if (started.length === 3) release();
      await gate;
      if (target === 'b') return { ok: false, record: { id: 3, phase: 'release', reason: 'release task exited 1' }, reason: 'release task exited 1' };
      if (target === 'c') throw new UserError('c is locked by another deploy; gave up after 0s');
      return ok(4);
    });
    expect(await outcomes).toEqual([
      { app: 'a', ok: true, id: 4, phase: undefined, reason: undefined },
      { app: 'b', ok: false, id: 3, phase: 'release', reason: 'release task exited 1' },
      { app: 'c', ok: false, reason: 'c is locked by another deploy; gave up after 0s' },
    ]);
    expect(started.sort()).toEqual(['a', 'b', 'c']);
  });

  it('prints one status line per target', () => {
    expect(outcomeLine({ app: 'myapp', ok: true, id: 4 })).toBe('myapp: succeeded (v4)');
    expect(outcomeLine({ app: 'myapp-b', ok: false, id: 3, phase: 'release', reason: 'exit 1\nmore' })).toBe('myapp-b: failed at release: exit 1');
    expect(outcomeLine({ app: 'c', ok: false, reason: 'locked' })).toBe('c: failed: locked');
  });
});
