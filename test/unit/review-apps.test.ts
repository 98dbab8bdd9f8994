import { describe, expect, it } from 'vitest';
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
import { PIPELINE_SETTINGS, assertPipelineSettingValue, setPipelineSetting } from '../../src/lib/pipelines/settings.js';
import { configAsDockerEnv } from '../../src/lib/dokku/apps.js';
import { refusal } from './support.js';

const NOW = '2026-01-01T00:00:00.000Z';

function shop() {
  let file = createPipeline(emptyPipelines(), 'shop', 'shop-prd', NOW);
  file = addApp(file, 'shop', 'shop-stg', 'staging');
  return file;
}

describe('review-app settings (rows of the pipeline settings table)', () => {
  it('validates each key', () => {
    expect(PIPELINE_SETTINGS['review-apps'].validate('true')).toBeUndefined();
    expect(refusal(() => assertPipelineSettingValue('review-apps', 'yes'))).toBe('Invalid review-apps "yes": expected true or false');
    expect(refusal(() => assertPipelineSettingValue('review-apps-limit', '0'))).toBe('Invalid review-apps-limit "0": expected a whole number from 1 to 1000');
    expect(refusal(() => assertPipelineSettingValue('review-apps-stale-days', '1e3'))).toMatch(/^Invalid review-apps-stale-days "1e3"/);
    expect(refusal(() => assertPipelineSettingValue('review-apps-parent', '../x'))).toMatch(/^Invalid review-apps-parent "..\/x"/);
  });
});

describe('review-app decisions', () => {
  it('defaults: disabled, parent staging else production, limit 5, never stale', () => {
    const pipeline = findPipeline(shop(), 'shop')!;
    expect(reviewAppsConfig(pipeline)).toEqual({ enabled: false, parent: 'shop-stg', limit: 5, staleDays: undefined });
    let bare = createPipeline(emptyPipelines(), 'p', 'prd', NOW);
    bare = setPipelineSetting(setPipelineSetting(bare, 'p', 'review-apps', 'true'), 'p', 'review-apps-limit', '2');
    expect(reviewAppsConfig(findPipeline(bare, 'p')!)).toMatchObject({ enabled: true, parent: 'prd', limit: 2 });
  });

  it('refuses creation when disabled, at the limit, or --from outside the pipeline', () => {
    const off = shop();
    expect(refusal(() => assertCanCreateReviewApp(findPipeline(off, 'shop')!, reviewAppsConfig(findPipeline(off, 'shop')!), undefined))).toMatch(
      /^Review apps are not enabled for pipeline shop/,
    );
    let file = setPipelineSetting(setPipelineSetting(shop(), 'shop', 'review-apps', 'true'), 'shop', 'review-apps-limit', '1');
    expect(assertCanCreateReviewApp(findPipeline(file, 'shop')!, reviewAppsConfig(findPipeline(file, 'shop')!), undefined)).toBe('shop-stg');
    expect(assertCanCreateReviewApp(findPipeline(file, 'shop')!, reviewAppsConfig(findPipeline(file, 'shop')!), 'shop-prd')).toBe('shop-prd');
    expect(refusal(() => assertCanCreateReviewApp(findPipeline(file, 'shop')!, reviewAppsConfig(findPipeline(file, 'shop')!), 'elsewhere'))).toMatch(
      /^App elsewhere is not a development, staging or production app of pipeline shop/,
    );
    file = addApp(file, 'shop', 'shop-pr-1', 'review');
    expect(refusal(() => assertCanCreateReviewApp(findPipeline(file, 'shop')!, reviewAppsConfig(findPipeline(file, 'shop')!), undefined))).toBe(
      'Pipeline shop already has 1 review apps, its limit (review-apps-limit 1); destroy one first',
    );
  });

  it('a clone becomes a review app only of an enabled pipeline whose parent it clones, or the one asked for', () => {
    const file = setPipelineSetting(shop(), 'shop', 'review-apps', 'true');
    expect(reviewPipelineForClone(file.pipelines, 'shop-stg', undefined)?.pipeline.name).toBe('shop');
    expect(reviewPipelineForClone(file.pipelines, 'shop-prd', undefined)).toBeUndefined();
    expect(reviewPipelineForClone(shop().pipelines, 'shop-stg', undefined)).toBeUndefined();
    expect(reviewPipelineForClone(file.pipelines, 'shop-prd', 'shop')?.pipeline.name).toBe('shop');
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
    const hostile = { S: '  a  b ', Q: 'say "hi" now', D: '$HOME $(id)', E: '=a=b', B: 'c:\\x\\n y', N: 'one\ntwo' };
    expect(reviewEnvFromAppJson(JSON.stringify({ environments: { review: { env: hostile } } }))).toEqual(hostile);
    expect(refusal(() => reviewEnvFromAppJson('{"environments":{"review":{"env":{"PIN":"007"}}}}'))).toBe(
      'app.json environments.review.env.PIN: the value is a number with a sign or leading zeros, which Dokku stores without them',
    );
    expect(refusal(() => reviewEnvFromAppJson('{"environments":{"review":{"env":{"DIR":{"value":"C:\\\\"}}}}}'))).toMatch(/^app.json environments.review.env.DIR: the value ends in a backslash/);
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

});

describe("pr-predestroy's container gets the app's config as Dokku's run does", () => {
  it('names each key with --env=KEY and carries every value, untouched, in the docker CLI environment', () => {
    const config = { Z_LAST: 'z', GREETING: 'staging', QUOTED: '"yes"', MULTI: 'one\ntwo\r\n', SPACES: ' a  b ', DOLLAR: '$X ${Y} `id`', EQ: 'a=b' };
    const { args, env } = configAsDockerEnv(config);
    expect(args).toEqual(['--env=DOLLAR', '--env=EQ', '--env=GREETING', '--env=MULTI', '--env=QUOTED', '--env=SPACES', '--env=Z_LAST']);
    expect(env).toEqual(config);
    // no value is ever in an argument
    for (const value of Object.values(config)) expect(args.some((arg) => arg.includes(value))).toBe(false);
    expect(configAsDockerEnv({})).toEqual({ args: [], env: {} });
  });
});
