import { describe, expect, it } from 'vitest';
import { MAX_VALUE_BYTES, parseConfigFile } from '../../src/lib/config-push/env-file.js';
import { dokkuWouldChange } from '../../src/lib/config-push/stored-value.js';
import { diffConfig, diffLine, keysToSet, orderTargets, outcomeLine, pipelineTargets } from '../../src/lib/config-push/plan.js';
import type { Pipeline } from '../../src/lib/pipelines/model.js';
import { describeRelease, configKeysFromEnv } from '../../src/lib/releases/describe.js';
import { refusal } from './support.js';

const parse = (text: string) => Object.fromEntries(parseConfigFile(text, 'f.env'));

describe('the dotenv file of a config push', () => {
  it('reads what dotenv users write: export, quotes, comments, multi-line quoted values', () => {
    const text = [
      '# shared',
      'export A=1',
      'B="two words" # a comment',
      "C='single $NOT_EXPANDED'",
      'D="line one',
      'line two"',
      'E=',
      '',
    ].join('\n');
    expect(parse(text)).toEqual({ A: '1', B: 'two words', C: 'single $NOT_EXPANDED', D: 'line one\nline two', E: '' });
  });

  it('keeps the file order of the keys', () => {
    expect([...parseConfigFile('Z=1\nA=2\n', 'f').keys()]).toEqual(['Z', 'A']);
  });

  it('refuses, naming the line and never the value', () => {
    expect(refusal(() => parse('GOOD=1\nJUSTAWORD\n'))).toBe('f.env, line 2: no "=" (expected KEY=VALUE)');
    expect(refusal(() => parse('A=secret\0value\n'))).toBe('f.env, line 1: contains a NUL byte');
    expect(refusal(() => parse('1BAD=x\n'))).toBe('f.env, line 1: invalid key name "1BAD": it must begin with a letter or _ and contain only letters, digits and _');
    expect(refusal(() => parse('my-key=x\n'))).toContain('invalid key name "my-key"');
    expect(refusal(() => parse('A.B=x\n'))).toContain('invalid key name "A.B"');
    expect(refusal(() => parse('A=1\nA=2\n'))).toBe('f.env, line 2: A is already set on line 1');
    expect(refusal(() => parse('A="never closed\n'))).toBe('f.env: a quoted value is never closed (missing ")');
    expect(refusal(() => parse('# only a comment\n\n'))).toBe('f.env sets no variables: expected lines of KEY=VALUE');
    expect(refusal(() => parse('A: yaml-style\n'))).toBe('f.env, line 1: expected KEY=VALUE');
    const big = `BIG=${'x'.repeat(MAX_VALUE_BYTES + 1)}\n`;
    expect(refusal(() => parse(big))).toBe('f.env, line 1: the value of BIG is larger than 64 KiB');
    expect(refusal(() => parse(`BIG=${'x'.repeat(1024 * 1024)}\n`))).toBe('f.env is larger than 512 KiB');
  });

  it('keeps values that a file format or a shell could change', () => {
    const text = [
      `SPACES="  two  words  "`,
      `QUOTES='say "hi" now'`,
      `DOLLAR='$HOME \${X} $(id)'`,
      'EQUALS==a=b==',
      `BACKSLASH='C:\\temp\\n mid\\ end'`,
      'NEWLINES="one\ntwo"',
      'BIG=99999999999999999999',
      'NEGATIVE=-42',
      "SEPARATOR='a \u2028 b \u2029 c'",
      '',
    ].join('\n');
    expect(parse(text)).toEqual({
      SPACES: '  two  words  ',
      QUOTES: 'say "hi" now',
      DOLLAR: '$HOME \${X} $(id)',
      EQUALS: '=a=b==',
      BACKSLASH: 'C:\\temp\\n mid\\ end',
      NEWLINES: 'one\ntwo',
      BIG: '99999999999999999999',
      NEGATIVE: '-42',
      SEPARATOR: 'a \u2028 b \u2029 c',
    });
  });

  it('refuses a value that Dokku 0.38 would not keep as given, naming the key only', () => {
    expect(refusal(() => parse('PIN=0042\n'))).toBe('f.env, line 1: the value of PIN is a number with a sign or leading zeros, which Dokku stores without them');
    expect(refusal(() => parse('A=1\nPATHISH="C:\\\\"\n'))).toBe("f.env, line 2: the value of PATHISH ends in a backslash, which would make the app's config unreadable on Dokku");
    expect(refusal(() => parse(`Q='say "hi"'\n`))).toBe('f.env, line 1: the value of Q ends in a double quote, which Dokku drops');
  });

  it('knows which values Dokku 0.38 changes (godotenv v1.5.1: Atoi, trimmed quotes, an escaped closing quote)', () => {
    for (const kept of ['0', '7', '-5', '9223372036854775807', '-9223372036854775808', '9223372036854775808', '007x', '1.0', ' 7', '', 'a"b', '"quoted start', 'a\\b', "ends'"]) {
      expect(dokkuWouldChange(kept), JSON.stringify(kept)).toBeUndefined();
    }
    for (const changed of ['007', '+1', '-0', '00', '-007', 'x"', '""', 'x\\', '\\']) {
      expect(dokkuWouldChange(changed), JSON.stringify(changed)).toBeDefined();
    }
  });

  it('never puts a value in a refusal', () => {
    const message = refusal(() => parse('GOOD=topsecret\nBAD LINE=topsecret2\n'));
    expect(message).not.toContain('topsecret');
  });
});

describe('the plan of a config push', () => {
  const pipeline: Pipeline = {
    name: 'shop',
    created_at: '',
    stages: { review: [], development: ['dev'], staging: ['stg'], production: ['prd', 'prd2'] },
  };

  it('goes development first, production last', () => {
    expect(pipelineTargets(pipeline, undefined).map((t) => t.app)).toEqual(['dev', 'stg', 'prd', 'prd2']);
    expect(pipelineTargets(pipeline, 'production').map((t) => t.app)).toEqual(['prd', 'prd2']);
    expect(refusal(() => pipelineTargets(pipeline, 'review'))).toBe('Pipeline shop has no apps in its review stage');
  });

  it('orders named apps by stage, apps in no pipeline first, and refuses a repeated app', () => {
    const ordered = orderTargets([{ app: 'prd', stage: 'production' }, { app: 'loner' }, { app: 'dev', stage: 'development' }]);
    expect(ordered.map((t) => t.app)).toEqual(['loner', 'dev', 'prd']);
    expect(refusal(() => orderTargets([{ app: 'a' }, { app: 'a' }]))).toBe('App a is named twice');
  });

  it('tells added, changed and unchanged keys apart, and sets only what changes', () => {
    const diff = diffConfig({ SAME: '1', OLD: 'a' }, new Map([['NEW', 'x'], ['OLD', 'b'], ['SAME', '1']]));
    expect(diff).toEqual({ added: ['NEW'], changed: ['OLD'], unchanged: ['SAME'] });
    expect(diffLine(diff)).toBe('added: NEW; changed: OLD; unchanged: SAME');
    expect(keysToSet(diff)).toEqual(['NEW', 'OLD']);
  });

  it('summarises each app', () => {
    expect(outcomeLine({ app: 'a', result: 'set', releaseId: 4, restarted: true })).toBe('a: changed, deployed as v4');
    expect(outcomeLine({ app: 'a', result: 'set', restarted: false })).toBe('a: changed (not restarted)');
    expect(outcomeLine({ app: 'b', result: 'skipped' })).toBe('b: untouched (the push stopped before it)');
  });
});

describe('a config release names its keys', () => {
  it('from OWNSTACK_CONFIG_KEYS, only when every name is a valid key', () => {
    expect(configKeysFromEnv('A,B_2')).toEqual(['A', 'B_2']);
    expect(configKeysFromEnv('A,$(x)')).toBeNull();
    expect(configKeysFromEnv(undefined)).toBeNull();
  });

  it('in its description', () => {
    expect(describeRelease({ kind: 'config', config_keys: ['A', 'B'] })).toBe('Config change: A, B');
    expect(describeRelease({ kind: 'config' })).toBe('Config change');
    const many = Array.from({ length: 12 }, (_, i) => `K${i}`);
    expect(describeRelease({ kind: 'config', config_keys: many })).toBe('Config change: K0, K1, K2, K3, K4, K5, K6, K7, K8, K9 and 2 more');
  });
});
