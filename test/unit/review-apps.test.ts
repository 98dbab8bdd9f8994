import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { clockNow } from '../../src/lib/clock.js';
import { dokkuPaths, readDokkuEnv } from '../../src/lib/dokku/env.js';
import { addApp, createPipeline, emptyPipelines, findPipeline } from '../../src/lib/pipelines/model.js';
import {
  assertCanCreateReviewApp,
  cronEntry,
  prPredestroyScript,
  reviewAppsConfig,
  reviewEnvFromAppJson,
  reviewPipelineForClone,
  staleReviewApps,
} from '../../src/lib/review-apps/model.js';
import { PIPELINE_SETTINGS, assertPipelineSettingKey, forgetPipelineSettings, readPipelineSettings, writePipelineSetting } from '../../src/lib/review-apps/settings.js';
import { refusal } from './support.js';

const NOW = '2026-01-01T00:00:00.000Z';

function shop() {
  let file = createPipeline(emptyPipelines(), 'shop', 'shop-prd', NOW);
  file = addApp(file, 'shop', 'shop-stg', 'staging');
  return file;
}

describe('review-app settings', () => {
  it('validates each key and normalizes numbers', () => {
    expect(PIPELINE_SETTINGS['review-apps'].validate('true')).toBe('true');
    expect(refusal(() => PIPELINE_SETTINGS['review-apps'].validate('yes'))).toBe('Invalid review-apps "yes": expected true or false');
    expect(PIPELINE_SETTINGS['review-apps-limit'].validate('007')).toBe('7');
    expect(refusal(() => PIPELINE_SETTINGS['review-apps-limit'].validate('0'))).toBe('Invalid review-apps-limit "0": expected a whole number from 1 to 1000');
    expect(refusal(() => PIPELINE_SETTINGS['review-apps-stale-days'].validate('1e3'))).toMatch(/^Invalid review-apps-stale-days "1e3"/);
    expect(refusal(() => PIPELINE_SETTINGS['review-apps-parent'].validate('../x'))).toMatch(/^Invalid app name "..\/x"/);
    expect(refusal(() => assertPipelineSettingKey('retention'))).toBe(
      'Invalid key "retention": expected one of review-apps, review-apps-parent, review-apps-limit, review-apps-stale-days',
    );
  });

  it('stores values per pipeline in an owner-only file; an empty value unsets', async () => {
    const lib = fs.mkdtempSync(path.join(os.tmpdir(), 'ra-settings-'));
    const paths = dokkuPaths(readDokkuEnv({ DOKKU_LIB_ROOT: lib }));
    await writePipelineSetting(paths, 'shop', 'review-apps', 'true');
    await writePipelineSetting(paths, 'shop', 'review-apps-limit', '3');
    await writePipelineSetting(paths, 'other', 'review-apps', 'true');
    await writePipelineSetting(paths, 'shop', 'review-apps-limit', undefined);
    expect(readPipelineSettings(paths, 'shop')).toEqual({ 'review-apps': 'true' });
    expect(readPipelineSettings(paths, 'none')).toEqual({});
    await forgetPipelineSettings(paths, 'other');
    expect(readPipelineSettings(paths, 'other')).toEqual({});
    expect(readPipelineSettings(paths, 'shop')).toEqual({ 'review-apps': 'true' });
    const file = path.join(paths.ownstackRoot, '.review-apps.json');
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    fs.writeFileSync(file, '{"version":1,"pipelines":{"shop":{"nope":"x"}}}');
    expect(refusal(() => readPipelineSettings(paths, 'shop'))).toMatch(/review-apps settings file .* is corrupt/);
  });
});

describe('review-app decisions', () => {
  it('defaults: disabled, parent staging else production, limit 5, never stale', () => {
    const pipeline = findPipeline(shop(), 'shop')!;
    expect(reviewAppsConfig(pipeline, {})).toEqual({ enabled: false, parent: 'shop-stg', limit: 5, staleDays: undefined });
    const bare = findPipeline(createPipeline(emptyPipelines(), 'p', 'prd', NOW), 'p')!;
    expect(reviewAppsConfig(bare, { 'review-apps': 'true', 'review-apps-limit': '2' })).toMatchObject({ enabled: true, parent: 'prd', limit: 2 });
  });

  it('refuses creation when disabled, at the limit, or --from outside the pipeline', () => {
    let file = shop();
    const on = { 'review-apps': 'true', 'review-apps-limit': '1' } as const;
    expect(refusal(() => assertCanCreateReviewApp(findPipeline(file, 'shop')!, reviewAppsConfig(findPipeline(file, 'shop')!, {}), undefined))).toMatch(
      /^Review apps are not enabled for pipeline shop/,
    );
    expect(assertCanCreateReviewApp(findPipeline(file, 'shop')!, reviewAppsConfig(findPipeline(file, 'shop')!, on), undefined)).toBe('shop-stg');
    expect(assertCanCreateReviewApp(findPipeline(file, 'shop')!, reviewAppsConfig(findPipeline(file, 'shop')!, on), 'shop-prd')).toBe('shop-prd');
    expect(refusal(() => assertCanCreateReviewApp(findPipeline(file, 'shop')!, reviewAppsConfig(findPipeline(file, 'shop')!, on), 'elsewhere'))).toMatch(
      /^App elsewhere is not a development, staging or production app of pipeline shop/,
    );
    file = addApp(file, 'shop', 'shop-pr-1', 'review');
    expect(refusal(() => assertCanCreateReviewApp(findPipeline(file, 'shop')!, reviewAppsConfig(findPipeline(file, 'shop')!, on), undefined))).toBe(
      'Pipeline shop already has 1 review apps, its limit (review-apps-limit 1); destroy one first',
    );
  });

  it('a clone becomes a review app only of an enabled pipeline whose parent it clones, or the one asked for', () => {
    const file = shop();
    const on = { shop: { 'review-apps': 'true' as const } };
    expect(reviewPipelineForClone(file.pipelines, on, 'shop-stg', undefined)?.pipeline.name).toBe('shop');
    expect(reviewPipelineForClone(file.pipelines, on, 'shop-prd', undefined)).toBeUndefined();
    expect(reviewPipelineForClone(file.pipelines, {}, 'shop-stg', undefined)).toBeUndefined();
    expect(reviewPipelineForClone(file.pipelines, on, 'shop-prd', 'shop')?.pipeline.name).toBe('shop');
  });

  it("reads Heroku's environments.review.env and scripts.pr-predestroy", () => {
    const appJson = JSON.stringify({
      scripts: { 'pr-predestroy': 'bin/cleanup' },
      environments: { review: { env: { A: 'x', B: { value: 'y' }, N: 3 } } },
    });
    expect(reviewEnvFromAppJson(appJson)).toEqual({ A: 'x', B: 'y', N: '3' });
    expect(reviewEnvFromAppJson(null)).toEqual({});
    expect(reviewEnvFromAppJson('{}')).toEqual({});
    expect(refusal(() => reviewEnvFromAppJson('{"environments":{"review":{"env":{"BAD KEY":"x"}}}}'))).toMatch(/invalid key "BAD KEY"/);
    expect(refusal(() => reviewEnvFromAppJson('{"environments":{"review":{"env":{"A":{"generator":"secret"}}}}}'))).toMatch(/environments.review.env.A must be/);
    expect(prPredestroyScript(appJson)).toBe('bin/cleanup');
    expect(prPredestroyScript('{"scripts":{}}')).toBeUndefined();
    expect(prPredestroyScript('not json')).toBeUndefined();
  });

  it('a review app is stale after N days without a deploy; one with no known time is kept', () => {
    const now = new Date('2026-01-10T00:00:00Z');
    const apps = [
      { app: 'old', lastActivity: new Date('2026-01-02T00:00:00Z') },
      { app: 'edge', lastActivity: new Date('2026-01-03T00:00:00Z') },
      { app: 'new', lastActivity: new Date('2026-01-09T00:00:00Z') },
      { app: 'unknown', lastActivity: undefined },
    ];
    expect(staleReviewApps(apps, 7, now)).toEqual(['old', 'edge']);
  });

  it("writes Dokku's cron-entries line and refuses fields that would break it", () => {
    expect(cronEntry('17 * * * *', '/usr/bin/dokku review-apps:expire', '/var/log/dokku/x.log')).toBe('17 * * * *;/usr/bin/dokku review-apps:expire;/var/log/dokku/x.log');
    expect(() => cronEntry('17 * * * *', 'a;b', '/l')).toThrow(/cannot contain/);
  });

  it('the settable clock takes ISO times or epoch seconds and refuses anything else', () => {
    expect(clockNow('1700000000').toISOString()).toBe('2023-11-14T22:13:20.000Z');
    expect(clockNow('2026-01-01T00:00:00Z').toISOString()).toBe(NOW);
    expect(refusal(() => clockNow('soon'))).toMatch(/^Invalid OWNSTACK_NOW "soon"/);
    expect(Math.abs(clockNow(undefined).getTime() - Date.now())).toBeLessThan(60_000);
  });
});
