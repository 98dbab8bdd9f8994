import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createContext } from '../../src/lib/context.js';
import { assertRemoteWords, classifySshFailure, sshArgv } from '../../src/lib/dokku/ssh.js';
import { addStackTo, emptyStacks, formatAddress, parseAppRef, parseStackAddress, removeStackFrom } from '../../src/lib/stacks/model.js';
import { currentFromInfo } from '../../src/lib/stacks/status.js';
import { remoteFailureLine } from '../../src/lib/stacks/remote.js';
import { parseFiles, parsePromotedFrom, encodeFiles } from '../../src/lib/deploy/promotion-request.js';

describe('stack addresses', () => {
  it.each([
    ['dokku@prod.example.com', { user: 'dokku', host: 'prod.example.com', port: 22 }],
    ['dokku@10.0.0.5:2222', { user: 'dokku', host: '10.0.0.5', port: 2222 }],
    ['deploy_1@localhost:22', { user: 'deploy_1', host: 'localhost', port: 22 }],
  ])('reads %s', (raw, expected) => {
    expect(parseStackAddress(raw)).toEqual(expected);
  });
  it.each(['prod.example.com', 'dokku@', '@host', 'dokku@-oProxyCommand=id', 'dokku@host:0', 'dokku@host:70000', 'dokku@host:22x', 'Dokku@host', 'dokku@ho st', 'dokku@host;id', 'dokku@$(id)', 'dokku@host\nx', 'a@b@c', "dokku@'h'"])('refuses %j in one line', (raw) => {
    expect(() => parseStackAddress(raw)).toThrow(/^Invalid stack address "[^\n]*$/);
  });
  it('formats the default port away', () => {
    expect(formatAddress({ user: 'dokku', host: 'h.example.com', port: 22 })).toBe('dokku@h.example.com');
    expect(formatAddress({ user: 'dokku', host: 'h.example.com', port: 2222 })).toBe('dokku@h.example.com:2222');
  });
  it('adds and removes stacks by name, refusing duplicates and unknown ones', () => {
    const one = addStackTo(emptyStacks(), 'prod', parseStackAddress('dokku@p.example.com'), 'now');
    expect(() => addStackTo(one, 'prod', parseStackAddress('dokku@q.example.com'), 'now')).toThrow(/already exists/);
    expect(removeStackFrom(one, 'prod').stacks).toEqual([]);
    expect(() => removeStackFrom(one, 'nope')).toThrow(/does not exist/);
  });
});

describe('<app>@<stack>', () => {
  it('reads a local app or an app on a stack', () => {
    expect(parseAppRef('web')).toEqual({ app: 'web' });
    expect(parseAppRef('web@prod-eu')).toEqual({ app: 'web', stack: 'prod-eu' });
  });
  it.each(['web@', '@prod', 'web@prod@x', 'Web@prod', 'web@../x', 'web@$(id)'])('refuses %j', (raw) => {
    expect(() => parseAppRef(raw)).toThrow(/Invalid|Please specify/);
  });
});

describe('the ssh seam', () => {
  const ctx = createContext({ DOKKU_ROOT: '/nonexistent-dokku-root', DOKKU_LIB_ROOT: '/nonexistent-lib' });
  it('passes the remote command as separate words after the destination, never as one string', () => {
    const argv = sshArgv(ctx, { user: 'dokku', host: 'b.example.com', port: 2222 }, ['ownstack:deploy-image', 'web', 'r.example.com/a@sha256:' + 'a'.repeat(64)]);
    const at = argv.indexOf('--');
    expect(argv.slice(at)).toEqual(['--', 'b.example.com', 'ownstack:deploy-image', 'web', 'r.example.com/a@sha256:' + 'a'.repeat(64)]);
    expect(argv).toEqual(expect.arrayContaining(['-p', '2222', '-l', 'dokku', '-o', 'BatchMode=yes', '-o', 'ConnectTimeout=10']));
  });
  it.each(['a b', '$(id)', '`id`', "it's", 'a"b', 'a;b', 'a|b', 'a\nb', 'a\\b', '', '*', 'a>b'])('refuses to send %j', (word) => {
    expect(() => assertRemoteWords(['apps:exists', word])).toThrow(/^Refusing to send/);
  });
  it('tells an unreachable host from a refused key and a lost connection', () => {
    expect(classifySshFailure('ssh: connect to host 127.0.0.1 port 2222: Connection refused\n').failure).toBe('unreachable');
    expect(classifySshFailure('ssh: connect to host 10.9.9.9 port 22: Connection timed out\n').failure).toBe('unreachable');
    expect(classifySshFailure('dokku@127.0.0.1: Permission denied (publickey).\n').failure).toBe('refused');
    expect(classifySshFailure('Connection to 127.0.0.1 closed by remote host.\n').failure).toBe('lost');
  });
  it('says what happened: refused, timed out, key refused, host key changed', () => {
    const stack = { name: 'b', user: 'dokku', host: 'b.example.com', port: 2222, added_at: 'now' };
    const line = (stderr: string) => {
      const classified = classifySshFailure(stderr);
      return remoteFailureLine(ctx, stack, { exitCode: 255, output: stderr, stdout: '', failure: classified.failure, failureCause: classified.cause, failureText: classified.text });
    };
    expect(line('ssh: connect to host b.example.com port 2222: Connection refused\n')).toBe(
      'stack b (dokku@b.example.com:2222) refused the connection (nothing accepts ssh on that port): ssh: connect to host b.example.com port 2222: Connection refused',
    );
    expect(line('Connection timed out during banner exchange\nConnection to 10.0.0.1 port 2222 timed out\n')).toBe(
      'stack b (dokku@b.example.com:2222) is unreachable (no answer within 10s): Connection to 10.0.0.1 port 2222 timed out',
    );
    expect(line('ssh: Could not resolve hostname b.example.com: Name or service not known\n')).toMatch(/^stack b \(dokku@b.example.com:2222\) is unreachable \(its name does not resolve\): /);
    expect(line('ssh: connect to host 10.9.9.9 port 2222: No route to host\n')).toMatch(/is unreachable \(no route to it\)/);
    expect(line('kex_exchange_identification: Connection closed by remote host\n')).toMatch(/closed the connection before ssh began/);
    expect(line('dokku@b.example.com: Permission denied (publickey).\n')).toMatch(/^stack b \(dokku@b.example.com:2222\) refused this host's ssh key: on b.example.com, run `dokku ssh-keys:add /);
    const changed = '@@@@@@@@@@@\n@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @\nHost key for [b.example.com]:2222 has changed and you have requested strict checking.\nHost key verification failed.\n';
    expect(line(changed)).toBe(
      "stack b (dokku@b.example.com:2222) shows another ssh host key than the one this host first saw: if b.example.com was reinstalled, run `ssh-keygen -R '[b.example.com]:2222' -f /nonexistent-dokku-root/.ssh/known_hosts` as dokku; if not, something is in between",
    );
    expect(classifySshFailure(changed)).toMatchObject({ failure: 'refused', cause: 'host-key-changed' });
  });
  it("shows another host's error line as it reads, but with no control character a terminal would act on", () => {
    const stack = { name: 'b', user: 'dokku', host: 'b.example.com', port: 2222, added_at: 'now' };
    const output = ' !     App "web" \u001b[2J\u001b]0;owned\u0007gone\u009b1m\u007f\tend\n';
    expect(remoteFailureLine(ctx, stack, { exitCode: 1, output, stdout: '' })).toBe(
      'stack b (dokku@b.example.com:2222): App "web" \\u001b[2J\\u001b]0;owned\\u0007gone\\u009b1m\\u007f\tend',
    );
  });
  it('is the only place that runs ssh', () => {
    const root = path.resolve(__dirname, '../../src');
    const files = (dir: string): string[] => fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
      entry.isDirectory() ? files(path.join(dir, entry.name)) : [path.join(dir, entry.name)]);
    // By name, or by a path looked up or written out (the dashboard's image copies the client, so
    // lib/dokku/dashboard-app.ts may look it up, but runs nothing with it).
    const spawnsSsh = files(root).filter((file) => {
      const text = fs.readFileSync(file, 'utf8');
      return /\b(spawn|spawnSync|execa|execaSync|runProgram|execFile)\(\s*('ssh'|ssh\b|'\/usr\/bin\/ssh')/.test(text);
    });
    expect(spawnsSsh.map((file) => path.relative(root, file))).toEqual(['lib/dokku/ssh.ts']);
  });
});

describe('what a receiving host accepts', () => {
  it('reads --promoted-from and refuses anything else in one line', () => {
    expect(parsePromotedFrom('web-staging@host-a.example.com/v12')).toEqual({ app: 'web-staging', host: 'host-a.example.com', id: 12 });
    for (const raw of ['web@host/12', 'web/v1', '$(id)@h/v1', 'web@h/v0', 'web@h/v1;id', 'web@-h/v1']) {
      expect(() => parsePromotedFrom(raw)).toThrow(/^Invalid --promoted-from "[^\n]*$/);
    }
  });
  it('takes the Procfile and app.json as JSON, and nothing else', () => {
    const files = { procfile: 'web: x\n', appJson: null };
    expect(parseFiles(encodeFiles(files))).toEqual(files);
    for (const text of ['', 'nope', '{"procfile": 1, "app_json": null}', '{"procfile": null}', '{"procfile": null, "app_json": null, "env": "x"}']) {
      expect(() => parseFiles(text)).toThrow(/Standard input/);
    }
    expect(() => parseFiles(JSON.stringify({ procfile: 'x'.repeat(1024 * 1024 + 1), app_json: null }))).toThrow(/over/);
  });
  it('reads a remote ownstack:info answer', () => {
    // an older stack's answer names no kind, who or time
    expect(currentFromInfo({ current: { id: 4, git_sha: 'abc', status: 'succeeded' } })).toEqual({ id: 4, git_sha: 'abc', status: 'succeeded', kind: null, who: null, started_at: null });
    expect(currentFromInfo({ current: { id: 4, git_sha: null, display_status: 'expired', status: 'succeeded', kind: 'promote', who: 'ann', started_at: '2026-03-01T11:00:00.000Z' } })).toEqual({
      id: 4, git_sha: null, status: 'expired', kind: 'promote', who: 'ann', started_at: '2026-03-01T11:00:00.000Z',
    });
    expect(currentFromInfo({ current: null })).toBeNull();
  });
});
