import type { DokkuPaths } from '../dokku/env.js';
import { STAGES } from '../pipelines/model.js';
import { readPipelines } from '../pipelines/store.js';
import { RELEASE_STATUSES, type ReleaseStatus } from '../releases/record.js';
import { readReleases, ReleaseCursor, releaseRow, storedApps, type ReleaseRow } from './releases.js';
import { Refusal } from './refusal.js';

// The Deployments page: every release of every app on this host, newest first (by started_at),
// filtered and paginated. Histories are never read whole: each app is a cursor that reads its
// newest records downward in small chunks, and the page merges the cursors' heads, so a page
// costs about (page x 50) record reads however long the histories are.

export const PER_PAGE = 50;
export const MAX_PAGE = 200;
/** A filter that matches rarely must not read 100,000 records: past this many, the page stops and says so. */
export const MAX_SCANNED = 10_000;

export interface DeploymentFilters {
  app?: string;
  pipeline?: string;
  status?: ReleaseStatus;
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
  /** For the filter form. */
  apps: string[];
  pipelines: string[];
}

/** maxScanned: the read budget, MAX_SCANNED unless a test needs it small. */
export function deploymentsPage(paths: DokkuPaths, filters: DeploymentFilters, maxScanned = MAX_SCANNED): DeploymentsPage {
  const apps = storedApps(paths);
  const pipelinesFile = readPipelines(paths);
  let selected = apps;
  if (filters.app !== undefined) selected = selected.filter((app) => app === filters.app);
  if (filters.pipeline !== undefined) {
    const pipeline = pipelinesFile.pipelines.find((candidate) => candidate.name === filters.pipeline);
    if (!pipeline) throw new Refusal(404, `No pipeline named ${filters.pipeline}`);
    const members = new Set(STAGES.flatMap((stage) => pipeline.stages[stage]));
    selected = selected.filter((app) => members.has(app));
  }
  const status = filters.status;
  const budget = { remaining: maxScanned };
  const skip = (filters.page - 1) * PER_PAGE;
  // Each app's share of the rows up to this page (plus one to know of a next page), at most 64.
  const firstChunk = Math.min(64, Math.ceil((skip + PER_PAGE + 1) / Math.max(1, selected.length)));
  const keep = status ? (record: { status: string }) => record.status === status : undefined;
  const cursors = selected.map((app) => new ReleaseCursor(readReleases(paths, app), keep, budget, firstChunk));

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
    if (seen >= skip) rows.push(releaseRow(record, best.currentId));
    seen += 1;
  }
  return {
    filters,
    rows,
    hasNext,
    truncated,
    unreadable: cursors.flatMap((cursor, index) => cursor.unreadable.map((id) => ({ app: selected[index], id }))),
    apps,
    pipelines: pipelinesFile.pipelines.map((pipeline) => pipeline.name),
  };
}

/** Newest first by start time; the same instant falls back to app name and ID, so the order is stable. */
function newer(a: { started_at: string; app: string; id: number }, b: { started_at: string; app: string; id: number }): boolean {
  if (a.started_at !== b.started_at) return a.started_at > b.started_at;
  if (a.app !== b.app) return a.app < b.app;
  return a.id > b.id;
}
