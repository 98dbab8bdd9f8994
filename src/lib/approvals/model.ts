import * as z from 'zod/mini';
import { UserError } from '../output/errors.js';
import { printable } from '../output/log.js';
import { personOf } from '../identity/web-user.js';
import { STAGES } from '../pipelines/model.js';

// Promotion requests (`pipeline:set <p> promote-approval <stage>`): a promotion into that stage
// waits as a request for another user's approval. The request pins what was asked for (the source
// release and its image ID), so approving later deploys exactly that, whatever the source runs by
// then. Pure: every function returns a new file or refuses with a UserError, so nothing is
// written when a check fails.
//
// Each target is its own entry with room for a stack (issue 10): a later version can approve and
// roll out per stack without changing the shape; today every target is an app on this host.

export const REQUEST_STATUSES = ['pending', 'approved', 'rejected', 'expired'] as const;
export type RequestStatus = (typeof REQUEST_STATUSES)[number];

/** Decided requests kept per pipeline, newest first; pending ones are always kept. */
export const DECIDED_KEPT = 50;

const Name = z.string().check(z.regex(/^[a-z0-9][a-z0-9.-]*$/), z.maxLength(200));

export const PromotionRequestSchema = z.object({
  id: z.int().check(z.positive()),
  pipeline: Name,
  status: z.enum(REQUEST_STATUSES),
  source: z.object({
    app: Name,
    release_id: z.int().check(z.positive()),
    /** `sha256:…`: what an approval deploys, even after the source has moved on. */
    image_id: z.string().check(z.regex(/^sha256:[0-9a-f]{64}$/)),
    git_sha: z.nullable(z.string()),
  }),
  targets: z.array(
    z.object({
      app: Name,
      stage: z.enum(STAGES),
      /** null: an app on this host (stacks are not built yet). */
      stack: z.nullable(z.string()),
    }),
  ),
  requested_by: z.string(),
  requested_at: z.string(),
  expires_at: z.string(),
  decided_by: z.nullable(z.string()),
  decided_at: z.nullable(z.string()),
  /** Per target, once an approval has run: the target's new release, or why it failed. */
  results: z.array(
    z.object({
      app: Name,
      ok: z.boolean(),
      release_id: z.nullable(z.int()),
      reason: z.nullable(z.string()),
    }),
  ),
  /** The never-started container that keeps the pinned image until the request is decided. */
  pinned_by: z.nullable(z.string()),
});
export type PromotionRequest = z.infer<typeof PromotionRequestSchema>;

export const RequestsFileSchema = z
  .object({
    version: z.literal(1),
    /** Request IDs are global, increasing and never reused (the newest may have been pruned). */
    next_id: z.int().check(z.positive()),
    requests: z.array(PromotionRequestSchema),
  })
  .check(
    z.superRefine((file, issues) => {
      const ids = new Set<number>();
      for (const request of file.requests) {
        if (ids.has(request.id) || request.id >= file.next_id) issues.addIssue({ code: 'custom', message: `request r${request.id} is duplicated or beyond next_id` });
        ids.add(request.id);
      }
    }),
  );
export type RequestsFile = z.infer<typeof RequestsFileSchema>;

export const emptyRequests = (): RequestsFile => ({ version: 1, next_id: 1, requests: [] });

/** Request IDs are written `3` or `r3`. */
export function parseRequestId(raw: string | undefined): number {
  if (raw === undefined || raw === '') throw new UserError('Please specify a request ID, for example r3 (see pipeline:requests)');
  const match = /^r?([1-9][0-9]{0,8})$/.exec(raw);
  if (!match) throw new UserError(`Invalid request ID "${printable(raw)}": expected a number such as 3 or r3`);
  return Number(match[1]);
}

export const requestLabel = (id: number) => `r${id}`;

/** What the listing shows: a pending request past its expiry is expired, even before a sweep writes it. */
export function displayStatus(request: PromotionRequest, now: Date): RequestStatus {
  return request.status === 'pending' && Date.parse(request.expires_at) <= now.getTime() ? 'expired' : request.status;
}

export interface NewRequest {
  pipeline: string;
  source: PromotionRequest['source'];
  targets: PromotionRequest['targets'];
  requestedBy: string;
  ttlMs: number;
}

/** A new pending request with the next ID; the caller pins its image and stores pinned_by. */
export function addRequest(file: RequestsFile, init: NewRequest, now: Date): { file: RequestsFile; request: PromotionRequest } {
  const request: PromotionRequest = {
    id: file.next_id,
    pipeline: init.pipeline,
    status: 'pending',
    source: init.source,
    targets: init.targets,
    requested_by: init.requestedBy,
    requested_at: now.toISOString(),
    expires_at: new Date(now.getTime() + init.ttlMs).toISOString(),
    decided_by: null,
    decided_at: null,
    results: [],
    pinned_by: null,
  };
  return { file: { ...structuredClone(file), next_id: file.next_id + 1, requests: [...structuredClone(file.requests), request] }, request };
}

/** Pending requests past their expiry become expired and unpinned; returns them as they were pinned, so their pins can go. */
export function expireDue(file: RequestsFile, now: Date): { file: RequestsFile; expired: PromotionRequest[] } {
  const next = structuredClone(file);
  const expired: PromotionRequest[] = [];
  for (const request of next.requests) {
    if (displayStatus(request, now) === 'expired' && request.status === 'pending') {
      request.status = 'expired';
      request.decided_at = request.expires_at;
      expired.push({ ...request });
      request.pinned_by = null;
    }
  }
  return { file: next, expired };
}

/** Requests of one pipeline, newest first. */
export function requestsOf(file: RequestsFile, pipeline: string): PromotionRequest[] {
  return file.requests.filter((request) => request.pipeline === pipeline).sort((a, b) => b.id - a.id);
}

/** The request with this ID, which must belong to the pipeline named. */
export function findRequest(file: RequestsFile, pipeline: string, id: number): PromotionRequest {
  const request = file.requests.find((candidate) => candidate.id === id);
  if (!request || request.pipeline !== pipeline) throw new UserError(`Request ${requestLabel(id)} does not exist in pipeline ${pipeline}`);
  return request;
}

/**
 * The checks before approve/reject: the request is this pipeline's, still pending and not
 * expired; an approver is not the requester. Rejecting one's own request (withdrawing it) is allowed.
 */
export function assertDecidable(file: RequestsFile, pipeline: string, id: number, who: string, action: 'approve' | 'reject', now: Date): PromotionRequest {
  const request = findRequest(file, pipeline, id);
  const status = displayStatus(request, now);
  if (status === 'expired') {
    throw new UserError(`Request ${requestLabel(id)} expired at ${request.expires_at}; promote again to make a new request`);
  }
  if (status !== 'pending') {
    throw new UserError(`Request ${requestLabel(id)} is already ${status}${request.decided_by ? ` (by ${request.decided_by})` : ''}`);
  }
  if (action === 'approve' && personOf(request.requested_by) === personOf(who)) {
    throw new UserError(`Request ${requestLabel(id)} was made by ${request.requested_by}; another user must approve it`);
  }
  return request;
}

/** Marks a pending request approved or rejected. */
export function decideRequest(file: RequestsFile, id: number, status: 'approved' | 'rejected', who: string, now: Date): RequestsFile {
  const next = structuredClone(file);
  const request = next.requests.find((candidate) => candidate.id === id);
  if (!request || request.status !== 'pending') throw new UserError(`Request ${requestLabel(id)} is no longer pending`);
  request.status = status;
  request.decided_by = who;
  request.decided_at = now.toISOString();
  return next;
}

/** Changes one request in a new file (results, pinned_by). */
export function updateRequest(file: RequestsFile, id: number, change: (request: PromotionRequest) => void): RequestsFile {
  const next = structuredClone(file);
  const request = next.requests.find((candidate) => candidate.id === id);
  if (request) change(request);
  return next;
}

/** Drops the oldest decided requests beyond DECIDED_KEPT per pipeline (never a pending one, never one still pinning). */
export function pruneDecided(file: RequestsFile, keep = DECIDED_KEPT): RequestsFile {
  const decidedByPipeline = new Map<string, number[]>();
  for (const request of [...file.requests].sort((a, b) => b.id - a.id)) {
    if (request.status === 'pending' || request.pinned_by) continue;
    const ids = decidedByPipeline.get(request.pipeline) ?? [];
    ids.push(request.id);
    decidedByPipeline.set(request.pipeline, ids);
  }
  const dropped = new Set([...decidedByPipeline.values()].flatMap((ids) => ids.slice(keep)));
  if (dropped.size === 0) return file;
  return { ...file, requests: file.requests.filter((request) => !dropped.has(request.id)) };
}

/** pipeline:destroy: the pipeline's requests go with it; returns those whose pins must go. */
export function dropPipelineRequests(file: RequestsFile, pipeline: string): { file: RequestsFile; dropped: PromotionRequest[] } {
  const dropped = file.requests.filter((request) => request.pipeline === pipeline);
  return { file: { ...file, requests: file.requests.filter((request) => request.pipeline !== pipeline) }, dropped };
}
