import type { Context } from '../context.js';
import { runRemote } from '../dokku/ssh.js';
import { UserError } from '../output/errors.js';
import { PHASES, RELEASE_KINDS, RELEASE_STATUSES } from '../releases/record.js';
import type { PublicRelease } from '../releases/public.js';
import { assertStackExists } from './model.js';
import { remoteFailureLine } from './remote.js';
import { readStacks } from './store.js';

// `ownstack:history <app>@<stack>`: the stack's own `ownstack:history <app> --format json`, asked
// over the stacks' ssh path and checked before it is shown. The answer is another host's: every
// field a table or page shows is checked for its type, and an answer that does not parse is one line.

const DISPLAY_STATUSES: readonly string[] = [...RELEASE_STATUSES, 'expired'];

const isString = (value: unknown): value is string => typeof value === 'string';
const isStringOrNull = (value: unknown) => value === null || isString(value);

/** The public releases of a `--format json` history answer, or undefined when it is not one. */
export function parseHistoryAnswer(json: unknown): PublicRelease[] | undefined {
  if (!Array.isArray(json)) return undefined;
  for (const entry of json) {
    if (typeof entry !== 'object' || entry === null) return undefined;
    const release = entry as Record<string, unknown>;
    if (!Number.isSafeInteger(release.id) || (release.id as number) < 1) return undefined;
    if (!isString(release.app) || !isString(release.description) || !isString(release.who) || !isString(release.started_at)) return undefined;
    if (!(RELEASE_KINDS as readonly unknown[]).includes(release.kind) || !(RELEASE_STATUSES as readonly unknown[]).includes(release.status)) return undefined;
    if (!DISPLAY_STATUSES.includes(release.display_status as string) || !(PHASES as readonly unknown[]).includes(release.phase)) return undefined;
    if (typeof release.current !== 'boolean' || !isStringOrNull(release.reason) || !isStringOrNull(release.git_sha) || !isStringOrNull(release.finished_at)) return undefined;
  }
  return json as PublicRelease[];
}

/** Parses the last line of standard output (a stack may print notices before it). */
export function parseHistoryOutput(stdout: string): PublicRelease[] | undefined {
  try {
    return parseHistoryAnswer(JSON.parse(stdout.trim().split('\n').pop() ?? ''));
  } catch {
    return undefined;
  }
}

/** APP's newest LIMIT releases on stack STACKNAME, as that stack lists them; one line when it cannot tell. */
export async function remoteHistory(ctx: Context, stackName: string, app: string, limit: number): Promise<PublicRelease[]> {
  const stack = assertStackExists(readStacks(ctx.paths), stackName);
  const run = await runRemote(ctx, stack, ['ownstack:history', app, '--limit', String(limit), '--format', 'json']);
  if (run.exitCode !== 0) throw new UserError(remoteFailureLine(ctx, stack, run));
  const releases = parseHistoryOutput(run.stdout);
  if (!releases) throw new UserError(`stack ${stack.name} gave an answer to ownstack:history that this host cannot read`);
  return releases;
}
