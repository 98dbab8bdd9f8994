import { describe, expect, it } from 'vitest';
import type { ReleaseRecord } from '../../src/lib/releases/record.js';
import { holderName, keptReleaseIds, planRetention, type Holder } from '../../src/lib/retention/plan.js';
import { releaseRecord } from './support.js';

function record(id: number, fields: Partial<ReleaseRecord> = {}): ReleaseRecord {
  return releaseRecord({ id, app: 'web', description: `Deploy ${id}`, image_id: `sha256:image${id}`, who: 'test', ...fields });
}

const holder = (id: number, imageId = `sha256:image${id}`): Holder => ({ name: holderName('web', id), releaseId: id, imageId });

describe('keptReleaseIds', () => {
  it('keeps the newest N succeeded releases, newest first', () => {
    const records = [1, 2, 3, 4, 5, 6, 7].map((id) => record(id));
    expect(keptReleaseIds(records, 5, 7)).toEqual([7, 6, 5, 4, 3]);
  });

  it('does not count failed or running attempts against N', () => {
    const records = [
      record(1),
      record(2),
      record(3, { status: 'failed' }),
      record(4),
      record(5, { status: 'failed', image_id: null }),
      record(6, { status: 'running' }),
    ];
    expect(keptReleaseIds(records, 3, 4)).toEqual([4, 2, 1]);
  });

  it('counts rollback releases as releases of their own', () => {
    const records = [
      record(1),
      record(2),
      record(3),
      record(4, { kind: 'rollback', rollback_of: 2, image_id: 'sha256:child-of-2' }),
    ];
    expect(keptReleaseIds(records, 2, 4)).toEqual([4, 3]);
  });

  it('always keeps the current release, even beyond N', () => {
    const records = [record(1), record(2), record(3), record(4)];
    expect(keptReleaseIds(records, 2, 1)).toEqual([4, 3, 1]);
  });

  it('skips succeeded releases whose image was never recorded', () => {
    const records = [record(1), record(2, { image_id: null }), record(3)];
    expect(keptReleaseIds(records, 2, 3)).toEqual([3, 1]);
  });

  it('does not keep a current ID that did not succeed', () => {
    expect(keptReleaseIds([record(1), record(2, { status: 'failed' })], 1, 2)).toEqual([1]);
  });
});

describe('planRetention', () => {
  it('holds the new release and releases the one that falls out of the window', () => {
    const records = [1, 2, 3].map((id) => record(id, { retained_by: id < 3 ? holderName('web', id) : null }));
    const plan = planRetention({ records, holders: [holder(1), holder(2)], keep: 2, currentId: 3 });
    expect(plan.keptIds).toEqual([3, 2]);
    expect(plan.hold).toEqual([{ releaseId: 3, imageId: 'sha256:image3' }]);
    expect(plan.releaseHolders.map((h) => h.name)).toEqual(['ownstack-retain.web.v1']);
    expect(plan.unmarkIds).toEqual([1]);
    expect(plan.removeImages).toEqual(['sha256:image1']);
  });

  it('does nothing more when everything is already held', () => {
    const records = [1, 2].map((id) => record(id, { retained_by: holderName('web', id) }));
    const plan = planRetention({ records, holders: [holder(1), holder(2)], keep: 5, currentId: 2 });
    expect(plan).toEqual({ keptIds: [2, 1], hold: [], releaseHolders: [], unmarkIds: [], removeImages: [] });
  });

  it('never removes an image a kept release still uses (a rollback to it shares the image)', () => {
    const records = [
      record(1, { retained_by: holderName('web', 1) }),
      record(2, { retained_by: holderName('web', 2) }),
      record(3, { kind: 'rollback', rollback_of: 1, image_id: 'sha256:image1' }),
    ];
    const plan = planRetention({ records, holders: [holder(1), holder(2)], keep: 2, currentId: 3 });
    expect(plan.keptIds).toEqual([3, 2]);
    expect(plan.releaseHolders.map((h) => h.releaseId)).toEqual([1]);
    expect(plan.removeImages).toEqual([]);
  });

  it('keeps failed releases out of the window, so a failed deploy releases nothing', () => {
    const records = [record(1), record(2), record(3, { status: 'failed' })];
    const plan = planRetention({ records, holders: [holder(1), holder(2)], keep: 2, currentId: 2 });
    expect(plan.releaseHolders).toEqual([]);
    expect(plan.hold).toEqual([]);
  });

  it('re-holds a kept release whose holder is missing (repair) and replaces a stale holder', () => {
    const records = [record(1), record(2), record(3)];
    const plan = planRetention({
      records,
      holders: [holder(2, 'sha256:something-else'), holder(3)],
      keep: 3,
      currentId: 3,
    });
    expect(plan.hold).toEqual([
      { releaseId: 1, imageId: 'sha256:image1' },
      { releaseId: 2, imageId: 'sha256:image2' },
    ]);
    expect(plan.releaseHolders.map((h) => h.imageId)).toEqual(['sha256:something-else']);
    expect(plan.removeImages).toEqual(['sha256:something-else']);
  });

  it('removes holders whose release is unknown or unreadable', () => {
    const orphan: Holder = { name: 'ownstack-retain.web.v9', releaseId: undefined, imageId: 'sha256:orphan' };
    const plan = planRetention({ records: [record(1)], holders: [holder(1), orphan], keep: 5, currentId: 1 });
    expect(plan.releaseHolders).toEqual([orphan]);
    expect(plan.removeImages).toEqual(['sha256:orphan']);
  });

  it('with retention 2 after five pushes keeps only the last two', () => {
    const records = [1, 2, 3, 4, 5].map((id) => record(id, { retained_by: id < 5 ? holderName('web', id) : null }));
    const holders = [holder(3), holder(4)]; // 1 and 2 were released by earlier deploys
    const plan = planRetention({ records, holders, keep: 2, currentId: 5 });
    expect(plan.keptIds).toEqual([5, 4]);
    expect(plan.releaseHolders.map((h) => h.releaseId)).toEqual([3]);
    expect(plan.unmarkIds).toEqual([1, 2, 3]);
    expect(plan.removeImages.sort()).toEqual(['sha256:image1', 'sha256:image2', 'sha256:image3']);
  });
});

describe('holderName', () => {
  it('cannot collide between apps whose names contain dots', () => {
    expect(holderName('a', 1)).not.toEqual(holderName('a.v1', 1));
    expect(holderName('a.v1', 2)).toBe('ownstack-retain.a.v1.v2');
  });
});
