import { describe, expect, it } from 'vitest';
import { assertDigestReference, assertImageReference, formatReference, parseImageReference, registryImage, registryProblem } from '../../src/lib/images/reference.js';
import { revisionFromLabels, verifiedDigest } from '../../src/lib/deploy/deploy-image.js';

const DIGEST = `sha256:${'a'.repeat(64)}`;

describe('image references', () => {
  it.each([
    ['nginx', { domain: null, path: 'nginx', tag: null, digest: null }],
    ['nginx:1.25', { domain: null, path: 'nginx', tag: '1.25', digest: null }],
    ['127.0.0.1:5000/team/app:v1', { domain: '127.0.0.1:5000', path: 'team/app', tag: 'v1', digest: null }],
    [`registry.example.com/team/app@${DIGEST}`, { domain: 'registry.example.com', path: 'team/app', tag: null, digest: DIGEST }],
    [`localhost/app:ci-12@${DIGEST}`, { domain: 'localhost', path: 'app', tag: 'ci-12', digest: DIGEST }],
    ['team/my_app.web-1', { domain: null, path: 'team/my_app.web-1', tag: null, digest: null }],
  ])('parses %s', (raw, expected) => {
    expect(parseImageReference(raw)).toEqual(expected);
    expect(formatReference(parseImageReference(raw)!)).toBe(raw);
  });

  it.each([
    '', '-rm', '--help', 'App', 'team/App', 'a b', 'a;id', '$(id)', '`id`', "a'b", 'a"b', 'a\nb', '../x', 'a/../b', '/abs',
    'a:', 'a:-tag', `a@sha256:${'a'.repeat(63)}`, `a@sha512:${'a'.repeat(128)}`, `a@${DIGEST.toUpperCase()}`, 'a//b', 'a/', 'host:99999x/a',
    `${'a'.repeat(256)}`, 'a:' + 't'.repeat(129), '-registry.example.com/a',
  ])('refuses %j with one line', (raw) => {
    expect(parseImageReference(raw)).toBeUndefined();
    expect(() => assertImageReference(raw)).toThrow(/^(Invalid image reference|Please specify)[^\n]*$/);
  });

  it('a promotion takes only digest references', () => {
    expect(assertDigestReference(`127.0.0.1:5000/a@${DIGEST}`).digest).toBe(DIGEST);
    expect(() => assertDigestReference('127.0.0.1:5000/a:v1')).toThrow(/has no digest/);
  });
});

describe('checking what was pulled', () => {
  const ref = parseImageReference(`127.0.0.1:5000/team/app@${DIGEST}`)!;
  it('accepts the digest asked for, for the repository asked for', () => {
    expect(verifiedDigest(ref, [`other/app@${DIGEST}`, `127.0.0.1:5000/team/app@${DIGEST}`])).toBe(`127.0.0.1:5000/team/app@${DIGEST}`);
  });
  it('refuses another digest, or the same digest of another repository', () => {
    expect(() => verifiedDigest(ref, [`127.0.0.1:5000/team/app@sha256:${'b'.repeat(64)}`])).toThrow(/does not have digest/);
    expect(() => verifiedDigest(ref, [`127.0.0.1:5000/team/other@${DIGEST}`])).toThrow(/does not have digest/);
  });
  it('takes the registry digest of a tag reference', () => {
    const tagged = parseImageReference('127.0.0.1:5000/team/app:v1')!;
    expect(verifiedDigest(tagged, [`127.0.0.1:5000/team/app@${DIGEST}`])).toBe(`127.0.0.1:5000/team/app@${DIGEST}`);
    expect(() => verifiedDigest(tagged, [])).toThrow(/no digest/);
  });
  it('reads a SHA from the OCI revision label only when it looks like one', () => {
    expect(revisionFromLabels({ 'org.opencontainers.image.revision': 'abc1234' })).toBe('abc1234');
    expect(revisionFromLabels({ 'org.opencontainers.image.revision': '$(id)' })).toBeNull();
    expect(revisionFromLabels({})).toBeNull();
  });
});

describe('a pipeline registry', () => {
  it.each(['127.0.0.1:5000', '127.0.0.1:5000/team', 'registry.example.com/team/apps', 'localhost/x'])('accepts %s', (raw) => {
    expect(registryProblem(raw)).toBeUndefined();
  });
  it.each(['team', 'team/apps', 'registry.example.com/Team', 'a b.com/x', '$(id).com', 'registry.example.com/../x', '-x.com/a', 'host:port/x', 'reg.com//x', 'reg.com/x:tag', `reg.com/x@sha256:${'a'.repeat(64)}`])('refuses %j', (raw) => {
    expect(registryProblem(raw)).toBeDefined();
  });
  it('names an immutable tag per release and image', () => {
    expect(registryImage('127.0.0.1:5000/team/', 'web', 7, `sha256:${'c'.repeat(64)}`)).toBe(`127.0.0.1:5000/team/web:web-v7-${'c'.repeat(12)}`);
  });
});
