import type { Context } from '../context.js';
import { runRemote } from '../dokku/ssh.js';
import { appsOf, type Pipeline } from '../pipelines/model.js';
import { openStore } from '../releases/store.js';
import { touchStore } from '../releases/trigger-support.js';
import { parseAppRef, type Stack } from './model.js';
import { remoteFailureLine } from './remote.js';
import { readStacks } from './store.js';

// Where every app of a pipeline stands, on this host and on every stack at once: its current
// release, SHA and status. A stack that does not answer within the ssh timeout is marked
// unreachable; the others are not held up by it.

export interface MemberStatus {
  app: string;
  stack: string | null;
  stage: string;
  reachable: boolean;
  /** kind, who and started_at are null from a stack whose ownstack did not say. */
  current: { id: number; git_sha: string | null; status: string; kind: string | null; who: string | null; started_at: string | null } | null;
  error: string | null;
}

interface InfoAnswer {
  current?: {
    id?: unknown;
    version?: unknown;
    git_sha?: unknown;
    status?: unknown;
    display_status?: unknown;
    kind?: unknown;
    who?: unknown;
    started_at?: unknown;
  } | null;
}

export function currentFromInfo(json: InfoAnswer): MemberStatus['current'] {
  const current = json.current;
  if (!current) return null;
  const id = typeof current.id === 'number' ? current.id : typeof current.version === 'number' ? current.version : undefined;
  if (id === undefined) return null;
  const status = typeof current.display_status === 'string' ? current.display_status : typeof current.status === 'string' ? current.status : 'unknown';
  const text = (value: unknown) => (typeof value === 'string' ? value : null);
  return { id, git_sha: text(current.git_sha), status, kind: text(current.kind), who: text(current.who), started_at: text(current.started_at) };
}

async function localStatus(ctx: Context, app: string, stage: string): Promise<MemberStatus> {
  const base = { app, stack: null, stage };
  try {
    const store = openStore(ctx, app).exists() ? await touchStore(ctx, app) : undefined;
    const id = store?.currentId();
    const record = id !== undefined ? store?.get(id) : undefined;
    return { ...base, reachable: true, current: record
        ? { id: record.id, git_sha: record.git_sha, status: record.status, kind: record.kind, who: record.who, started_at: record.started_at }
        : null, error: null };
  } catch (error) {
    return { ...base, reachable: true, current: null, error: (error as Error).message.split('\n')[0] };
  }
}

async function remoteStatus(ctx: Context, app: string, stack: Stack | undefined, stackName: string, stage: string): Promise<MemberStatus> {
  const base = { app, stack: stackName, stage };
  if (!stack) return { ...base, reachable: false, current: null, error: `stack ${stackName} is not known here (stacks:add)` };
  const run = await runRemote(ctx, stack, ['ownstack:info', app, '--format', 'json']);
  if (run.exitCode !== 0) {
    return { ...base, reachable: !run.failure || run.failure === 'lost', current: null, error: remoteFailureLine(ctx, stack, run) };
  }
  try {
    return { ...base, reachable: true, current: currentFromInfo(JSON.parse(run.stdout.trim()) as InfoAnswer), error: null };
  } catch {
    return { ...base, reachable: true, current: null, error: `stack ${stackName} gave an answer that is not JSON` };
  }
}

export async function pipelineStatus(ctx: Context, pipeline: Pipeline): Promise<MemberStatus[]> {
  return membersStatus(ctx, appsOf(pipeline));
}

/** The same for some members (`<app>` or `<app>@<stack>`), e.g. a promotion's targets. */
export async function membersStatus(ctx: Context, members: { app: string; stage: string }[]): Promise<MemberStatus[]> {
  const stacks = members.some(({ app }) => parseAppRef(app).stack) ? readStacks(ctx.paths).stacks : [];
  return Promise.all(
    members.map(({ app: member, stage }) => {
      const { app, stack } = parseAppRef(member);
      if (!stack) return localStatus(ctx, app, stage);
      return remoteStatus(ctx, app, stacks.find((candidate) => candidate.name === stack), stack, stage);
    }),
  );
}

/** One line per app: `web@prod  production  v12 abc1234 succeeded`, or why it is unknown. */
export function statusLine(status: MemberStatus, width: number): string {
  const name = status.stack ? `${status.app}@${status.stack}` : status.app;
  const what = status.error
    ? (status.reachable ? status.error : `unreachable: ${status.error}`)
    : status.current
      ? `v${status.current.id} ${status.current.git_sha ? status.current.git_sha.slice(0, 7) : '-'} ${status.current.status}`
      : 'no release yet';
  return `${name.padEnd(width)}  ${status.stage.padEnd(11)}  ${what}`;
}
