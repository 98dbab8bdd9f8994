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
import { shortSha } from '../releases/describe.js';
import { parseAppRef } from '../stacks/model.js';
import type { MemberStatus } from '../stacks/status.js';
import type { Reading } from './answers.js';
import type { Asked } from './remote.js';

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

/** A release of an app on another stack, as its stack told this host (`pipeline:info`). */
export interface RemoteRelease {
  id: number;
  kind: string | null;
  sha: string | null;
  who: string | null;
  startedAt: string | null;
  status: string;
}

/** What is known of an app on another stack: nothing yet, or this host's last answer about it. */
export type RemoteState =
  | { state: 'asking' }
  | { state: 'unreachable'; why: string }
  | { state: 'problem'; why: string }
  | { state: 'no-release' }
  | { state: 'release'; release: RemoteRelease };

export type PipelineCard =
  | { kind: 'local'; app: string; current: ReleaseRow | undefined; latest: ReleaseRow | undefined; problem: string | undefined }
  | { kind: 'remote'; app: string; stack: string; remote: RemoteState };

export interface PipelineView {
  name: string;
  stages: { stage: Stage; cards: PipelineCard[]; mixed: string | undefined }[];
  /** Promotion requests waiting for another user's approval. */
  requests: PendingRequestView[];
  /** For a pipeline with apps on other stacks: when this host last answered for them, and whether it is being asked again. */
  remote: { askedAt: string | undefined; asking: boolean } | undefined;
}

/** This host's last answer about a pipeline's members on other stacks (lib/dashboard/answers.ts). */
export type RemoteMembers = (pipeline: string) => Promise<Reading<Asked<MemberStatus[]>>>;

export async function pipelinesView(ctx: Context, now: Date, remoteMembers: RemoteMembers): Promise<PipelineView[]> {
  return Promise.all(
    readPipelines(ctx.paths).pipelines.map(async (pipeline) => {
      const hasRemote = STAGES.some((stage) => pipeline.stages[stage].some((member) => parseAppRef(member).stack));
      const reading = hasRemote ? await remoteMembers(pipeline.name) : undefined;
      const stages = STAGES.map((stage) => {
        const cards = pipeline.stages[stage].map((member) => pipelineCard(ctx, member, reading?.answer?.value));
        return { stage, cards, mixed: mixedStage(cards) };
      });
      return {
        name: pipeline.name,
        stages,
        requests: pendingRequests(ctx, pipeline.name, now),
        remote: reading && { askedAt: reading.answer?.at.toISOString(), asking: reading.asking },
      };
    }),
  );
}

/** Whether any card still waits for a first answer (the page then reloads itself shortly). */
export const anyAsking = (pipelines: PipelineView[]) =>
  pipelines.some((pipeline) => pipeline.stages.some(({ cards }) => cards.some((card) => card.kind === 'remote' && card.remote.state === 'asking')));

/**
 * A card: the release that serves, and the newest attempt when it is another one (running or
 * failed), so a deploy in progress or a failure shows plainly. An app on another stack shows what
 * this host last said about it.
 */
function pipelineCard(ctx: Context, member: string, answer: Asked<MemberStatus[]> | undefined): PipelineCard {
  const { app, stack } = parseAppRef(member);
  if (stack) return { kind: 'remote', app, stack, remote: remoteState(app, stack, answer) };
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

/** One member on another stack, from this host's answer (undefined: none yet). */
export function remoteState(app: string, stack: string, answer: Asked<MemberStatus[]> | undefined): RemoteState {
  if (!answer) return { state: 'asking' };
  if (!answer.ok) return { state: 'problem', why: `this host could not be asked: ${answer.why}` };
  const status = answer.value.find((member) => member.app === app && member.stack === stack);
  if (!status) return { state: 'problem', why: `this host did not report ${app}@${stack} (added since?)` };
  if (status.error) return status.reachable ? { state: 'problem', why: status.error } : { state: 'unreachable', why: status.error };
  if (!status.current) return { state: 'no-release' };
  const current = status.current;
  return {
    state: 'release',
    release: { id: current.id, kind: current.kind, sha: shortSha(current.git_sha), who: current.who, startedAt: current.started_at, status: current.status },
  };
}

/**
 * "Mixed" when the apps of one stage that are known to serve a release run different commits
 * (e.g. production here and on another stack), as the stage's one line; undefined otherwise.
 */
export function mixedStage(cards: PipelineCard[]): string | undefined {
  const serving: { name: string; sha: string | null }[] = [];
  for (const card of cards) {
    if (card.kind === 'local' && card.current) serving.push({ name: card.app, sha: card.current.sha });
    if (card.kind === 'remote' && card.remote.state === 'release') serving.push({ name: `${card.app}@${card.stack}`, sha: card.remote.release.sha });
  }
  if (serving.length < 2 || serving.some((entry) => entry.sha === null)) return undefined;
  if (new Set(serving.map((entry) => entry.sha)).size === 1) return undefined;
  return `Mixed: ${serving.map((entry) => `${entry.name} runs ${entry.sha}`).join(', ')}`;
}
