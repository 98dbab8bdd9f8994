import type { Context } from '../context.js';
import { SCHEMA_VERSIONS, type SchemaVersions } from '../schema-version.js';
import { formatAddress } from '../stacks/model.js';
import type { StackCheck } from '../stacks/remote.js';
import { readStacks } from '../stacks/store.js';
import { versionWarnings, type VersionAnswer } from '../stacks/versions.js';
import { COMMIT, VERSION } from '../version.js';
import type { Reading } from './answers.js';
import { reachabilityOf, type Asked } from './remote.js';

// The Stacks page: every stack this host knows (its stacks file, read here), each with what this
// host last said about it (`stacks:check <stack> --format json`, asked per stack so a stack that
// does not answer holds up no other), this host's own ownstack (`ownstack:version`), and the
// warnings `stacks:check` prints for versions and file formats that differ.

export interface OwnstackVersion {
  version: string;
  commit: string | null;
  /** `releases 1, pipelines 2, stacks 1` */
  schemas: string;
}

export interface StackRow {
  name: string;
  address: string;
  /** ok, timed out, refused, key refused, host key changed, …, or asking (no answer yet). */
  reachability: string;
  ok: boolean;
  ownstack: OwnstackVersion | undefined;
  /** Why it is not ok, in stacks:check's words. */
  message: string | undefined;
  askedAt: string | undefined;
  asking: boolean;
}

export interface StacksPage {
  /** This host's ownstack, as it says itself; undefined while asking, or why it could not be asked. */
  host: { ownstack: OwnstackVersion | undefined; why: string | undefined };
  /** The dashboard's own binary (older than the host's until `ownstack:dashboard:enable` is run again). */
  dashboard: { version: string; commit: string };
  stacks: StackRow[];
  warnings: string[];
  /** Something has no first answer yet: the page reloads itself shortly. */
  asking: boolean;
}

export type StackChecks = (stack: string) => Promise<Reading<Asked<StackCheck>>>;
export type HostVersion = () => Promise<Reading<Asked<VersionAnswer>>>;

export async function stacksPage(ctx: Context, checks: StackChecks, hostVersion: HostVersion): Promise<StacksPage> {
  const stacks = readStacks(ctx.paths).stacks;
  const [here, ...readings] = await Promise.all([hostVersion(), ...stacks.map((stack) => checks(stack.name))]);
  const rows = stacks.map((stack, index): StackRow => {
    const reading = readings[index];
    const answer = reading.answer?.value;
    const base = { name: stack.name, address: formatAddress(stack), askedAt: reading.answer?.at.toISOString(), asking: reading.asking };
    if (!answer) return { ...base, reachability: 'asking', ok: false, ownstack: undefined, message: undefined };
    if (!answer.ok) return { ...base, reachability: 'not asked', ok: false, ownstack: undefined, message: `this host could not be asked: ${answer.why}` };
    const check = answer.value;
    const ownstack = check.ownstack_version !== null && check.schema_versions !== null
      ? versionView({ version: check.ownstack_version, commit: check.ownstack_commit, schema_versions: check.schema_versions })
      : undefined;
    return { ...base, reachability: reachabilityOf(check), ok: check.status === 'ok', ownstack, message: check.message ?? undefined };
  });
  const hostAnswer = here.answer?.value;
  const hostOwnstack = hostAnswer?.ok ? hostAnswer.value : undefined;
  // Compared with the host's own answer; until it comes, with this binary (the same one, once enabled).
  const reference = hostOwnstack ?? { version: VERSION, schema_versions: SCHEMA_VERSIONS };
  const answered = readings.flatMap((reading, index) => {
    const value = reading.answer?.value;
    if (!value?.ok || value.value.status !== 'ok' || value.value.ownstack_version === null || value.value.schema_versions === null) return [];
    return [{ stack: stacks[index].name, answer: { version: value.value.ownstack_version, commit: value.value.ownstack_commit, schema_versions: value.value.schema_versions } }];
  });
  return {
    host: { ownstack: hostOwnstack && versionView(hostOwnstack), why: hostAnswer && !hostAnswer.ok ? hostAnswer.why : undefined },
    dashboard: { version: VERSION, commit: COMMIT },
    stacks: rows,
    warnings: versionWarnings(reference, answered),
    asking: !hostAnswer || rows.some((row) => row.reachability === 'asking'),
  };
}

function versionView(answer: VersionAnswer): OwnstackVersion {
  return { version: answer.version, commit: answer.commit, schemas: schemasText(answer.schema_versions) };
}

const schemasText = (versions: SchemaVersions) => (Object.keys(SCHEMA_VERSIONS) as (keyof SchemaVersions)[]).map((file) => `${file} ${versions[file]}`).join(', ');
