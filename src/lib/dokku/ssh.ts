import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Context } from '../context.js';
import { UserError } from '../output/errors.js';
import { printable } from '../output/log.js';
import type { StackAddress } from '../stacks/model.js';

// The only module that runs ssh. A remote Dokku is reached as its users reach it:
// `ssh dokku@host <command…>`, answered by the forced command sshcommand installed, which joins
// the words and splits them again with xargs. So no shell string is ever built here: the words
// are an argument array for ssh, and each must be one that xargs leaves exactly as it is (every
// word we send is a validated name, number, option or image reference anyway). Bulk data (a
// Procfile, an app.json) travels on standard input, never on the command line.

/** Seconds to wait for a stack to answer before calling it unreachable (ssh's ConnectTimeout). */
export const SSH_CONNECT_TIMEOUT_SECONDS = 10;
/** A connection that stops answering is dropped after this many seconds (ServerAlive*). */
export const SSH_SILENCE_LIMIT_SECONDS = 15;

const SAFE_WORD = /^[A-Za-z0-9._:/@=+,-]{1,512}$/;

export function assertRemoteWords(words: string[]): string[] {
  for (const word of words) {
    if (!SAFE_WORD.test(word)) throw new UserError(`Refusing to send "${printable(word)}" to a remote Dokku: only letters, digits and . _ : / @ = + , - travel over ssh`);
  }
  return words;
}

/** The Dokku user's own keys and known hosts: $DOKKU_ROOT/.ssh is its home's .ssh on a real host. */
export function sshDirectory(ctx: Context): string {
  return path.join(ctx.env.dokkuRoot, '.ssh');
}

/** Whose keys ssh offers, and how it checks the host it reaches. */
export interface SshIdentity {
  keyFiles: string[];
  knownHostsFile: string;
  /**
   * Stacks: trust a host's key on first use, then insist on it. The dashboard: one host whose keys
   * enable wrote down under this alias, and nothing else trusted (no config file, no system known
   * hosts, no inherited ssh environment: its container has none of its own to rely on).
   */
  pinnedHostAlias?: string;
  /**
   * Share one connection between the commands to this address (OpenSSH's ControlMaster): the first
   * command opens it, later ones ride on it, and it closes after a minute unused. The dashboard's
   * actions and reads go to one host, and a new connection is most of what an action adds. The
   * socket is `name` in `dir`, which ssh is started in, so the socket's path is short (a unix
   * socket's path holds at most 107 bytes, whatever the directory's).
   */
  control?: { dir: string; name: string };
}

/** How long a shared connection stays open unused (ControlPersist). */
export const SSH_CONTROL_PERSIST_SECONDS = 60;

/** The Dokku user's own keys and known hosts, as stacks are reached. */
export function stackIdentity(ctx: Context): SshIdentity {
  const dir = sshDirectory(ctx);
  return {
    keyFiles: ['id_ed25519', 'id_ecdsa', 'id_rsa'].map((name) => path.join(dir, name)).filter((file) => fs.existsSync(file)),
    knownHostsFile: path.join(dir, 'known_hosts'),
  };
}

export function sshArgv(ctx: Context, address: StackAddress, words: string[]): string[] {
  return sshArgvFor(stackIdentity(ctx), address, words);
}

export function sshArgvFor(identity: SshIdentity, address: StackAddress, words: string[]): string[] {
  const pinned = identity.pinnedHostAlias;
  return [
    ...(pinned ? ['-F', '/dev/null'] : []),
    '-o', 'BatchMode=yes',
    '-o', `ConnectTimeout=${SSH_CONNECT_TIMEOUT_SECONDS}`,
    '-o', 'ServerAliveInterval=5',
    '-o', `ServerAliveCountMax=${SSH_SILENCE_LIMIT_SECONDS / 5}`,
    // Trust on first use, then insist on the same host key; or only the key written down.
    '-o', `StrictHostKeyChecking=${pinned ? 'yes' : 'accept-new'}`,
    '-o', `UserKnownHostsFile=${identity.knownHostsFile}`,
    ...(pinned ? ['-o', 'GlobalKnownHostsFile=/dev/null', '-o', `HostKeyAlias=${pinned}`] : []),
    ...(identity.control
      ? ['-o', 'ControlMaster=auto', '-o', `ControlPath=${identity.control.name}`, '-o', `ControlPersist=${SSH_CONTROL_PERSIST_SECONDS}`]
      : []),
    '-o', 'LogLevel=ERROR',
    ...(identity.keyFiles.length > 0 ? ['-o', 'IdentitiesOnly=yes', ...identity.keyFiles.flatMap((file) => ['-i', file])] : []),
    '-p', String(address.port),
    '-l', address.user,
    '--', address.host,
    ...assertRemoteWords(words),
  ];
}

export type RemoteFailure = 'unreachable' | 'refused' | 'lost';

/** What exactly happened, within a RemoteFailure: what the one line says. */
export type RemoteFailureCause =
  | 'connection-refused'
  | 'timed-out'
  | 'unresolved'
  | 'no-route'
  | 'closed-before-ssh'
  | 'key-refused'
  | 'host-key-changed'
  | 'no-ssh-client'
  | 'other';

export interface RemoteRun {
  exitCode: number;
  /** Standard output and error, in order. */
  output: string;
  stdout: string;
  /** keepLastBytes dropped the start of standard output. */
  stdoutCut?: boolean;
  /** Set when ssh itself failed (exit 255): what went wrong, for one clear line. */
  failure?: RemoteFailure;
  failureCause?: RemoteFailureCause;
  failureText?: string;
}

/** Classifies ssh's own exit 255 by its message (ssh's wording, which OpenSSH has kept for years). */
export function classifySshFailure(stderr: string): { failure: RemoteFailure; cause: RemoteFailureCause; text: string } {
  const line = stderr.split('\n').map((entry) => entry.trim()).filter(Boolean).pop() ?? 'ssh failed';
  const rules: Array<[RegExp, RemoteFailure, RemoteFailureCause]> = [
    [/REMOTE HOST IDENTIFICATION HAS CHANGED|Host key for .* has changed|Host key verification failed/i, 'refused', 'host-key-changed'],
    [/Permission denied/i, 'refused', 'key-refused'],
    [/Connection refused/i, 'unreachable', 'connection-refused'],
    [/timed out/i, 'unreachable', 'timed-out'],
    [/Could not resolve|Name or service not known|Temporary failure in name resolution/i, 'unreachable', 'unresolved'],
    [/No route to host|Network is unreachable/i, 'unreachable', 'no-route'],
    [/Connection closed by .* port [0-9]+$|kex_exchange_identification|Connection reset by peer/im, 'unreachable', 'closed-before-ssh'],
  ];
  const match = rules.find(([pattern]) => pattern.test(stderr));
  return match ? { failure: match[1], cause: match[2], text: line } : { failure: 'lost', cause: 'other', text: line };
}

export interface RemoteOptions {
  stdin?: string;
  onLine?: (line: string) => void;
  /**
   * Keep standard input open after `stdin` until the remote command ends: the remote side of a
   * deploy takes its end as our hanging up (ownstack:deploy-image --abandon-on-hangup).
   */
  holdStdinOpen?: boolean;
  /** Hang up after this long (a read that must not hold a web page). */
  timeoutMs?: number;
  /** Keep only the last this many bytes of each of stdout and all output (a log may be large). */
  keepLastBytes?: number;
}

/** A Dokku command on a stack, with the Dokku user's keys. */
export function runRemote(ctx: Context, address: StackAddress, words: string[], options: RemoteOptions = {}): Promise<RemoteRun> {
  return runSsh(stackIdentity(ctx), address, words, options);
}

export async function runSsh(identity: SshIdentity, address: StackAddress, words: string[], options: RemoteOptions = {}): Promise<RemoteRun> {
  const argv = sshArgvFor(identity, address, words);
  // A pinned identity inherits nothing: ssh finds no agent, config or home of the caller's.
  const env = identity.pinnedHostAlias ? { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: '/nonexistent' } : undefined;
  const child = spawn('ssh', argv, { stdio: ['pipe', 'pipe', 'pipe'], env, cwd: identity.control?.dir });
  const timer = options.timeoutMs === undefined ? undefined : setTimeout(() => child.kill('SIGTERM'), options.timeoutMs);
  const all: Buffer[] = [];
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  let stdoutCut = false;
  const keep = (chunks: Buffer[], chunk: Buffer): boolean => {
    chunks.push(chunk);
    const cap = options.keepLastBytes;
    if (cap === undefined) return false;
    let total = chunks.reduce((sum, kept) => sum + kept.length, 0);
    if (total <= cap) return false;
    while (total - chunks[0].length >= cap) total -= chunks.shift()!.length;
    if (total > cap) chunks[0] = chunks[0].subarray(total - cap);
    return true;
  };
  const forward = (stream: NodeJS.ReadableStream, sink: Buffer[]) => {
    let pending = '';
    stream.on('data', (chunk: Buffer) => {
      keep(all, chunk);
      if (keep(sink, chunk) && sink === out) stdoutCut = true;
      pending += chunk.toString('utf8');
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) options.onLine?.(line);
    });
    stream.on('end', () => {
      if (pending) options.onLine?.(pending);
    });
  };
  forward(child.stdout, out);
  forward(child.stderr, err);
  child.stdin.on('error', () => undefined); // the remote may close it early; its exit says why
  if (options.holdStdinOpen) child.stdin.write(options.stdin ?? '');
  else child.stdin.end(options.stdin ?? '');
  let killedBy: NodeJS.Signals | null = null;
  const exitCode = await new Promise<number>((resolve) => {
    child.on('error', () => resolve(127));
    child.on('close', (code, signal) => {
      killedBy = signal;
      resolve(code ?? 255);
    });
  });
  if (timer) clearTimeout(timer);
  child.stdin.destroy();
  const run: RemoteRun = { exitCode, output: Buffer.concat(all).toString('utf8'), stdout: Buffer.concat(out).toString('utf8') };
  if (stdoutCut) run.stdoutCut = true;
  if (exitCode === 255 || exitCode === 127) {
    const classified = exitCode === 127
      ? { failure: 'unreachable' as const, cause: 'no-ssh-client' as const, text: 'ssh is not installed on this host' }
      : killedBy
        ? { failure: 'lost' as const, cause: 'other' as const, text: `ssh was killed by ${killedBy}` }
        : classifySshFailure(Buffer.concat(err).toString('utf8'));
    run.failure = classified.failure;
    run.failureCause = classified.cause;
    run.failureText = classified.text;
  }
  return run;
}
