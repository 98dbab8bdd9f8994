import { describe, expect, it } from 'vitest';
import { assertValidAppName, parseReleaseId } from '../../src/lib/dokku/validate.js';

describe('assertValidAppName', () => {
  it.each(['myapp', 'my-app', 'a', 'app.v2', '0day'])('accepts %j as Dokku does', (name) => {
    expect(assertValidAppName(name)).toBe(name);
  });

  it.each(['', '../x', '.hidden', '-x', 'My', 'a/b', '$(id)', '`id`', "a'b", 'a"b', 'a\nb', 'a b', 'a_b', 'a\0b', 'é', 'x'.repeat(201)])(
    'refuses %j with one line',
    (name) => {
      let message = '';
      try {
        assertValidAppName(name);
      } catch (error) {
        message = (error as Error).message;
      }
      expect(message).not.toBe('');
      expect(message).not.toContain('\n');
    },
  );
});

describe('parseReleaseId', () => {
  it('accepts 7 and v7', () => {
    expect(parseReleaseId('7')).toBe(7);
    expect(parseReleaseId('v7')).toBe(7);
  });

  it.each(['0', 'v0', '-1', '1.5', 'abc', '07', '1e3', ' 1', '9999999999', '$(id)', 'v'])('refuses %j', (raw) => {
    expect(() => parseReleaseId(raw)).toThrow(/release ID/);
  });
});
