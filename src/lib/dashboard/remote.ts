import { lastErrorLine } from '../output/errors.js';
import { controlsEscaped } from '../output/log.js';
import { currentFromInfo, type MemberStatus } from '../stacks/status.js';
import type { StackCheck } from '../stacks/remote.js';
import { parseVersionAnswer, type VersionAnswer } from '../stacks/versions.js';

// What this host says about other stacks. The dashboard holds no key to another stack: it asks its
// own host over its ssh path, with the commands a person would type (`pipeline:info <pipeline>
// --format json`, `stacks:check <stack> --format json`, `ownstack:version --format json`), and
// turns each answer into plain values here. Every text in an answer is another host's: shown
// inert (JSX escapes it) and cut to one printable line.

/** A read-only Dokku command on this host: its exit code, its standard output, and all its output. */
export type AskHost = (words: string[]) => Promise<{ code: number; stdout: string; output: string }>;

/** How long one question to this host may take: the stacks' ssh ConnectTimeout and more, never a hang. */
export const ASK_TIMEOUT_MS = 45_000;

export type Asked<T> = { ok: true; value: T } | { ok: false; why: string };

/** Runs WORDS on this host and parses its last line of standard output; a failure is one line. */
export async function askHost<T>(ask: AskHost, words: string[], parse: (json: unknown) => T | undefined, okCodes: number[] = [0]): Promise<Asked<T>> {
  const result = await run(ask, words);
  if ('why' in result) return { ok: false, why: result.why };
  const last = result.stdout.trim().split('\n').pop() ?? '';
  let json: unknown;
  try {
    json = JSON.parse(last);
  } catch {
    json = undefined;
  }
  const value = json === undefined ? undefined : parse(json);
  if (value !== undefined && okCodes.includes(result.code)) return { ok: true, value };
  if (result.code !== 0) return { ok: false, why: failedLine(words, result) };
  return { ok: false, why: `${words[0]} gave no answer this dashboard can read` };
}

/** Runs WORDS on this host and keeps its standard output as text (a log); a failure is one line. */
export async function askHostText(ask: AskHost, words: string[]): Promise<Asked<string>> {
  const result = await run(ask, words);
  if ('why' in result) return { ok: false, why: result.why };
  return result.code === 0 ? { ok: true, value: result.stdout } : { ok: false, why: failedLine(words, result) };
}

/** WORDS run on this host, or why they could not be (one line). */
async function run(ask: AskHost, words: string[]): Promise<Awaited<ReturnType<AskHost>> | { why: string }> {
  try {
    return await ask(words);
  } catch (error) {
    return { why: oneLine(error instanceof Error ? error.message : String(error)) };
  }
}

/** The one line a command that exited non-zero leaves: its last error line, or its exit code. */
const failedLine = (words: string[], result: { code: number; output: string }) => oneLine(lastErrorLine(result.output) ?? `${words[0]} exited with code ${result.code}`);

/** Another host's text as one printable line (control characters escaped), at most 300 characters. */
const oneLine = (text: string) => controlsEscaped(text.replace(/^\s*!\s*/, '')).slice(0, 300);

// ---- pipeline:info --format json ---------------------------------------------------------------

/** The members `pipeline:info --format json` reports (`apps`), each checked field by field. */
export function parsePipelineInfo(json: unknown): MemberStatus[] | undefined {
  if (typeof json !== 'object' || json === null) return undefined;
  const apps = (json as { apps?: unknown }).apps;
  if (!Array.isArray(apps)) return undefined;
  const members: MemberStatus[] = [];
  for (const entry of apps) {
    if (typeof entry !== 'object' || entry === null) return undefined;
    const { app, stack, stage, reachable, current, error } = entry as Record<string, unknown>;
    if (typeof app !== 'string' || typeof stage !== 'string' || typeof reachable !== 'boolean') return undefined;
    if (stack !== null && typeof stack !== 'string') return undefined;
    members.push({
      app,
      stack,
      stage,
      reachable,
      current: typeof current === 'object' && current !== null ? currentFromInfo({ current }) : null,
      error: typeof error === 'string' ? oneLine(error) : null,
    });
  }
  return members;
}

// ---- stacks:check --format json, ownstack:version --format json ---------------------------------

/** One stack's line of `stacks:check <stack> --format json` (which exits 1 when it did not answer). */
export function parseStackCheck(json: unknown): StackCheck | undefined {
  if (!Array.isArray(json) || json.length !== 1) return undefined;
  const entry = json[0] as Record<string, unknown>;
  if (typeof entry !== 'object' || entry === null || typeof entry.stack !== 'string' || typeof entry.status !== 'string') return undefined;
  if (!['ok', 'unreachable', 'refused', 'failed'].includes(entry.status)) return undefined;
  const text = (value: unknown) => (typeof value === 'string' ? oneLine(value) : null);
  const versions = entry.ownstack_version === null || entry.ownstack_version === undefined
    ? undefined
    : parseVersionAnswer(JSON.stringify({ version: entry.ownstack_version, commit: entry.ownstack_commit, schema_versions: entry.schema_versions }));
  return {
    stack: entry.stack,
    address: text(entry.address) ?? '',
    status: entry.status as StackCheck['status'],
    // older hosts' stacks:check did not name the cause
    cause: typeof entry.cause === 'string' ? (entry.cause as StackCheck['cause']) : null,
    ownstack_version: versions?.version ?? null,
    ownstack_commit: versions?.commit ?? null,
    schema_versions: versions?.schema_versions ?? null,
    message: text(entry.message),
  };
}

export function parseVersion(json: unknown): VersionAnswer | undefined {
  return parseVersionAnswer(JSON.stringify(json));
}

/** What the Stacks page calls a stack's state: stacks:check's status, told apart by what ssh met. */
export function reachabilityOf(check: Pick<StackCheck, 'status' | 'cause'>): string {
  if (check.status === 'ok') return 'ok';
  switch (check.cause) {
    case 'timed-out':
      return 'timed out';
    case 'connection-refused':
      return 'refused';
    case 'key-refused':
      return 'key refused';
    case 'host-key-changed':
      return 'host key changed';
    case 'unresolved':
      return 'unknown host';
    case 'no-route':
      return 'no route';
    case 'closed-before-ssh':
      return 'closed';
    default:
      return check.status;
  }
}
