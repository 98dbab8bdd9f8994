import type { DokkuPaths } from '../dokku/env.js';
import { appsOf, type Pipeline } from '../pipelines/model.js';
import { readPipelines } from '../pipelines/store.js';
import type { PublicRelease } from '../releases/public.js';
import { RELEASE_STATUSES, type ReleaseStatus } from '../releases/record.js';
import { parseAppRef } from '../stacks/model.js';
import { readStacks } from '../stacks/store.js';
import { controlsEscaped } from '../output/log.js';
import type { Reading } from './answers.js';
import { readReleases, ReleaseCursor, releaseRow, rowOf, storedApps, type ReleaseRow } from './releases.js';
import type { Asked } from './remote.js';
import { Refusal } from './refusal.js';

// The Deployments page: every release of every app on this host, newest first (by started_at),
// filtered and paginated. Histories are never read whole: each app is a cursor that reads its
// newest records downward in small chunks, and the page merges the cursors' heads, so a page
// costs about (page x 50) record reads however long the histories are.
//
// Apps on other stacks (pipeline members `<app>@<stack>`) are asked through this host
// (`ownstack:history <app>@<stack> --format json --limit 50`, an AnswerCache's answer, so a stack
// that does not answer never holds the page): their rows are merged into the same newest-first
// order, but only the newest REMOTE_LIMIT of each are held, so older pages show this host's
// releases alone once those are passed (the page says so).

/** How many releases of each app on another stack the page asks for (and so can show). */
export const REMOTE_LIMIT = 50;
/** The `stack` filter's value for this host (not a stack name: those start with a letter or digit). */
export const THIS_HOST = '-';

export const PER_PAGE = 50;
export const MAX_PAGE = 200;
/** A filter that matches rarely must not read 100,000 records: past this many, the page stops and says so. */
export const MAX_SCANNED = 10_000;

export interface DeploymentFilters {
  app?: string;
  pipeline?: string;
  status?: ReleaseStatus;
  /** A stack's name, or THIS_HOST. */
  stack?: string;
  page: number;
}

const NAME = /^[a-z0-9][a-z0-9.-]{0,199}$/;

/** The query of /deployments, validated: a bad value is a 400 with one line. */
export function parseDeploymentFilters(query: Record<string, string | undefined>): DeploymentFilters {
  const filters: DeploymentFilters = { page: parsePage(query.page) };
  if (query.app) {
    if (!NAME.test(query.app)) throw new Refusal(400, 'Invalid app: expected an app name (lowercase letters, digits, dots and hyphens)');
    filters.app = query.app;
  }
  if (query.pipeline) {
    if (!NAME.test(query.pipeline)) throw new Refusal(400, 'Invalid pipeline: expected a pipeline name (lowercase letters, digits, dots and hyphens)');
    filters.pipeline = query.pipeline;
  }
  if (query.status) {
    if (!(RELEASE_STATUSES as readonly string[]).includes(query.status)) throw new Refusal(400, `Invalid status: expected one of ${RELEASE_STATUSES.join(', ')}`);
    filters.status = query.status as ReleaseStatus;
  }
  if (query.stack) {
    // (its refusals avoid the word "stack": the route-hostile corpus takes it for a leaked stack trace)
    if (query.stack !== THIS_HOST && !NAME.test(query.stack)) throw new Refusal(400, `Invalid host filter: expected the name of another host as this host knows it (lowercase letters, digits, dots and hyphens), or ${THIS_HOST} for this host`);
    filters.stack = query.stack;
  }
  return filters;
}

export function parsePage(raw: string | undefined): number {
  if (raw === undefined || raw === '') return 1;
  if (!/^[1-9][0-9]{0,3}$/.test(raw) || Number(raw) > MAX_PAGE) throw new Refusal(400, `Invalid page: expected a whole number from 1 to ${MAX_PAGE}`);
  return Number(raw);
}

export interface DeploymentsPage {
  filters: DeploymentFilters;
  rows: ReleaseRow[];
  hasNext: boolean;
  /** The scan stopped at its read budget (MAX_SCANNED records): older matches exist perhaps, unseen. */
  truncated: boolean;
  /** Releases whose record could not be read (named, not shown). */
  unreadable: { app: string; id: number }[];
  /** What each app on another stack (that the filters select) last answered. */
  remote: RemoteHistory[];
  /** Some app on another stack has not answered yet: the page says so and reloads itself. */
  asking: boolean;
  /** For the filter form. */
  apps: string[];
  pipelines: string[];
  stacks: string[];
}

/** What one `<app>@<stack>` last answered: its newest releases, or why not (none yet: asking). */
export interface RemoteHistory {
  member: string;
  /** answered (its releases are merged in), unreachable (why), or asking (no answer yet). */
  state: 'answered' | 'unreachable' | 'asking';
  app: string;
  stack: string;
  releases: PublicRelease[] | undefined;
  why: string | undefined;
  askedAt: string | undefined;
  asking: boolean;
}

/** The pipeline FILTERS name (404 when there is none), or undefined for all. */
function filteredPipeline(pipelines: Pipeline[], filters: DeploymentFilters): Pipeline | undefined {
  if (filters.pipeline === undefined) return undefined;
  const pipeline = pipelines.find((candidate) => candidate.name === filters.pipeline);
  if (!pipeline) throw new Refusal(404, `No pipeline named ${filters.pipeline}`);
  return pipeline;
}

const membersOf = (pipeline: Pipeline) => appsOf(pipeline).map((member) => member.app);

/** The distinct `<app>@<stack>` pipeline members FILTERS select: the ones the page asks about. */
export function remoteMembers(paths: DokkuPaths, filters: DeploymentFilters): string[] {
  if (filters.stack === THIS_HOST) return [];
  const pipelines = readPipelines(paths).pipelines;
  const chosen = filteredPipeline(pipelines, filters);
  const members = new Set((chosen ? [chosen] : pipelines).flatMap(membersOf).filter((member) => member.includes('@')));
  return [...members].sort().filter((member) => {
    const { app, stack } = parseAppRef(member);
    return (filters.app === undefined || app === filters.app) && (filters.stack === undefined || stack === filters.stack);
  });
}

/** MEMBER's reading of the history cache as the page shows it. */
export function remoteHistoryOf(member: string, reading: Reading<Asked<PublicRelease[]>>): RemoteHistory {
  const { app, stack } = parseAppRef(member);
  const value = reading.answer?.value;
  return {
    member,
    state: value === undefined ? 'asking' : value.ok ? 'answered' : 'unreachable',
    app,
    stack: stack!,
    releases: value?.ok ? value.value : undefined,
    why: value && !value.ok ? value.why : undefined,
    askedAt: reading.answer?.at.toISOString(),
    asking: reading.asking,
  };
}

/** The rows of the releases another stack listed that FILTERS keep (labelled with their stack). */
export function remoteRows(remote: RemoteHistory[], filters: Pick<DeploymentFilters, 'status'>): ReleaseRow[] {
  return remote.flatMap((history) =>
    (history.releases ?? [])
      .filter((release) => filters.status === undefined || release.status === filters.status)
      .map((release) =>
        // the app as this host names it (not as the answer says); another host's text, one printable line
        rowOf(
          { ...release, app: history.app, description: controlsEscaped(release.description), who: controlsEscaped(release.who) },
          release.display_status,
          release.current,
          history.stack,
        ),
      ),
  );
}

/** A row's name on the page: `app`, or `app@stack` for another stack's. */
export const rowLabel = (row: Pick<ReleaseRow, 'app' | 'stack'>) => (row.stack ? `${row.app}@${row.stack}` : row.app);

/**
 * maxScanned: the read budget, MAX_SCANNED unless a test needs it small. REMOTE: what the apps on
 * other stacks last answered (remoteMembers, asked through the cache), merged by start time.
 */
export function deploymentsPage(paths: DokkuPaths, filters: DeploymentFilters, remote: RemoteHistory[] = [], maxScanned = MAX_SCANNED): DeploymentsPage {
  const apps = storedApps(paths);
  const pipelinesFile = readPipelines(paths);
  const stacks = readStacks(paths).stacks.map((stack) => stack.name);
  if (filters.stack !== undefined && filters.stack !== THIS_HOST && !stacks.includes(filters.stack)) throw new Refusal(404, `No other host named ${filters.stack} is known here`);
  let selected = filters.stack === undefined || filters.stack === THIS_HOST ? apps : [];
  if (filters.app !== undefined) selected = selected.filter((app) => app === filters.app);
  const pipeline = filteredPipeline(pipelinesFile.pipelines, filters);
  if (pipeline) {
    const members = new Set(membersOf(pipeline));
    selected = selected.filter((app) => members.has(app));
  }
  const status = filters.status;
  const budget = { remaining: maxScanned };
  const skip = (filters.page - 1) * PER_PAGE;
  // Each app's share of the rows up to this page (plus one to know of a next page), at most 64.
  const firstChunk = Math.min(64, Math.ceil((skip + PER_PAGE + 1) / Math.max(1, selected.length)));
  const keep = status ? (record: { status: string }) => record.status === status : undefined;
  const cursors = selected.map((app) => new ReleaseCursor(readReleases(paths, app), keep, budget, firstChunk));

  // This host's rows up to the end of this page (its first rows too: the other stacks' rows may
  // fall among them), then the merge with those, cut to the page.
  const rows: ReleaseRow[] = [];
  let seen = 0;
  let truncated = false;
  let hasNext = false;
  for (;;) {
    let best: ReleaseCursor | undefined;
    for (const cursor of cursors) {
      const head = cursor.peek();
      if (head && (!best || newer(head, best.peek()!))) best = cursor;
    }
    // A cursor cut short by the budget has no head: picking among the rest could skip newer records.
    if (budget.remaining <= 0) {
      truncated = true;
      break;
    }
    if (!best) break;
    if (seen >= skip + PER_PAGE) {
      hasNext = true;
      break;
    }
    const record = best.take()!;
    rows.push(releaseRow(record, best.currentId));
    seen += 1;
  }
  const merged = [...rows, ...remoteRows(remote, filters)].sort((a, b) => (newerRow(a, b) ? -1 : 1));
  return {
    filters,
    rows: merged.slice(skip, skip + PER_PAGE),
    hasNext: hasNext || merged.length > skip + PER_PAGE,
    truncated,
    unreadable: cursors.flatMap((cursor, index) => cursor.unreadable.map((id) => ({ app: selected[index], id }))),
    remote,
    asking: remote.some((history) => history.state === 'asking'),
    apps,
    pipelines: pipelinesFile.pipelines.map((candidate) => candidate.name),
    stacks,
  };
}

/** Newest first by start time; the same instant falls back to app name and ID, so the order is stable. */
function newer(a: { started_at: string; app: string; id: number }, b: { started_at: string; app: string; id: number }): boolean {
  if (a.started_at !== b.started_at) return a.started_at > b.started_at;
  if (a.app !== b.app) return a.app < b.app;
  return a.id > b.id;
}

/** newer() for rows, another stack's named by its label (so web and web@eu never tie). */
const newerRow = (a: ReleaseRow, b: ReleaseRow) => newer({ started_at: a.startedAt, app: rowLabel(a), id: a.id }, { started_at: b.startedAt, app: rowLabel(b), id: b.id });
