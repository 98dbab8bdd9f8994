import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dokkuPaths, readDokkuEnv } from '../../src/lib/dokku/env.js';
import { assertSettingKey, assertSettingScope, assertSettingValue, GLOBAL, readSetting, shownValue, writeSetting } from '../../src/lib/settings/settings.js';

let libRoot: string;
let paths: ReturnType<typeof dokkuPaths>;

beforeEach(() => {
  libRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'ownstack-settings-'));
  paths = dokkuPaths(readDokkuEnv({ DOKKU_LIB_ROOT: libRoot, DOKKU_ROOT: libRoot }));
});
afterEach(() => fs.rmSync(libRoot, { recursive: true, force: true }));

describe('settings', () => {
  it('defaults, then global, then app value wins', async () => {
    expect(readSetting(paths, 'web', 'retention').computed).toBe('5');
    await writeSetting(paths, GLOBAL, 'retention', '3');
    expect(readSetting(paths, 'web', 'retention')).toEqual({ app: undefined, global: '3', computed: '3' });
    await writeSetting(paths, 'web', 'retention', '9');
    expect(readSetting(paths, 'web', 'retention').computed).toBe('9');
  });

  it('an empty value unsets', async () => {
    await writeSetting(paths, 'web', 'lock-wait', '30');
    await writeSetting(paths, 'web', 'lock-wait', '');
    expect(readSetting(paths, 'web', 'lock-wait').app).toBeUndefined();
    expect(fs.existsSync(paths.property('web', 'lock-wait'))).toBe(false);
  });

  it('writes owner-only files in Dokku property layout', async () => {
    await writeSetting(paths, 'web', 'retention', '2');
    const file = path.join(libRoot, 'config', 'ownstack', 'web', 'retention');
    expect(fs.readFileSync(file, 'utf8')).toBe('2\n');
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
  });

  it('the GitHub webhook settings are per app, kept owner-only in the app store the dashboard reads, and unset like the others', async () => {
    await writeSetting(paths, 'web', 'github-webhook-secret', 'a-secret-of-enough-length');
    const file = path.join(paths.ownstackApp('web'), 'github-webhook-secret');
    expect(fs.readFileSync(file, 'utf8')).toBe('a-secret-of-enough-length\n');
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(fs.existsSync(paths.property('web', 'github-webhook-secret'))).toBe(false);
    expect(readSetting(paths, 'web', 'github-webhook-secret')).toEqual({ app: 'a-secret-of-enough-length', global: undefined, computed: 'a-secret-of-enough-length' });
    await writeSetting(paths, 'web', 'github-webhook-secret', '');
    expect(fs.existsSync(file)).toBe(false);
    expect(() => assertSettingScope('github-branch', GLOBAL)).toThrow('github-branch is set per app');
    expect(shownValue('github-webhook-secret', 'a-secret-of-enough-length')).toBe('********');
    expect(() => assertSettingValue('github-webhook-secret', 'short')).toThrow(/^Invalid github-webhook-secret: expected 16/);
    expect(() => assertSettingValue('github-branch', '-x')).toThrow('Invalid github-branch "-x": expected a git branch name');
  });

  it('a hand-edited bad value falls back to the next level', () => {
    fs.mkdirSync(path.dirname(paths.property('web', 'retention')), { recursive: true });
    fs.writeFileSync(paths.property('web', 'retention'), 'lots\n');
    expect(readSetting(paths, 'web', 'retention')).toEqual({ app: 'lots', global: undefined, computed: '5' });
  });

  it('validates keys and values', () => {
    expect(assertSettingKey('retention')).toBe('retention');
    expect(() => assertSettingKey('__proto__')).toThrow(/Invalid key/);
    expect(() => assertSettingKey('retention\n')).toThrow(/Invalid key/);
    expect(() => assertSettingValue('retention', '0')).toThrow(/1 to 1000/);
    expect(() => assertSettingValue('retention', '-1')).toThrow();
    expect(() => assertSettingValue('retention', '1e3')).toThrow();
    expect(() => assertSettingValue('lock-wait', '86401')).toThrow();
    expect(assertSettingValue('lock-wait', '0')).toBe('0');
  });
});
