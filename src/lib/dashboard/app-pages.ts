import type { Context } from '../context.js';
import { dokkuBuildLog } from '../dokku/host-files.js';
import { assertValidAppName, parseReleaseId } from '../dokku/validate.js';
import { STAGES, type Stage } from '../pipelines/model.js';
import { readPipelines } from '../pipelines/store.js';
import { UserError } from '../output/errors.js';
import type { ReleaseRecord } from '../releases/record.js';
import { MAX_PAGE, PER_PAGE } from './deployments.js';
import { readReleases, releaseRow, type ReleaseReader, type ReleaseRow } from './releases.js';
import { Refusal } from './refusal.js';
import { pendingRequests, type PendingRequestView } from './actions.js';

// What the app, log and pipelines pages show: plain values built from pure store reads.

/** An app named in a URL: a valid Dokku name (else 400) with a release store here (else 404). */
export function appFromUrl(ctx: Context, raw: string): ReleaseReader {
  let app: string;
  try {
    app = assertValidAppName(raw);
  } catch (error) {
    if (error instanceof UserError) throw new Refusal(400, 'Invalid app name');
    throw error;
  }
  const reader = readReleases(ctx.paths, app);
  if (!reader.exists()) throw new Refusal(404, `No app named ${app} has releases on this host`);
  return reader;
}

export function releaseIdFromUrl(raw: string): number {
  try {
    return parseReleaseId(raw);
  } catch (error) {
    if (error instanceof UserError) throw new Refusal(400, 'Invalid release ID: expected a number such as 7 or v7');
    throw error;
  }
}

export interface AppHistoryPage {
  app: string;
  currentId: number | undefined;
  rows: ReleaseRow[];
  page: number;
  hasNext: boolean;
  unreadable: number[];
  place: { pipeline: string; stage: Stage } | undefined;
}

/**
 * `ownstack:history` in a page: page N holds the IDs of the Nth block of 50 below the newest, so
 * any page costs 50 reads (IDs are dense; one skipped by a crash just leaves its block shorter).
 */
export function appHistoryPage(ctx: Context, reader: ReleaseReader, page: number): AppHistoryPage {
  const state = reader.readState();
  const currentId = state.current_id ?? undefined;
  const top = state.next_id - 1 - (page - 1) * PER_PAGE;
  const bottom = top - PER_PAGE;
  const { records, corrupt } = top >= 1 ? reader.newestFrom(top, PER_PAGE) : { records: [], corrupt: [] };
  const place = placeOf(ctx, reader.app);
  return {
    app: reader.app,
    currentId,
    rows: records.filter((record) => record.id > bottom).map((record) => releaseRow(record, currentId)),
    page,
    hasNext: bottom >= 1 && page < MAX_PAGE,
    unreadable: corrupt.filter((bad) => bad.id > bottom).map((bad) => bad.id),
    place,
  };
}

function placeOf(ctx: Context, app: string): { pipeline: string; stage: Stage } | undefined {
  for (const pipeline of readPipelines(ctx.paths).pipelines) {
    for (const stage of STAGES) if (pipeline.stages[stage].includes(app)) return { pipeline: pipeline.name, stage };
  }
  return undefined;
}

/** A release named in a URL, or a 404; an unreadable record is the store's error (500, one line). */
export function releaseFromUrl(reader: ReleaseReader, rawId: string): ReleaseRecord {
  const id = releaseIdFromUrl(rawId);
  const record = reader.get(id);
  if (!record) throw new Refusal(404, `${reader.app} has no release v${id}`);
  return record;
}

/**
 * The log as `ownstack:deploy-log` reads it: our compressed copy, or while the release runs the log
 * it writes as it goes (a promotion, rollback or image deploy) or Dokku's build log (a git push, a
 * rebuild); undefined when none is kept (logs follow the retention).
 */
export function releaseLog(ctx: Context, reader: ReleaseReader, record: ReleaseRecord): string | undefined {
  const kept = reader.readLog(record.id);
  if (kept !== undefined) return kept;
  if (record.status === 'running') return dokkuBuildLog(ctx, reader.app, record.build_id)?.toString('utf8');
  return undefined;
}

// ---- pipelines ---------------------------------------------------------------------------------

export type PipelineCard =
  | { kind: 'local'; app: string; current: ReleaseRow | undefined; latest: ReleaseRow | undefined; problem: string | undefined }
  | { kind: 'remote'; app: string; stack: string };

export interface PipelineView {
  name: string;
  stages: { stage: Stage; cards: PipelineCard[] }[];
  /** Promotion requests waiting for another user's approval. */
  requests: PendingRequestView[];
}

export function pipelinesView(ctx: Context, now: Date): PipelineView[] {
  return readPipelines(ctx.paths).pipelines.map((pipeline) => ({
    name: pipeline.name,
    stages: STAGES.map((stage) => ({ stage, cards: pipeline.stages[stage].map((member) => pipelineCard(ctx, member)) })),
    requests: pendingRequests(ctx, pipeline.name, now),
  }));
}

/**
 * A card: the release that serves, and the newest attempt when it is another one (running or
 * failed), so a deploy in progress or a failure shows plainly. Apps on other stacks are not read yet.
 */
function pipelineCard(ctx: Context, member: string): PipelineCard {
  const at = member.indexOf('@');
  if (at !== -1) return { kind: 'remote', app: member.slice(0, at), stack: member.slice(at + 1) };
  const reader = readReleases(ctx.paths, member);
  try {
    const state = reader.readState();
    const currentId = state.current_id ?? undefined;
    const current = currentId !== undefined ? reader.get(currentId) : undefined;
    const newest = reader.newestFrom(state.next_id - 1, 1).records[0];
    return {
      kind: 'local',
      app: member,
      current: current && releaseRow(current, currentId),
      latest: newest && newest.id !== currentId && newest.status !== 'succeeded' ? releaseRow(newest, currentId) : undefined,
      problem: undefined,
    };
  } catch (error) {
    if (!(error instanceof UserError)) throw error;
    return { kind: 'local', app: member, current: undefined, latest: undefined, problem: error.message };
  }
}
