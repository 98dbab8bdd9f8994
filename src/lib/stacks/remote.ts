import os from 'node:os';
import path from 'node:path';
import type { Context } from '../context.js';
import { runRemote, SSH_CONNECT_TIMEOUT_SECONDS, sshDirectory, type RemoteFailureCause, type RemoteRun } from '../dokku/ssh.js';
import { lastErrorLine, UserError } from '../output/errors.js';
import { controlsEscaped, log } from '../output/log.js';
import { assertAppExists } from '../context.js';
import { assertValidAppName } from '../dokku/validate.js';
import { assertStackExists, assertStackName, formatAddress, formatAppRef, type Stack } from './model.js';
import { readStacks } from './store.js';
import { parseVersionAnswer } from './versions.js';
import type { SchemaVersions } from '../schema-version.js';

// What a stack's answer means, in one line a user can act on.

export function remoteFailureLine(ctx: Context, stack: Stack, run: RemoteRun): string {
  const where = `stack ${stack.name} (${formatAddress(stack)})`;
  switch (run.failure) {
    case 'unreachable':
      return `${where} ${unreachableWhy(run)}: ${controlsEscaped(run.failureText ?? '')}`;
    case 'refused':
      if (run.failureCause === 'host-key-changed') {
        const known = formatKnownHost(stack);
        return `${where} shows another ssh host key than the one this host first saw: if ${stack.host} was reinstalled, run \`ssh-keygen -R '${known}' -f ${path.join(sshDirectory(ctx), 'known_hosts')}\` as dokku; if not, something is in between`;
      }
      return `${where} refused this host's ssh key: on ${stack.host}, run \`dokku ssh-keys:add ${hostLabel()} <key>\` with ${path.join(sshDirectory(ctx), 'id_ed25519.pub')} of this host`;
    case 'lost':
      return `lost the connection to ${where}: ${controlsEscaped(run.failureText ?? '')}`;
    default: {
      const last = lastErrorLine(run.output);
      if (/is not a dokku command/.test(run.output)) return `${where} answers, but ownstack is not installed there`;
      return `${where}: ${last ?? `exited with code ${run.exitCode}`}`;
    }
  }
}

/** Why a stack is unreachable, as plainly as ssh let us tell. */
function unreachableWhy(run: RemoteRun): string {
  switch (run.failureCause) {
    case 'connection-refused':
      return 'refused the connection (nothing accepts ssh on that port)';
    case 'timed-out':
      return `is unreachable (no answer within ${SSH_CONNECT_TIMEOUT_SECONDS}s)`;
    case 'unresolved':
      return 'is unreachable (its name does not resolve)';
    case 'no-route':
      return 'is unreachable (no route to it)';
    case 'closed-before-ssh':
      return 'closed the connection before ssh began';
    default:
      return 'is unreachable';
  }
}

/** The name ssh gives the host in known_hosts: `host`, or `[host]:port` off port 22. */
function formatKnownHost(stack: Stack): string {
  return stack.port === 22 ? stack.host : `[${stack.host}]:${stack.port}`;
}

/** This host's name, as another host may call it in its history. */
export function hostLabel(): string {
  const name = os.hostname().toLowerCase();
  return /^[a-z0-9][a-z0-9.-]{0,252}$/.test(name) ? name : 'unknown-host';
}

export interface StackCheck {
  stack: string;
  address: string;
  status: 'ok' | 'unreachable' | 'refused' | 'failed';
  /** What exactly ssh met (RemoteFailureCause: timed-out, connection-refused, key-refused, host-key-changed, …); null when it answered. */
  cause: RemoteFailureCause | null;
  ownstack_version: string | null;
  /** The commit its ownstack was built from; null before 0.2.0 or when it did not answer. */
  ownstack_commit: string | null;
  /** The newest format of each file it reads; null when it did not answer. */
  schema_versions: SchemaVersions | null;
  message: string | null;
}

export async function checkStack(ctx: Context, stack: Stack): Promise<StackCheck> {
  const run = await runRemote(ctx, stack, ['ownstack:version', '--format', 'json']);
  const base = { stack: stack.name, address: formatAddress(stack) };
  const answer = run.exitCode === 0 ? parseVersionAnswer(run.stdout) : undefined;
  if (answer) {
    return { ...base, status: 'ok', cause: null, ownstack_version: answer.version, ownstack_commit: answer.commit, schema_versions: answer.schema_versions, message: null };
  }
  const status = run.failure === 'unreachable' ? 'unreachable' : run.failure === 'refused' ? 'refused' : 'failed';
  return { ...base, status, cause: run.failureCause ?? null, ownstack_version: null, ownstack_commit: null, schema_versions: null, message: remoteFailureLine(ctx, stack, run) };
}

/** The app exists on the stack (Dokku's `apps:exists`); refuses with one line otherwise. */
export async function assertRemoteAppExists(ctx: Context, stack: Stack, app: string): Promise<void> {
  const run = await runRemote(ctx, stack, ['apps:exists', app]);
  if (run.exitCode === 0) return;
  if (run.failure) throw new UserError(`Cannot check that ${app} exists on ${remoteFailureLine(ctx, stack, run)}`);
  throw new UserError(`App ${app} does not exist on stack ${stack.name} (${formatAddress(stack)})`);
}

/**
 * A pipeline member from the command line: an existing app of this host, or with a stack, an app
 * that exists on that stack (asked over ssh), named `<app>@<stack>`.
 */
export async function assertPipelineMember(ctx: Context, appArg: string | undefined, stackArg: string | undefined): Promise<string> {
  if (stackArg === undefined) return assertAppExists(ctx, appArg);
  const app = assertValidAppName(appArg);
  const stack = assertStackExists(readStacks(ctx.paths), assertStackName(stackArg));
  await assertRemoteAppExists(ctx, stack, app);
  return formatAppRef({ app, stack: stack.name });
}

export interface RemoteReleaseResult {
  ok: boolean;
  record?: { id: number; phase: string; reason: null };
  reason?: string;
}

/**
 * An ownstack command that releases on a stack (deploy-image, rollback), its output streamed back
 * with PREFIX, turned into a target's outcome: the new release's ID from the command's closing
 * `… is now on vN` line, or the one line that says why it failed.
 */
export async function runRemoteRelease(
  ctx: Context,
  stack: Stack,
  words: string[],
  prefix: string,
  options: { stdin?: string; holdStdinOpen?: boolean } = {},
): Promise<RemoteReleaseResult> {
  const run = await runRemote(ctx, stack, words, { ...options, onLine: (line) => log.out(`${prefix}${line}`) });
  if (run.exitCode === 0) {
    const id = /is now on v([0-9]+)/.exec(run.output)?.[1];
    return { ok: true, record: id ? { id: Number(id), phase: 'postdeploy', reason: null } : undefined };
  }
  if (run.failure === 'lost' && options.holdStdinOpen) {
    // The stack saw us go: before the traffic switch it abandoned the deploy, after it finished it.
    return { ok: false, reason: `${remoteFailureLine(ctx, stack, run)}; its history says whether the deploy was abandoned or finished` };
  }
  return { ok: false, reason: run.failure ? remoteFailureLine(ctx, stack, run) : (lastErrorLine(run.output) ?? `${words[0]} exited with code ${run.exitCode}`) };
}
