import { describe, expect, it } from 'vitest';
import { chooseRollbackTarget, expiredMessage, migrationWarning, releaseTasksAfter } from '../../src/lib/deploy/rollback.js';
import { parseReleaseId } from '../../src/lib/dokku/validate.js';
import { UserError } from '../../src/lib/output/errors.js';
import type { ReleaseRecord, TaskOutcome } from '../../src/lib/releases/record.js';
import { refusal, releaseRecord } from './support.js';


function record(id: number, fields: Partial<ReleaseRecord> = {}): ReleaseRecord {
  return releaseRecord({
    id, app: 'web', description: `Deploy ${id}`, git_sha: `${id}`.repeat(40).slice(0, 40), image_id: `sha256:image${id}`, who: 'test', ...fields,
  });
}

const releaseTask = (status: TaskOutcome['status']): TaskOutcome => ({ name: 'release', status, exit_code: status === 'skipped' ? null : 0, command: 'migrate' });
const newestFirst = (...records: ReleaseRecord[]) => records.sort((a, b) => b.id - a.id);


describe('chooseRollbackTarget', () => {
  it('defaults to the newest succeeded release before the current one', () => {
    const records = newestFirst(record(1), record(2), record(3, { status: 'failed' }), record(4));
    const choice = chooseRollbackTarget({ app: 'web', records, currentId: 4 });
    expect(choice.target.id).toBe(2);
    expect(choice.currentId).toBe(4);
  });

  it('after a rollback, the default goes back one more release (Heroku: eligible releases[1])', () => {
    const records = newestFirst(record(1), record(2), record(3), record(4, { kind: 'rollback', rollback_of: 2 }));
    expect(chooseRollbackTarget({ app: 'web', records, currentId: 4 }).target.id).toBe(3);
  });

  it('ignores newer failed attempts when the current release is not the newest', () => {
    const records = newestFirst(record(1), record(2), record(3, { status: 'failed' }));
    expect(chooseRollbackTarget({ app: 'web', records, currentId: 2 }).target.id).toBe(1);
  });

  it('takes an explicit ID, older or newer than the current release', () => {
    const records = newestFirst(record(1), record(2), record(3), record(4, { kind: 'rollback', rollback_of: 1 }));
    expect(chooseRollbackTarget({ app: 'web', records, currentId: 4, requestedId: 1 }).target.id).toBe(1);
    expect(chooseRollbackTarget({ app: 'web', records, currentId: 2, requestedId: 3 }).target.id).toBe(3);
  });

  it('falls back to the newest succeeded release when no current one is recorded', () => {
    const records = newestFirst(record(1), record(2));
    expect(chooseRollbackTarget({ app: 'web', records, currentId: undefined }).target.id).toBe(1);
  });

  it('refuses an app with fewer than two releases', () => {
    expect(refusal(() => chooseRollbackTarget({ app: 'web', records: [], currentId: undefined }))).toMatch(/no releases; there is nothing to roll back to/);
    expect(refusal(() => chooseRollbackTarget({ app: 'web', records: [record(1)], currentId: 1 }))).toMatch(/only one release/);
  });

  it('refuses an unknown ID', () => {
    const records = newestFirst(record(1), record(2));
    expect(refusal(() => chooseRollbackTarget({ app: 'web', records, currentId: 2, requestedId: 9 }))).toBe('Release v9 of web does not exist');
  });

  it("refuses the current release's ID", () => {
    const records = newestFirst(record(1), record(2));
    expect(refusal(() => chooseRollbackTarget({ app: 'web', records, currentId: 2, requestedId: 2 }))).toMatch(/v2 is the current release of web/);
  });

  it('refuses a failed or still running target, with the failure reason', () => {
    const records = newestFirst(record(1), record(2, { status: 'failed', reason: 'release task exited 1' }), record(3, { status: 'running' }), record(4));
    expect(refusal(() => chooseRollbackTarget({ app: 'web', records, currentId: 4, requestedId: 2 }))).toBe(
      'v2 of web failed (release task exited 1); only a succeeded release can be rolled back to',
    );
    expect(refusal(() => chooseRollbackTarget({ app: 'web', records, currentId: 4, requestedId: 3 }))).toMatch(/still deploying/);
  });

  it('refuses when nothing succeeded before the current release', () => {
    const records = newestFirst(record(1, { status: 'failed' }), record(2));
    expect(refusal(() => chooseRollbackTarget({ app: 'web', records, currentId: 2 }))).toBe('web has no succeeded release before v2 to roll back to');
  });

  it('lists the releases past the target whose release task ran', () => {
    const records = newestFirst(
      record(1, { tasks: [releaseTask('succeeded')] }),
      record(2, { tasks: [releaseTask('succeeded')] }),
      record(3, { tasks: [releaseTask('skipped')] }),
      record(4, { kind: 'rollback', rollback_of: 1, tasks: [releaseTask('succeeded')] }),
      record(5, { status: 'failed', tasks: [releaseTask('failed')] }),
    );
    expect(chooseRollbackTarget({ app: 'web', records, currentId: 4, requestedId: 1 }).passedReleaseTasks).toEqual([2, 5]);
    expect(releaseTasksAfter(records, 2)).toEqual([5]);
    expect(releaseTasksAfter(records, 5)).toEqual([]);
  });
});

describe('messages', () => {
  it('gives the git way back for an expired release', () => {
    const message = expiredMessage('web', record(1, { git_sha: 'abc123' }), 'main');
    expect(message).toContain('v1 of web has expired');
    expect(message).toContain('git push -f dokku abc123:main');
    expect(message).toContain('dokku git:sync --build web <repository> abc123');
    expect(expiredMessage('web', record(1, { git_sha: null }), 'main')).toContain('not recorded');
  });

  it('names every release whose migrations stay', () => {
    expect(migrationWarning([2, 5])).toBe('Rolling back past v2, v5, whose release task ran: database migrations are not undone');
  });
});

describe('hostile release IDs', () => {
  it.each(['0', '-1', 'v', 'v0', '1e3', '1.5', '01', '../1', '1;rm', ' 1', '9999999999', ''])('refuses %j', (raw) => {
    expect(() => parseReleaseId(raw)).toThrow(UserError);
  });
  it.each([['7', 7], ['v7', 7]])('accepts %s', (raw, id) => {
    expect(parseReleaseId(raw)).toBe(id);
  });
});
