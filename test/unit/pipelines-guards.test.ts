import { describe, expect, it } from 'vitest';
import { now } from '../../src/lib/clock.js';
import { applyGuard, bakeTimeRefusal, forcedRecord, needsApproval, servingSince, type GuardName } from '../../src/lib/pipelines/guards.js';
import { createPipeline, emptyPipelines, findPipeline, PipelinesFileSchema } from '../../src/lib/pipelines/model.js';
import { promotedRelease } from '../../src/lib/pipelines/promotion.js';
import {
  assertPipelineSettingKey,
  computedSetting,
  formatDuration,
  parseDuration,
  promotionPolicy,
  setPipelineSetting,
  storedSettings,
} from '../../src/lib/pipelines/settings.js';
import { refusal, releaseRecord } from './support.js';

const shop = () => createPipeline(emptyPipelines(), 'shop', 'shop', '2025-01-01T00:00:00.000Z');
const pipelineWith = (settings: Record<string, string>) => {
  let file = shop();
  for (const [key, value] of Object.entries(settings)) file = setPipelineSetting(file, 'shop', assertPipelineSettingKey(key), value);
  return findPipeline(file, 'shop')!;
};

describe('durations', () => {
  it('parses one number and a unit: s, m, h, d', () => {
    expect(parseDuration('45s')).toBe(45_000);
    expect(parseDuration('30m')).toBe(1_800_000);
    expect(parseDuration('2h')).toBe(7_200_000);
    expect(parseDuration('1d')).toBe(86_400_000);
    expect(parseDuration('366d')).toBe(366 * 86_400_000);
  });

  it('refuses anything else: no unit, zero, signs, spaces, combinations, other units, too long', () => {
    for (const bad of ['', '90', '0m', '-1h', '+1h', ' 1h', '1h ', '1h30m', '1.5h', '1H', '1w', 'h', '367d', '1000000s', '01m', '1e3s', '$(id)m']) {
      expect(parseDuration(bad), bad).toBeUndefined();
    }
  });

  it('formats the two largest units, rounded down', () => {
    expect(formatDuration(0)).toBe('0s');
    expect(formatDuration(999)).toBe('0s');
    expect(formatDuration(600_000)).toBe('10m');
    expect(formatDuration(3_599_000)).toBe('59m 59s');
    expect(formatDuration(3_600_000 + 120_000 + 5_000)).toBe('1h 2m');
    expect(formatDuration(86_400_000 + 3_600_000)).toBe('1d 1h');
    expect(formatDuration(-5)).toBe('0s');
  });
});

describe('pipeline settings', () => {
  it('are stored in the pipeline, validated per key, and unset by an empty value', () => {
    const file = setPipelineSetting(shop(), 'shop', 'promote-min-age', '30m');
    expect(findPipeline(file, 'shop')!.settings).toEqual({ 'promote-min-age': '30m' });
    expect(PipelinesFileSchema.safeParse(file).success).toBe(true);
    const unset = setPipelineSetting(file, 'shop', 'promote-min-age', '');
    expect(findPipeline(unset, 'shop')!.settings).toBeUndefined();
    expect(findPipeline(setPipelineSetting(file, 'shop', 'promote-min-age', undefined), 'shop')!.settings).toBeUndefined();
  });

  it('refuse unknown keys, bad values and unknown pipelines, leaving the input unchanged', () => {
    const file = shop();
    const before = structuredClone(file);
    expect(refusal(() => assertPipelineSettingKey('retention'))).toMatch(/^Invalid key "retention": expected one of promote-min-age, /);
    expect(refusal(() => assertPipelineSettingKey('__proto__'))).toMatch(/^Invalid key/);
    expect(refusal(() => assertPipelineSettingKey(undefined))).toMatch(/^Please specify a key/);
    expect(refusal(() => setPipelineSetting(file, 'shop', 'promote-require-healthy', 'yes'))).toBe('Invalid promote-require-healthy "yes": expected true or false');
    expect(refusal(() => setPipelineSetting(file, 'shop', 'promote-approval', 'prod'))).toMatch(/^Invalid promote-approval "prod": expected a stage/);
    expect(refusal(() => setPipelineSetting(file, 'shop', 'promote-approval-ttl', '1\n2h'))).toMatch(/^Invalid promote-approval-ttl "1\\n2h"/);
    expect(refusal(() => setPipelineSetting(file, 'nope', 'promote-min-age', '1h'))).toBe('Pipeline nope does not exist');
    expect(file).toEqual(before);
  });

  it('compute defaults, and report what is stored', () => {
    const pipeline = pipelineWith({ 'promote-approval': 'production' });
    expect(storedSettings(pipeline)).toEqual({ 'promote-min-age': '', 'promote-require-healthy': '', 'promote-approval': 'production', 'promote-approval-ttl': '', registry: '',
      'review-apps': '', 'review-apps-parent': '', 'review-apps-limit': '', 'review-apps-stale-days': '' });
    expect(computedSetting(pipeline, 'promote-approval-ttl')).toBe('24h');
    expect(computedSetting(pipeline, 'promote-require-healthy')).toBe('false');
    expect(promotionPolicy(pipeline)).toEqual({ minAgeMs: undefined, requireHealthy: false, approvalStage: 'production', approvalTtlMs: 86_400_000 });
    expect(promotionPolicy(pipelineWith({ 'promote-min-age': '2h', 'promote-require-healthy': 'true', 'promote-approval-ttl': '30m' }))).toEqual({
      minAgeMs: 7_200_000, requireHealthy: true, approvalStage: undefined, approvalTtlMs: 1_800_000,
    });
  });

  it('refuse a hand-edited bad value instead of silently turning a guard off', () => {
    const pipeline = { ...pipelineWith({}), settings: { 'promote-min-age': 'forever' } };
    expect(refusal(() => promotionPolicy(pipeline))).toBe(
      'Pipeline shop has an invalid promote-min-age "forever" (expected a duration such as 30m, 2h or 1d (s, m, h or d; at most 366d)); fix it with pipeline:set shop promote-min-age <value>',
    );
  });
});

describe('bake time', () => {
  const source = releaseRecord({ id: 7, started_at: '2025-01-01T00:00:00.000Z', finished_at: '2025-01-01T00:02:00.000Z' });
  const at = (iso: string) => new Date(iso);

  it('counts from when the release started serving (finished), else from its start', () => {
    expect(servingSince(source).toISOString()).toBe('2025-01-01T00:02:00.000Z');
    expect(servingSince(releaseRecord({ finished_at: null })).toISOString()).toBe('2025-01-01T00:00:00.000Z');
  });

  it('refuses while younger than the minimum, saying when it will be allowed', () => {
    expect(bakeTimeRefusal('shop-staging', source, 3_600_000, at('2025-01-01T00:12:00.000Z'))).toBe(
      'Promotion refused: shop-staging v7 has served for 10m, less than promote-min-age 1h; it can be promoted from 2025-01-01T01:02:00.000Z (in 50m), or use --force',
    );
    expect(bakeTimeRefusal('shop-staging', source, 3_600_000, at('2025-01-01T01:01:59.999Z'))).toMatch(/\(in 0s\)/);
  });

  it('allows from the minimum age on, and always when no minimum is set', () => {
    expect(bakeTimeRefusal('shop-staging', source, 3_600_000, at('2025-01-01T01:02:00.000Z'))).toBeUndefined();
    expect(bakeTimeRefusal('shop-staging', source, 3_600_000, at('2025-02-01T00:00:00.000Z'))).toBeUndefined();
    expect(bakeTimeRefusal('shop-staging', source, undefined, at('2025-01-01T00:02:00.000Z'))).toBeUndefined();
  });
});

describe('guard decisions', () => {
  it('throw the refusal without --force, and note the override with it', () => {
    const overridden: GuardName[] = [];
    applyGuard('promote-min-age', undefined, false, overridden);
    expect(overridden).toEqual([]);
    expect(refusal(() => applyGuard('promote-min-age', 'Promotion refused: too young', false, overridden))).toBe('Promotion refused: too young');
    expect(overridden).toEqual([]);
    applyGuard('promote-min-age', 'Promotion refused: too young', true, overridden);
    applyGuard('promote-require-healthy', undefined, true, overridden);
    expect(overridden).toEqual(['promote-min-age']);
  });

  it('record a --force only when it overrode something', () => {
    expect(forcedRecord('carol', [])).toBeNull();
    expect(forcedRecord('carol', ['promote-min-age', 'promote-approval'])).toEqual({ by: 'carol', guards: ['promote-min-age', 'promote-approval'] });
  });

  it('ask for approval when any target is in the approval stage', () => {
    const policy = promotionPolicy(pipelineWith({ 'promote-approval': 'production' }));
    expect(needsApproval(policy, [{ stage: 'production' }])).toBe(true);
    expect(needsApproval(policy, [{ stage: 'staging' }, { stage: 'production' }])).toBe(true);
    expect(needsApproval(policy, [{ stage: 'staging' }])).toBe(false);
    expect(needsApproval(promotionPolicy(pipelineWith({})), [{ stage: 'production' }])).toBe(false);
  });

  it('mark the target record with the force or the approval', () => {
    const source = releaseRecord({ id: 7, app: 'shop-staging', image_id: 'sha256:ab' });
    expect(promotedRelease('shop-staging', source, { forced: { by: 'carol', guards: ['promote-min-age'] } })).toMatchObject({
      description: 'Promote shop-staging v7 (forced past promote-min-age by carol)',
      forced: { by: 'carol', guards: ['promote-min-age'] },
    });
    expect(promotedRelease('shop-staging', source, { approval: { request: 3, requested_by: 'alice', approved_by: 'bob' } })).toMatchObject({
      description: 'Promote shop-staging v7 (approved r3 by bob)',
      approval: { request: 3, requested_by: 'alice', approved_by: 'bob' },
    });
    expect(promotedRelease('shop-staging', source)).not.toHaveProperty('forced');
  });
});

describe('the clock', () => {
  it('is the real time unless OWNSTACK_NOW sets it; a bad value refuses', () => {
    expect(now({ OWNSTACK_NOW: '2030-05-01T10:00:00.000Z' }).toISOString()).toBe('2030-05-01T10:00:00.000Z');
    expect(Math.abs(now({}).getTime() - Date.now())).toBeLessThan(60_000);
    expect(refusal(() => now({ OWNSTACK_NOW: 'tomorrow' }))).toBe('Invalid OWNSTACK_NOW: expected an ISO 8601 time');
    expect(refusal(() => now({ OWNSTACK_NOW: '2030-13-45T00:00:00Z' }))).toMatch(/Invalid OWNSTACK_NOW/);
  });
});
