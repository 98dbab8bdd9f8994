import { expect } from 'vitest';
import { UserError } from '../../src/lib/output/errors.js';
import type { ReleaseRecord } from '../../src/lib/releases/record.js';

/** A complete, valid release record: a succeeded push of `myapp`; tests override what matters. */
export function releaseRecord(fields: Partial<ReleaseRecord> = {}): ReleaseRecord {
  return {
    id: 1,
    app: 'myapp',
    kind: 'push',
    status: 'succeeded',
    phase: 'postdeploy',
    reason: null,
    description: 'Deploy',
    git_sha: null,
    source: null,
    source_metadata: null,
    image_id: null,
    image_tag: null,
    builder: 'dockerfile',
    who: 'alice',
    started_at: '2025-01-01T00:00:00.000Z',
    finished_at: null,
    build_id: null,
    pid: null,
    pid_start: null,
    dokku_pid: null,
    promoted_from: null,
    rollback_of: null,
    tasks: [],
    retained_by: null,
    events: [],
    log: null,
    ...fields,
  };
}

/** Runs a guard that must refuse; returns its one-line user-facing message. */
export function refusal(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(UserError);
    const message = (error as Error).message;
    expect(message).not.toContain('\n');
    return message;
  }
  throw new Error('expected a refusal');
}
