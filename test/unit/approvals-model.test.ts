import { describe, expect, it } from 'vitest';
import {
  addRequest,
  assertDecidable,
  decideRequest,
  displayStatus,
  dropPipelineRequests,
  emptyRequests,
  expireDue,
  parseRequestId,
  pruneDecided,
  requestsOf,
  RequestsFileSchema,
  updateRequest,
  type NewRequest,
  type RequestsFile,
} from '../../src/lib/approvals/model.js';
import { pinName } from '../../src/lib/approvals/pins.js';
import { refusal } from './support.js';

const IMAGE = `sha256:${'ab'.repeat(32)}`;
const T0 = new Date('2025-01-01T00:00:00.000Z');
const later = (ms: number) => new Date(T0.getTime() + ms);
const HOUR = 3_600_000;

function request(change: Partial<NewRequest> = {}): NewRequest {
  return {
    pipeline: 'shop',
    source: { app: 'shop-staging', release_id: 7, image_id: IMAGE, git_sha: 'abc' },
    targets: [{ app: 'shop', stage: 'production', stack: null }],
    requestedBy: 'alice',
    ttlMs: 24 * HOUR,
    ...change,
  };
}

function withRequest(change: Partial<NewRequest> = {}, file: RequestsFile = emptyRequests(), at = T0) {
  return addRequest(file, request(change), at);
}

describe('request IDs', () => {
  it('are written 3 or r3', () => {
    expect(parseRequestId('3')).toBe(3);
    expect(parseRequestId('r42')).toBe(42);
  });

  it('refuse anything else', () => {
    for (const bad of ['r', '0', 'r0', '-1', 'v3', 'R3', '3 ', '1e3', '../3', '$(id)', 'r1234567890']) {
      expect(refusal(() => parseRequestId(bad)), bad).toMatch(/^Invalid request ID/);
    }
    expect(refusal(() => parseRequestId(undefined))).toMatch(/^Please specify a request ID/);
  });
});

describe('a new request', () => {
  it('is pending, pins the source release and image, expires after the TTL, and takes the next ID', () => {
    const first = withRequest();
    expect(first.request).toMatchObject({
      id: 1, pipeline: 'shop', status: 'pending', requested_by: 'alice',
      requested_at: '2025-01-01T00:00:00.000Z', expires_at: '2025-01-02T00:00:00.000Z',
      source: { app: 'shop-staging', release_id: 7, image_id: IMAGE }, decided_by: null, results: [], pinned_by: null,
    });
    expect(first.request.targets).toEqual([{ app: 'shop', stage: 'production', stack: null }]);
    const second = withRequest({}, first.file);
    expect(second.request.id).toBe(2);
    expect(second.file.next_id).toBe(3);
    expect(RequestsFileSchema.safeParse(second.file).success).toBe(true);
  });

  it('never reuses an ID, even after older requests were pruned', () => {
    const file = { ...emptyRequests(), next_id: 9 };
    expect(withRequest({}, file).request.id).toBe(9);
  });

  it('is refused by the schema when its image is not a sha256 ID', () => {
    const { file } = withRequest({ source: { app: 'shop-staging', release_id: 7, image_id: 'dokku/x:latest', git_sha: null } });
    expect(RequestsFileSchema.safeParse(file).success).toBe(false);
  });
});

describe('deciding', () => {
  it('refuses self-approval, but lets the requester withdraw (reject) it', () => {
    const { file } = withRequest();
    expect(refusal(() => assertDecidable(file, 'shop', 1, 'alice', 'approve', T0))).toBe('Request r1 was made by alice; another user must approve it');
    expect(assertDecidable(file, 'shop', 1, 'alice', 'reject', T0).id).toBe(1);
    expect(assertDecidable(file, 'shop', 1, 'bob', 'approve', T0).id).toBe(1);
  });

  it("refuses another pipeline's request and unknown IDs", () => {
    const { file } = withRequest();
    expect(refusal(() => assertDecidable(file, 'blog', 1, 'bob', 'approve', T0))).toBe('Request r1 does not exist in pipeline blog');
    expect(refusal(() => assertDecidable(file, 'shop', 2, 'bob', 'approve', T0))).toBe('Request r2 does not exist in pipeline shop');
  });

  it('decides once: approved or rejected, with who and when', () => {
    const { file } = withRequest();
    const approved = decideRequest(file, 1, 'approved', 'bob', later(HOUR));
    expect(approved.requests[0]).toMatchObject({ status: 'approved', decided_by: 'bob', decided_at: '2025-01-01T01:00:00.000Z' });
    expect(file.requests[0].status).toBe('pending'); // the input is never changed
    expect(refusal(() => assertDecidable(approved, 'shop', 1, 'carol', 'approve', later(HOUR)))).toBe('Request r1 is already approved (by bob)');
    expect(refusal(() => decideRequest(approved, 1, 'rejected', 'carol', later(HOUR)))).toBe('Request r1 is no longer pending');
    const rejected = decideRequest(file, 1, 'rejected', 'bob', later(HOUR));
    expect(refusal(() => assertDecidable(rejected, 'shop', 1, 'carol', 'reject', later(HOUR)))).toBe('Request r1 is already rejected (by bob)');
  });

  it('records per-target results', () => {
    const { file } = withRequest();
    const next = updateRequest(file, 1, (stored) => {
      stored.results = [{ app: 'shop', ok: true, release_id: 12, reason: null }];
    });
    expect(next.requests[0].results).toEqual([{ app: 'shop', ok: true, release_id: 12, reason: null }]);
    expect(file.requests[0].results).toEqual([]);
  });
});

describe('expiry', () => {
  it('shows a pending request as expired from its expiry on', () => {
    const { request } = withRequest({ ttlMs: 2 * HOUR });
    expect(displayStatus(request, later(2 * HOUR - 1))).toBe('pending');
    expect(displayStatus(request, later(2 * HOUR))).toBe('expired');
  });

  it('refuses to decide an expired request', () => {
    const { file } = withRequest({ ttlMs: 2 * HOUR });
    expect(refusal(() => assertDecidable(file, 'shop', 1, 'bob', 'approve', later(3 * HOUR)))).toBe(
      'Request r1 expired at 2025-01-01T02:00:00.000Z; promote again to make a new request',
    );
    expect(refusal(() => assertDecidable(file, 'shop', 1, 'bob', 'reject', later(3 * HOUR)))).toMatch(/expired/);
  });

  it('writes down due requests, unpinned, and returns them as they were pinned', () => {
    const first = withRequest({ ttlMs: HOUR });
    const pinned = updateRequest(first.file, 1, (stored) => {
      stored.pinned_by = pinName('shop', 1);
    });
    const second = withRequest({ ttlMs: 5 * HOUR }, pinned);
    const { file, expired } = expireDue(second.file, later(2 * HOUR));
    expect(expired.map((r) => [r.id, r.pinned_by])).toEqual([[1, 'ownstack-request.shop.r1']]);
    expect(file.requests.map((r) => [r.id, r.status, r.pinned_by, r.decided_at])).toEqual([
      [1, 'expired', null, '2025-01-01T01:00:00.000Z'],
      [2, 'pending', null, null],
    ]);
    expect(expireDue(file, later(2 * HOUR)).expired).toEqual([]);
  });
});

describe('keeping the file small', () => {
  it('drops the oldest decided requests per pipeline, never a pending or pinned one', () => {
    let file = emptyRequests();
    for (let i = 0; i < 6; i++) file = withRequest({}, file).file;
    file = withRequest({ pipeline: 'blog' }, file).file;
    for (const id of [1, 2, 3, 4, 7]) file = decideRequest(file, id, 'rejected', 'bob', T0);
    file = updateRequest(file, 1, (stored) => {
      stored.pinned_by = 'ownstack-request.shop.r1';
    });
    const pruned = pruneDecided(file, 2);
    expect(pruned.requests.map((r) => r.id)).toEqual([1, 3, 4, 5, 6, 7]);
    expect(pruned.next_id).toBe(8);
  });

  it('lists a pipeline newest first, and drops them with the pipeline', () => {
    let file = emptyRequests();
    file = withRequest({}, file).file;
    file = withRequest({ pipeline: 'blog' }, file).file;
    file = withRequest({}, file).file;
    expect(requestsOf(file, 'shop').map((r) => r.id)).toEqual([3, 1]);
    const { file: left, dropped } = dropPipelineRequests(file, 'shop');
    expect(dropped.map((r) => r.id)).toEqual([1, 3]);
    expect(left.requests.map((r) => r.id)).toEqual([2]);
    expect(left.next_id).toBe(4);
  });
});
