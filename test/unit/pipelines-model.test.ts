import { describe, expect, it } from 'vitest';
import {
  addApp,
  appsOf,
  assertStage,
  assertValidPipelineName,
  createPipeline,
  destroyPipeline,
  emptyPipelines,
  forgetAppIn,
  nextStage,
  parseTargetList,
  PipelinesFileSchema,
  placeOfApp,
  promotionTargets,
  removeApp,
  renameAppIn,
  resolvePipeline,
  type PipelinesFile,
} from '../../src/lib/pipelines/model.js';
import { refusal } from './support.js';

const NOW = '2025-01-01T00:00:00.000Z';

/** shop: development shop-dev; staging shop-staging; production shop, shop-eu. */
function shop(): PipelinesFile {
  let file = createPipeline(emptyPipelines(), 'shop', 'shop', NOW);
  file = addApp(file, 'shop', 'shop-eu', 'production');
  file = addApp(file, 'shop', 'shop-staging', 'staging');
  file = addApp(file, 'shop', 'shop-dev', 'development');
  return file;
}


describe('pipeline names and stages', () => {
  it('accepts app-style names', () => {
    expect(assertValidPipelineName('shop')).toBe('shop');
    expect(assertValidPipelineName('shop-2.eu')).toBe('shop-2.eu');
  });

  it.each(['../x', '$(id)', "a'b", 'a"b', 'a\nb', '-x', '--name', 'Shop', '.hidden', '', 'a b', 'a/b', 'x'.repeat(201)])(
    'refuses the hostile or invalid name %j with one line',
    (name) => {
      const message = refusal(() => assertValidPipelineName(name));
      expect(message).not.toContain('\n');
    },
  );

  it('knows the four stages in Heroku order and nothing else', () => {
    for (const stage of ['review', 'development', 'staging', 'production']) expect(assertStage(stage)).toBe(stage);
    expect(refusal(() => assertStage('qa'))).toMatch(/Invalid stage "qa": expected one of review, development, staging, production/);
    expect(refusal(() => assertStage(undefined))).toMatch(/--stage/);
  });
});

describe('changing pipelines', () => {
  it('creates a pipeline with the app in production and keeps stage order', () => {
    const file = shop();
    const pipeline = resolvePipeline(file, 'shop');
    expect(appsOf(pipeline)).toEqual([
      { app: 'shop-dev', stage: 'development' },
      { app: 'shop-staging', stage: 'staging' },
      { app: 'shop', stage: 'production' },
      { app: 'shop-eu', stage: 'production' },
    ]);
    expect(PipelinesFileSchema.safeParse(file).success).toBe(true);
  });

  it('never modifies its input', () => {
    const file = shop();
    const before = JSON.stringify(file);
    addApp(file, 'shop', 'other', 'review');
    removeApp(file, 'shop-eu');
    destroyPipeline(file, 'shop');
    renameAppIn(file, 'shop', 'shop2');
    expect(JSON.stringify(file)).toBe(before);
  });

  it('refuses an app in two pipelines, or twice in one', () => {
    const file = createPipeline(shop(), 'blog', 'blog', NOW);
    expect(refusal(() => addApp(file, 'blog', 'shop-staging', 'staging'))).toMatch(/already in pipeline shop \(stage staging\)/);
    expect(refusal(() => addApp(file, 'shop', 'shop-staging', 'production'))).toMatch(/already in pipeline shop/);
    expect(refusal(() => createPipeline(file, 'other', 'shop', NOW))).toMatch(/already in pipeline shop/);
  });

  it('refuses a duplicate pipeline and an unknown one', () => {
    expect(refusal(() => createPipeline(shop(), 'shop', 'x', NOW))).toMatch(/Pipeline shop already exists/);
    expect(refusal(() => addApp(shop(), 'nope', 'x', 'staging'))).toMatch(/Pipeline nope does not exist/);
    expect(refusal(() => destroyPipeline(shop(), 'nope'))).toMatch(/Pipeline nope does not exist/);
  });

  it('removes an app and refuses one that is in no pipeline', () => {
    const { file, place } = removeApp(shop(), 'shop-eu');
    expect(place).toEqual({ pipeline: 'shop', stage: 'production' });
    expect(placeOfApp(file, 'shop-eu')).toBeUndefined();
    expect(refusal(() => removeApp(file, 'shop-eu'))).toBe('App shop-eu is not in any pipeline');
  });

  it('forgets a destroyed app (no pipeline is not an error) and follows a rename', () => {
    expect(forgetAppIn(shop(), 'unrelated')).toBeUndefined();
    expect(placeOfApp(forgetAppIn(shop(), 'shop-staging')!, 'shop-staging')).toBeUndefined();
    const renamed = renameAppIn(shop(), 'shop-staging', 'shop-stage')!;
    expect(placeOfApp(renamed, 'shop-stage')).toEqual({ pipeline: 'shop', stage: 'staging' });
    expect(placeOfApp(renamed, 'shop-staging')).toBeUndefined();
    expect(renameAppIn(shop(), 'unrelated', 'x')).toBeUndefined();
  });

  it('destroys a pipeline and frees its apps', () => {
    const file = destroyPipeline(shop(), 'shop');
    expect(file.pipelines).toEqual([]);
    expect(placeOfApp(file, 'shop')).toBeUndefined();
  });

  it('resolves info by pipeline name first, then by app', () => {
    const file = createPipeline(shop(), 'shop-eu-line', 'solo', NOW);
    expect(resolvePipeline(file, 'shop-staging').name).toBe('shop');
    expect(resolvePipeline(file, 'shop-eu-line').name).toBe('shop-eu-line');
    expect(refusal(() => resolvePipeline(file, 'nothing'))).toMatch(/No pipeline named nothing/);
  });
});

describe('the file schema', () => {
  it('rejects an app in two pipelines and duplicate pipeline names', () => {
    const file = shop();
    const twice = structuredClone(file);
    twice.pipelines.push({ ...structuredClone(file.pipelines[0]), name: 'copy' });
    expect(PipelinesFileSchema.safeParse(twice).success).toBe(false);
    const sameName = structuredClone(file);
    sameName.pipelines.push({ ...structuredClone(file.pipelines[0]), stages: { review: [], development: [], staging: [], production: ['z'] } });
    expect(PipelinesFileSchema.safeParse(sameName).success).toBe(false);
  });

  it('rejects hostile app names and unknown stages', () => {
    const bad = structuredClone(shop()) as unknown as { pipelines: { stages: Record<string, string[]> }[] };
    bad.pipelines[0].stages.staging.push('../etc');
    expect(PipelinesFileSchema.safeParse(bad).success).toBe(false);
    const extraStage = structuredClone(shop()) as unknown as { pipelines: { stages: Record<string, string[]> }[] };
    extraStage.pipelines[0].stages.qa = ['x'];
    expect(PipelinesFileSchema.safeParse(extraStage).success).toBe(false);
  });
});

describe('promotion targets', () => {
  it('goes to every app of the next non-empty stage', () => {
    expect(promotionTargets(shop(), 'shop-staging').targets).toEqual([
      { app: 'shop', stage: 'production' },
      { app: 'shop-eu', stage: 'production' },
    ]);
    expect(promotionTargets(shop(), 'shop-dev').targets).toEqual([{ app: 'shop-staging', stage: 'staging' }]);
  });

  it('skips empty stages', () => {
    let file = createPipeline(emptyPipelines(), 'p', 'prod', NOW);
    file = addApp(file, 'p', 'dev', 'development');
    expect(nextStage(resolvePipeline(file, 'p'), 'development')).toBe('production');
    expect(promotionTargets(file, 'dev').targets).toEqual([{ app: 'prod', stage: 'production' }]);
  });

  it('never promotes from or to a review app (as on Heroku)', () => {
    let file = createPipeline(emptyPipelines(), 'p', 'prod', NOW);
    file = addApp(file, 'p', 'rev', 'review');
    file = addApp(file, 'p', 'stg', 'staging');
    expect(refusal(() => promotionTargets(file, 'rev'))).toBe('App rev is a review app of pipeline p; review apps cannot be promoted');
    expect(refusal(() => promotionTargets(file, 'rev', ['prod']))).toBe('App rev is a review app of pipeline p; review apps cannot be promoted');
    expect(refusal(() => promotionTargets(file, 'stg', ['rev']))).toBe('App rev is a review app of pipeline p; review apps cannot be promotion targets');
  });

  it('has no next stage after the last one', () => {
    expect(nextStage(resolvePipeline(shop(), 'shop'), 'production')).toBeUndefined();
    expect(refusal(() => promotionTargets(shop(), 'shop'))).toMatch(/last stage \(production\).*nothing to promote to/);
  });

  it('takes --to apps of the same pipeline, any stage, without duplicates', () => {
    expect(promotionTargets(shop(), 'shop-dev', ['shop-eu', 'shop-eu', 'shop']).targets).toEqual([
      { app: 'shop-eu', stage: 'production' },
      { app: 'shop', stage: 'production' },
    ]);
  });

  it('refuses --to outside the pipeline, self-promotion, and a source in no pipeline', () => {
    const file = createPipeline(shop(), 'blog', 'blog', NOW);
    expect(refusal(() => promotionTargets(file, 'shop-staging', ['blog']))).toMatch(/App blog is not in pipeline shop/);
    expect(refusal(() => promotionTargets(file, 'shop-staging', ['loner']))).toMatch(/App loner is not in pipeline shop/);
    expect(refusal(() => promotionTargets(file, 'shop-staging', ['shop', 'shop-staging']))).toBe('Cannot promote shop-staging to itself');
    expect(refusal(() => promotionTargets(file, 'loner'))).toBe('App loner is not in any pipeline');
  });

  it('splits --to lists', () => {
    expect(parseTargetList(['a,b', 'c'])).toEqual(['a', 'b', 'c']);
    expect(refusal(() => parseTargetList(['a,,b']))).toMatch(/Invalid --to/);
    expect(refusal(() => parseTargetList(['']))).toMatch(/Invalid --to/);
  });
});
