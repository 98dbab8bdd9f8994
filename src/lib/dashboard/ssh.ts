import path from 'node:path';
import * as z from 'zod/mini';
import type { DokkuPaths } from '../dokku/env.js';
import type { SshIdentity } from '../dokku/ssh.js';
import { DASHBOARD_KEY_NAME } from '../identity/web-user.js';
import { UserError } from '../output/errors.js';
import { printable } from '../output/log.js';
import { Refusal } from './refusal.js';
import { isRepositoryUrl } from './github.js';
import { readSecretJson, writeSecretJson } from './secret-files.js';

// How the dashboard acts: every action is a Dokku command run over ssh to this host with the
// dashboard's own key, registered as Dokku's ssh key `ownstack-dashboard`, so the command goes
// through Dokku's forced command exactly as a person's would (locks, guards, approvals, history,
// notifications). `ownstack:dashboard:enable` makes the key pair, registers it, and writes the
// host's public keys and where its sshd is, all in the dashboard's own directory; the web process
// only reads them.

export { DASHBOARD_KEY_NAME };
/** The name the host's keys go under in known_hosts; ssh is told it with HostKeyAlias. */
export const HOST_KEY_ALIAS = 'ownstack-dokku-host';
export const DEFAULT_SSH_PORT = 22;

export interface SshFiles {
  dir: string;
  privateKey: string;
  knownHosts: string;
  target: string;
}

export function sshFiles(paths: Pick<DokkuPaths, 'dashboardRoot'>): SshFiles {
  const dir = path.join(paths.dashboardRoot, 'ssh');
  return { dir, privateKey: path.join(dir, 'id_ed25519'), knownHosts: path.join(dir, 'known_hosts'), target: path.join(dir, 'target.json') };
}

const Target = z.object({ user: z.string(), host: z.string(), port: z.number() });
export type SshTarget = z.infer<typeof Target>;

export function readSshTarget(paths: Pick<DokkuPaths, 'dashboardRoot'>): SshTarget | undefined {
  const target = readSecretJson(sshFiles(paths).target, Target);
  if (!target) return undefined;
  // Written by enable, but read by a web process: checked again, as every value that reaches ssh.
  if (!HOST.test(target.host) || !USER.test(target.user) || !Number.isInteger(target.port) || target.port < 1 || target.port > 65535) return undefined;
  return target;
}

export async function writeSshTarget(paths: Pick<DokkuPaths, 'dashboardRoot'>, target: SshTarget): Promise<void> {
  await writeSecretJson(sshFiles(paths).target, target);
}

const HOST = /^(?:[0-9]{1,3}(?:\.[0-9]{1,3}){3}|[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?)$/;
const USER = /^[a-z_][a-z0-9_-]{0,31}$/;

/** The `dashboard-ssh-host` setting: `host` or `host:port`; undefined when it is not valid. */
export function parseSshHost(value: string): { host: string; port: number } | undefined {
  const match = /^([^:]+)(?::([0-9]{1,5}))?$/.exec(value);
  if (!match || !HOST.test(match[1])) return undefined;
  const port = match[2] === undefined ? DEFAULT_SSH_PORT : Number(match[2]);
  if (port < 1 || port > 65535) return undefined;
  return { host: match[1], port };
}

export function validSshHostSetting(value: string): string | undefined {
  return parseSshHost(value) ? undefined : 'expected a host name or IPv4 address, optionally with :port';
}

export function assertSystemUser(user: string): string {
  if (!USER.test(user)) throw new UserError(`Invalid system user "${printable(user, 40)}" for the dashboard's ssh`);
  return user;
}

/** known_hosts lines for the host's public keys (`/etc/ssh/ssh_host_*_key.pub`), under the alias. */
export function knownHostsLines(publicKeys: string[]): string {
  const lines = publicKeys.flatMap((text) => {
    const [type, key] = text.trim().split(/\s+/);
    return type && key && /^[a-z0-9@.-]+$/.test(type) && /^[A-Za-z0-9+/=]+$/.test(key) ? [`${HOST_KEY_ALIAS} ${type} ${key}`] : [];
  });
  if (lines.length === 0) throw new UserError("No ssh host key found (/etc/ssh/ssh_host_*_key.pub): the dashboard could not check this host's sshd");
  return `${lines.join('\n')}\n`;
}

// Every word of a command the dashboard sends. Dokku's forced command re-parses the joined words
// (SSH_ORIGINAL_COMMAND), so each is checked to be one plain word that parsing leaves whole: no
// blanks, quotes, backslashes or shell characters, and never a leading dash where a name goes.
const WORD = /^[A-Za-z0-9][A-Za-z0-9._@+:=-]{0,127}$|^--[a-z][a-z-]{0,30}$/;

export function assertCommandWords(words: string[]): string[] {
  // A repository URL (the GitHub webhook's git:sync) is a word of its own strict shape (github.ts).
  for (const word of words) if (!WORD.test(word) && !isRepositoryUrl(word)) throw new Refusal(400, `Refused: "${printable(word, 40)}" cannot be sent as a Dokku argument`);
  return words;
}

/**
 * The dashboard's own key, and only this host's keys as enable wrote them down. Its commands share
 * one ssh connection (a new one costs ~0.2 s, most of what an action adds to the same command
 * typed on the host: BENCHMARKS.md), through a socket in its own ssh directory named by the target,
 * so a changed target never rides on the old connection.
 */
export function dashboardIdentity(files: SshFiles, target: SshTarget): SshIdentity {
  const name = controlSocketName(target);
  return {
    keyFiles: [files.privateKey],
    knownHostsFile: files.knownHosts,
    pinnedHostAlias: HOST_KEY_ALIAS,
    ...(name ? { control: { dir: files.dir, name } } : {}),
  };
}

// ssh binds the socket under its name plus 17 characters (`.` and 16 random ones) before renaming
// it into place, and a unix socket's path holds at most 107 bytes.
const SOCKET_NAME_MAX = 107 - 17;

/** The shared connection's socket, in the ssh directory; none (a connection per command) when too long. */
export function controlSocketName(target: SshTarget): string | undefined {
  // user, host and port are checked by readSshTarget: letters, digits, `.`, `_` and `-`, so no ssh `%` token
  const name = `mux-${target.user}@${target.host}-${target.port}`;
  return name.length <= SOCKET_NAME_MAX ? name : undefined;
}
