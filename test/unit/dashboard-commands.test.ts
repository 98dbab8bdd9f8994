import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { parseAddressList, parsePort } from '../../src/commands/dashboard/serve.js';
import { requestIsHttps } from '../../src/lib/dashboard/https.js';
import { signInBase } from '../../src/lib/dashboard/links.js';
import { consumeLogin } from '../../src/lib/dashboard/logins.js';
import { dokkuPaths, readDokkuEnv } from '../../src/lib/dokku/env.js';
import { createSession } from '../../src/lib/dashboard/sessions.js';
import { buildProgram } from '../../src/program.js';
import { refusal } from './support.js';

// The dashboard's CLI side: ownstack:dashboard:login, :sessions and :revoke through the real program.

let libRoot: string;
let saved: NodeJS.ProcessEnv;

beforeEach(() => {
  libRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'ownstack-dashboard-cli-'));
  saved = { ...process.env };
  Object.assign(process.env, { DOKKU_LIB_ROOT: libRoot, DOKKU_ROOT: path.join(libRoot, 'home'), SSH_NAME: 'alice' });
});
afterEach(() => {
  process.env = saved;
  vi.restoreAllMocks();
  fs.rmSync(libRoot, { recursive: true, force: true });
});

async function run(...args: string[]): Promise<{ stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((stdout += String(chunk)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((stderr += String(chunk)), true));
  try {
    await (await buildProgram()).parseAsync(['node', 'ownstack', ...args]);
  } finally {
    vi.restoreAllMocks();
  }
  return { stdout, stderr };
}

const dashboardRoot = () => path.join(libRoot, 'data', 'ownstack-dashboard');

describe('ownstack:dashboard:login', () => {
  it('refuses with one line saying how to set the URL, and writes nothing', async () => {
    await expect(run('ownstack:dashboard:login')).rejects.toThrow('The dashboard URL is not known: run dokku ownstack:dashboard:enable, or dokku ownstack:set --global dashboard-url https://<dashboard-host>');
    expect(fs.existsSync(dashboardRoot())).toBe(false);
  });

  it("takes the dashboard app's URL, as Dokku gives it when the link is minted, unless dashboard-url names one", async () => {
    const paths = () => dokkuPaths(readDokkuEnv({ DOKKU_LIB_ROOT: libRoot, DOKKU_ROOT: path.join(libRoot, 'home') }));
    expect(signInBase(paths(), 'http://dash.example.com:32768')).toBe('http://dash.example.com:32768');
    expect(signInBase(paths(), 'https://dash.example.com/')).toBe('https://dash.example.com');
    await run('ownstack:set', '--global', 'dashboard-url', 'https://proxy.example.com/');
    expect(signInBase(paths(), 'http://dash.example.com:32768')).toBe('https://proxy.example.com');
    await run('ownstack:set', '--global', 'dashboard-url', '');
    expect(refusal(() => signInBase(paths(), undefined))).toMatch(/^The dashboard URL is not known: run dokku ownstack:dashboard:enable/);
  });

  it('prints a link for the ssh key name, as a deployer, that signs in once', async () => {
    await run('ownstack:set', '--global', 'dashboard-url', 'https://dash.example.com/');
    const { stdout } = await run('ownstack:dashboard:login');
    const [step, url] = stdout.trim().split('\n');
    expect(step).toMatch(/^-----> Sign-in link for alice \(deployer\), usable once until \d{4}-\d\d-\d\dT/);
    expect(url).toMatch(/^https:\/\/dash\.example\.com\/login\/[A-Za-z0-9_-]{43}$/);
    const token = url.split('/').pop()!;
    expect(consumeLogin(dashboardRoot(), token, new Date())).toMatchObject({ name: 'alice', role: 'deployer' });
  });

  it('--viewer NAME --format json: a read-only link', async () => {
    await run('ownstack:set', '--global', 'dashboard-url', 'http://10.0.0.5:5000');
    const { stdout } = await run('ownstack:dashboard:login', '--viewer', 'Bob Smith', '--format', 'json');
    const printed = JSON.parse(stdout);
    expect(Object.keys(printed)).toEqual(['url', 'expires_at', 'name', 'role']);
    expect(printed).toMatchObject({ name: 'Bob Smith', role: 'viewer' });
    expect(printed.url).toMatch(/^http:\/\/10\.0\.0\.5:5000\/login\/[A-Za-z0-9_-]{43}$/);
    expect(Date.parse(printed.expires_at) - Date.now()).toBeGreaterThan(9 * 60 * 1000);
    await expect(run('ownstack:dashboard:login', '--viewer', '$(id)')).rejects.toThrow(/Invalid viewer name/);
  });
});

describe('ownstack:dashboard:sessions and :revoke', () => {
  it('list sessions without secrets and revoke them', async () => {
    const a = await createSession(dashboardRoot(), { name: 'alice', role: 'deployer' }, new Date());
    await createSession(dashboardRoot(), { name: 'Bob', role: 'viewer' }, new Date());
    const listed = JSON.parse((await run('ownstack:dashboard:sessions', '--format', 'json')).stdout);
    expect(listed.map((s: { name: string }) => s.name).sort()).toEqual(['Bob', 'alice']);
    expect(Object.keys(listed[0])).toEqual(['id', 'name', 'role', 'created_at', 'last_seen']);
    const table = (await run('ownstack:dashboard:sessions')).stdout;
    expect(table).toContain('=====> Dashboard sessions');
    expect(table).toMatch(/ID\s+NAME\s+ROLE\s+CREATED\s+LAST SEEN/);
    expect(table + JSON.stringify(listed)).not.toContain(a.secret);
    expect((await run('ownstack:dashboard:revoke', a.session.id)).stdout).toBe(`-----> Revoked 1 session: ${a.session.id} (alice)\n`);
    expect((await run('ownstack:dashboard:revoke', '--all')).stdout).toMatch(/^-----> Revoked 1 session: [0-9a-f]{12} \(Bob\)\n$/);
    expect((await run('ownstack:dashboard:sessions')).stdout).toContain('No one is signed in');
  });
});

describe('ownstack dashboard serve options', () => {
  it('port from --port, else $PORT, else 5000; addresses are IPs', () => {
    expect(parsePort(undefined, {})).toBe(5000);
    expect(parsePort(undefined, { PORT: '8080' })).toBe(8080);
    expect(parsePort('5001', { PORT: '8080' })).toBe(5001);
    for (const bad of ['0', '65536', '-1', '1e3', 'http', '']) refusal(() => parsePort(bad, {}));
    expect(parseAddressList('127.0.0.1,::1', 'x')).toEqual(['127.0.0.1', '::1']);
    for (const bad of ['localhost', '0.0.0.0;id', '', '1.2.3.4,']) refusal(() => parseAddressList(bad, 'x'));
  });
});

describe('https behind a proxy', () => {
  const trusted = new Set(['127.0.0.1', '::1']);
  it('counts X-Forwarded-Proto only from a trusted peer', () => {
    expect(requestIsHttps({ url: 'https://d.example/x', peer: '203.0.113.9', forwardedProto: undefined }, trusted)).toBe(true);
    expect(requestIsHttps({ url: 'http://d.example/x', peer: '127.0.0.1', forwardedProto: 'https' }, trusted)).toBe(true);
    expect(requestIsHttps({ url: 'http://d.example/x', peer: '203.0.113.9', forwardedProto: 'https' }, trusted)).toBe(false);
    expect(requestIsHttps({ url: 'http://d.example/x', peer: undefined, forwardedProto: 'https' }, trusted)).toBe(false);
    expect(requestIsHttps({ url: 'http://d.example/x', peer: '127.0.0.1', forwardedProto: 'http' }, trusted)).toBe(false);
  });
});
