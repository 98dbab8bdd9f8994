import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runSsh } from '../../src/lib/dokku/ssh.js';
import { inertLines } from '../../src/lib/stacks/deploy-log.js';

// `ownstack:deploy-log <app>@<stack>`: what is kept of another stack's log, and how it is shown.
// The ssh client here is a stand-in on PATH that prints a long log (the real path is in
// test/e2e/dashboard-app.bats, over this host's sshd).

describe('a long answer over ssh, with keepLastBytes', () => {
  let dir: string;
  let savedPath: string | undefined;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ownstack-ssh-'));
    // 3 MiB of "a", then a last line
    fs.writeFileSync(path.join(dir, 'ssh'), "#!/bin/sh\nhead -c 3145728 /dev/zero | tr '\\000' a\nprintf '\\nthe end\\n'\n", { mode: 0o755 });
    savedPath = process.env.PATH;
    process.env.PATH = `${dir}:${savedPath}`;
  });
  afterEach(() => {
    process.env.PATH = savedPath;
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const identity = { keyFiles: [], knownHostsFile: '/dev/null' };
  const address = { user: 'dokku', host: 'example.invalid', port: 22 };

  it('keeps the last bytes of stdout and says it cut them', async () => {
    const run = await runSsh(identity, address, ['ownstack:deploy-log', 'web', '2'], { keepLastBytes: 1024 * 1024 });
    expect(run.exitCode).toBe(0);
    expect(run.stdoutCut).toBe(true);
    expect(run.stdout).toHaveLength(1024 * 1024);
    expect(run.stdout.endsWith('aaaa\nthe end\n')).toBe(true);
    expect(run.output).toHaveLength(1024 * 1024);
  });

  it('keeps everything without it', async () => {
    const run = await runSsh(identity, address, ['ownstack:deploy-log', 'web', '2']);
    expect(run.stdoutCut).toBeUndefined();
    expect(run.stdout).toHaveLength(3 * 1024 * 1024 + '\nthe end\n'.length);
  });
});

describe('inertLines', () => {
  it('escapes every control character but tab and newline, line by line', () => {
    expect(inertLines('one\n\u001b[31mred\u001b[0m\ttab\r\n\u009b2J\u2028x\n')).toBe('one\n\\u001b[31mred\\u001b[0m\ttab\\u000d\n\\u009b2J\\u2028x\n');
  });
});
