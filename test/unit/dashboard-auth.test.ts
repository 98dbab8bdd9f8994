import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { assertViewerName } from '../../src/lib/dashboard/identity.js';
import { consumeLogin, LOGIN_TTL_MS, mintLogin, peekLogin } from '../../src/lib/dashboard/logins.js';
import { sha256Hex } from '../../src/lib/dashboard/secret-files.js';
import {
  assertSessionPrefix, createSession, csrfToken, csrfTokenMatches, endSession, LAST_SEEN_EVERY_MS, listSessions, revokeSessions, SESSION_IDLE_MS, touchSession,
} from '../../src/lib/dashboard/sessions.js';
import { assertSettingScope, assertSettingValue, GLOBAL } from '../../src/lib/settings/settings.js';
import { refusal } from './support.js';

let root: string;
const t0 = new Date('2026-01-01T10:00:00.000Z');
const at = (ms: number) => new Date(t0.getTime() + ms);
const mode = (file: string) => fs.statSync(file).mode & 0o777;
const allFiles = (dir: string): string[] =>
  fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => (entry.isDirectory() ? allFiles(path.join(dir, entry.name)) : [path.join(dir, entry.name)]));

beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'ownstack-dashboard-auth-'));
});
afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

describe('sign-in links', () => {
  it('keep only the SHA-256 of the token, owner-only', async () => {
    const minted = await mintLogin(root, { name: 'alice', role: 'deployer' }, t0);
    expect(minted.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(minted.expires_at).toBe(at(LOGIN_TTL_MS).toISOString());
    const files = allFiles(root);
    expect(files.map((file) => path.basename(file))).toEqual([`${sha256Hex(minted.token)}.json`]);
    expect(mode(files[0])).toBe(0o600);
    expect(mode(path.dirname(files[0]))).toBe(0o700);
    for (const file of files) expect(fs.readFileSync(file, 'utf8')).not.toContain(minted.token);
  });

  it('sign in exactly once; looking at the link first uses nothing', async () => {
    const { token } = await mintLogin(root, { name: 'alice', role: 'deployer' }, t0);
    expect(peekLogin(root, token, at(1000))?.name).toBe('alice');
    expect(peekLogin(root, token, at(2000))?.name).toBe('alice');
    expect(consumeLogin(root, token, at(3000))).toMatchObject({ name: 'alice', role: 'deployer' });
    expect(consumeLogin(root, token, at(4000))).toBeUndefined();
    expect(peekLogin(root, token, at(4000))).toBeUndefined();
    expect(allFiles(root)).toEqual([]);
  });

  it('of many concurrent uses of one link, exactly one signs in', async () => {
    const { token } = await mintLogin(root, { name: 'alice', role: 'deployer' }, t0);
    // Separate processes race for real: each renames the pending file (the winner decides).
    const { execFileSync, fork } = await import('node:child_process');
    const script = path.join(root, 'consume.cjs');
    const entry = path.join(root, 'consume-entry.ts');
    fs.writeFileSync(
      entry,
      `import { consumeLogin } from ${JSON.stringify(path.resolve('src/lib/dashboard/logins.ts'))};\n` +
        `process.send!(consumeLogin(process.argv[2], process.argv[3], new Date(process.argv[4])) ? 'won' : 'lost');\n`,
    );
    execFileSync(path.resolve('node_modules/.bin/esbuild'), [entry, '--bundle', '--platform=node', '--format=cjs', `--outfile=${script}`, '--log-level=warning']);
    fs.rmSync(entry);
    const outcomes = await Promise.all(
      Array.from({ length: 6 }, () =>
        new Promise<string>((resolve, reject) => {
          const child = fork(script, [root, token, at(1000).toISOString()]);
          child.on('message', (message) => resolve(String(message)));
          child.on('error', reject);
          child.on('exit', (code) => code !== 0 && reject(new Error(`exit ${code}`)));
        }),
      ),
    );
    expect(outcomes.filter((outcome) => outcome === 'won')).toHaveLength(1);
    expect(outcomes).toHaveLength(6);
  });

  it('expire after 10 minutes', async () => {
    const { token } = await mintLogin(root, { name: 'alice', role: 'deployer' }, t0);
    expect(peekLogin(root, token, at(LOGIN_TTL_MS))).toBeUndefined();
    expect(consumeLogin(root, token, at(LOGIN_TTL_MS))).toBeUndefined();
    // and an expired link is gone, not left to be tried again
    expect(allFiles(root)).toEqual([]);
  });

  it('are removed once expired when the next link is minted', async () => {
    await mintLogin(root, { name: 'old', role: 'deployer' }, t0);
    const fresh = await mintLogin(root, { name: 'new', role: 'deployer' }, at(LOGIN_TTL_MS + 1));
    expect(allFiles(root).map((file) => path.basename(file))).toEqual([`${sha256Hex(fresh.token)}.json`]);
  });

  it('carry the viewer role of a --viewer link', async () => {
    const { token } = await mintLogin(root, { name: 'Bob Smith', role: 'viewer' }, t0);
    expect(consumeLogin(root, token, at(1))).toMatchObject({ name: 'Bob Smith', role: 'viewer' });
  });

  it('refuse tokens that are not tokens without touching the disk (paths, hashes)', async () => {
    const { token } = await mintLogin(root, { name: 'alice', role: 'deployer' }, t0);
    for (const bad of ['../logins/x', sha256Hex(token), '', `${token}x`, token.slice(1), `${token.slice(0, 42)}/`]) {
      expect(peekLogin(root, bad, at(1))).toBeUndefined();
      expect(consumeLogin(root, bad, at(1))).toBeUndefined();
    }
    expect(consumeLogin(root, token, at(1))?.name).toBe('alice');
  });
});

describe('viewer names', () => {
  it('accept short printable names', () => {
    for (const name of ['Bob', 'Bob Smith', 'bob@example.com', 'r2-d2.bot_x+1']) expect(assertViewerName(name)).toBe(name);
  });
  it('refuse control characters, quotes, $( and newlines with one line', () => {
    for (const bad of ['', 'a\nb', '$(id)', '`id`', "o'neil", 'say "hi"', 'a\u0000b', 'tab\there', ' lead', 'trail ', 'x'.repeat(65), '<script>', 'a;b', 'x\u202ey']) {
      expect(refusal(() => assertViewerName(bad))).toMatch(/viewer/);
    }
  });
});

describe('dashboard-url', () => {
  it('is an http(s) URL without credentials, query or fragment, and global only', () => {
    expect(assertSettingValue('dashboard-url', 'https://dash.example.com')).toBe('https://dash.example.com');
    expect(assertSettingValue('dashboard-url', 'http://10.0.0.5:5000/')).toBe('http://10.0.0.5:5000/');
    for (const bad of ['ftp://x', 'javascript:alert(1)', 'https://u:p@x.example', 'https://x.example/?a=1', 'https://x.example/#f', 'https://a b', 'dash.example.com']) {
      const message = refusal(() => assertSettingValue('dashboard-url', bad));
      expect(message).not.toContain('u:p'); // a refused URL is not repeated: it may hold credentials
    }
    expect(refusal(() => assertSettingScope('dashboard-url', 'myapp'))).toMatch(/--global/);
    expect(() => assertSettingScope('dashboard-url', GLOBAL)).not.toThrow();
    expect(() => assertSettingScope('retention', 'myapp')).not.toThrow();
  });
});

describe('sessions', () => {
  it('store the hash of the secret, owner-only, and find the session by the secret', async () => {
    const { secret, session } = await createSession(root, { name: 'alice', role: 'deployer' }, t0);
    const files = allFiles(root);
    expect(files.map((file) => path.basename(file))).toEqual([`${sha256Hex(secret)}.json`]);
    expect(mode(files[0])).toBe(0o600);
    expect(fs.readFileSync(files[0], 'utf8')).not.toContain(secret);
    expect(session.id).toBe(sha256Hex(secret).slice(0, 12));
    expect(await touchSession(root, secret, at(1000))).toMatchObject({ name: 'alice', role: 'deployer', id: session.id });
    expect(await touchSession(root, undefined, at(1000))).toBeUndefined();
    expect(await touchSession(root, sha256Hex(secret), at(1000))).toBeUndefined();
  });

  it('expire after 12 hours idle, and a request within that keeps them alive', async () => {
    const { secret } = await createSession(root, { name: 'alice', role: 'deployer' }, t0);
    expect(await touchSession(root, secret, at(SESSION_IDLE_MS - 1000))).toBeDefined(); // seen: idle restarts
    expect(await touchSession(root, secret, at(2 * SESSION_IDLE_MS - 2000))).toBeDefined();
    expect(await touchSession(root, secret, at(3 * SESSION_IDLE_MS))).toBeUndefined();
    expect(await touchSession(root, secret, at(3 * SESSION_IDLE_MS + 1))).toBeUndefined();
    expect(allFiles(root)).toEqual([]);
  });

  it('write last-seen at most once a minute', async () => {
    const { secret } = await createSession(root, { name: 'alice', role: 'deployer' }, t0);
    const file = allFiles(root)[0];
    await touchSession(root, secret, at(LAST_SEEN_EVERY_MS - 1));
    expect(JSON.parse(fs.readFileSync(file, 'utf8')).last_seen).toBe(t0.toISOString());
    await touchSession(root, secret, at(LAST_SEEN_EVERY_MS));
    expect(JSON.parse(fs.readFileSync(file, 'utf8')).last_seen).toBe(at(LAST_SEEN_EVERY_MS).toISOString());
  });

  it('are listed without secrets, and revoked by id prefix or all', async () => {
    const a = await createSession(root, { name: 'alice', role: 'deployer' }, t0);
    const b = await createSession(root, { name: 'Bob', role: 'viewer' }, at(1000));
    const listed = listSessions(root, at(2000));
    expect(listed.map((s) => [s.name, s.role, s.id])).toEqual([['Bob', 'viewer', b.session.id], ['alice', 'deployer', a.session.id]]);
    expect(JSON.stringify(listed)).not.toContain(a.secret);
    expect(revokeSessions(root, { prefix: a.session.id.slice(0, 6) }).map((s) => s.name)).toEqual(['alice']);
    expect(await touchSession(root, a.secret, at(3000))).toBeUndefined();
    expect(await touchSession(root, b.secret, at(3000))).toBeDefined();
    expect(refusal(() => revokeSessions(root, { prefix: a.session.id }))).toMatch(/No dashboard session/);
    expect(revokeSessions(root, 'all').map((s) => s.name)).toEqual(['Bob']);
    expect(await touchSession(root, b.secret, at(4000))).toBeUndefined();
    expect(listSessions(root, at(4000))).toEqual([]);
  });

  it('an ambiguous prefix revokes nothing', async () => {
    const sessions = [];
    for (let i = 0; i < 20; i++) sessions.push(await createSession(root, { name: `u${i}`, role: 'viewer' }, t0));
    // 20 ids over 16 first digits: two share one
    const firsts = sessions.map((s) => s.session.id[0]);
    const shared = firsts.find((digit, index) => firsts.indexOf(digit) !== index)!;
    expect(refusal(() => revokeSessions(root, { prefix: shared }))).toMatch(/give more digits/);
    expect(listSessions(root, at(1))).toHaveLength(20);
  });

  it('a revoke that comes while a request refreshes last-seen still ends the session', async () => {
    const { secret, session } = await createSession(root, { name: 'alice', role: 'deployer' }, t0);
    const file = allFiles(root)[0];
    const stale = fs.readFileSync(file, 'utf8');
    revokeSessions(root, { prefix: session.id });
    // the refreshing request had read the session before the revoke and writes it back after
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, stale, { mode: 0o600 });
    expect(await touchSession(root, secret, at(LAST_SEEN_EVERY_MS + 1))).toBeUndefined();
    expect(fs.existsSync(file)).toBe(true); // the tombstone decides, whatever the file says
  });

  it('end on logout', async () => {
    const { secret } = await createSession(root, { name: 'alice', role: 'deployer' }, t0);
    endSession(root, secret);
    expect(await touchSession(root, secret, at(1))).toBeUndefined();
  });

  it('validate revoke ids', () => {
    for (const bad of ['', '../x', 'abc', 'ABCD', '$(id)', 'a\nbcd', '1'.repeat(65)]) refusal(() => assertSessionPrefix(bad));
    expect(assertSessionPrefix('abcd')).toBe('abcd');
  });
});

describe('CSRF tokens', () => {
  it('belong to one session: missing, wrong or another session\'s token is refused', async () => {
    const a = await createSession(root, { name: 'alice', role: 'deployer' }, t0);
    const b = await createSession(root, { name: 'bob', role: 'deployer' }, t0);
    expect(csrfTokenMatches(a.secret, csrfToken(a.secret))).toBe(true);
    expect(csrfTokenMatches(a.secret, undefined)).toBe(false);
    expect(csrfTokenMatches(a.secret, '')).toBe(false);
    expect(csrfTokenMatches(a.secret, csrfToken(b.secret))).toBe(false);
    expect(csrfTokenMatches(a.secret, csrfToken(a.secret).slice(1))).toBe(false);
    expect(csrfToken(a.secret)).not.toContain(a.secret);
  });
});
