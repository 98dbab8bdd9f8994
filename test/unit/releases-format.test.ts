import { describe, expect, it } from 'vitest';
import { canRollBackTo, columns, displayStatus, historyHeader, historyTable, infoRows, needsImageCheck, withDisplayStatus } from '../../src/lib/releases/format.js';
import type { ReleaseRecord } from '../../src/lib/releases/record.js';
import { releaseRecord } from './support.js';

const NOW = new Date('2025-01-01T12:00:00Z');

function record(overrides: Partial<ReleaseRecord>): ReleaseRecord {
  return releaseRecord({
    description: 'Deploy 1a2b3c4', git_sha: '1a2b3c4d5e6f7a8b9c0d1a2b3c4d5e6f7a8b9c0d', image_id: 'sha256:a', started_at: '2025-01-01T11:00:00.000Z', ...overrides,
  });
}

describe('display status', () => {
  const images = new Set(['sha256:a']);
  it('is expired for a succeeded, non-current release whose image is gone', () => {
    expect(displayStatus(record({ id: 1, image_id: 'sha256:gone' }), 2, images)).toBe('expired');
    expect(displayStatus(record({ id: 1, image_id: 'sha256:a' }), 2, images)).toBe('succeeded');
  });
  it('never for the current release, a failed one, or when the images are unknown', () => {
    expect(displayStatus(record({ id: 2, image_id: 'sha256:gone' }), 2, images)).toBe('succeeded');
    expect(displayStatus(record({ status: 'failed', image_id: 'sha256:gone' }), 2, images)).toBe('failed');
    expect(displayStatus(record({ image_id: 'sha256:gone' }), 2, undefined)).toBe('succeeded');
  });
  it('asks docker only when some row could be expired', () => {
    expect(needsImageCheck([record({ id: 2 })], 2)).toBe(false);
    expect(needsImageCheck([record({ status: 'failed' })], 2)).toBe(false);
    expect(needsImageCheck([record({ id: 1 })], 2)).toBe(true);
  });
  it('counts rollback targets: succeeded, not current, image present', () => {
    expect(canRollBackTo(record({ id: 1 }), 2, images)).toBe(true);
    expect(canRollBackTo(record({ id: 2 }), 2, images)).toBe(false);
    expect(canRollBackTo(record({ id: 1, image_id: 'sha256:b' }), 2, images)).toBe(false);
    expect(canRollBackTo(record({ id: 1, status: 'failed' }), 2, images)).toBe(false);
  });
});

describe('the history table', () => {
  it('has a Heroku-shaped header and aligned columns', () => {
    const rows = withDisplayStatus(
      [
        record({ id: 3, kind: 'config', description: 'Config change', started_at: '2025-01-01T11:58:00.000Z' }),
        record({ id: 2, status: 'failed', phase: 'release', git_sha: 'ffffffffff', description: 'Deploy fffffff', who: 'bob' }),
        record({ id: 1, image_id: 'sha256:gone', started_at: '2024-12-30T12:00:00.000Z' }),
      ],
      3,
      new Set(['sha256:a']),
    );
    expect(historyHeader('myapp', 3)).toBe('=====> myapp Releases - Current: v3');
    expect(historyHeader('myapp', undefined)).toBe('=====> myapp Releases - Current: none');
    const lines = historyTable(rows, NOW).split('\n');
    expect(lines[0]).toMatch(/^ID +KIND +SHA +STATUS +WHEN +WHO +DESCRIPTION$/);
    expect(lines[1]).toMatch(/^v3 +config +1a2b3c4 +succeeded +2 minutes ago +alice +Config change$/);
    expect(lines[2]).toMatch(/^v2 +push +fffffff +failed \(release\) +1 hour ago +bob +Deploy fffffff$/);
    expect(lines[3]).toMatch(/^v1 +push +1a2b3c4 +expired +2 days ago +alice +Deploy 1a2b3c4$/);
    // columns line up
    const at = (line: string) => line.indexOf('KIND') >= 0 ? line.indexOf('KIND') : line.search(/ (config|push)/) + 1;
    expect(new Set(lines.map(at)).size).toBe(1);
  });

  it('cannot be broken by hostile text: newlines and control bytes are escaped', () => {
    const out = columns(['A', 'B'], [['x\ny', 'a\u001b[31mb']]);
    expect(out.split('\n')).toHaveLength(2);
    expect(out).not.toContain('\u001b');
  });

  it('aligns by display width, so wide characters in a description or user name keep columns straight', () => {
    const lines = columns(['WHO', 'DESCRIPTION', 'X'], [['日本', 'héllo ✓', 'a'], ['bob', 'plain', 'b']]).split('\n');
    // 日本 is two characters but four terminal cells wide: the next column starts at the same cell.
    expect(lines[1]).toBe('日本  héllo ✓      a');
    expect(lines[2]).toBe('bob   plain        b');
    expect(lines[0]).toBe('WHO   DESCRIPTION  X');
  });

  it('info rows name the current release, targets and pipeline', () => {
    const current = { ...record({ id: 3, finished_at: '2025-01-01T11:00:00.000Z' }), display_status: 'succeeded' as const };
    const rows = Object.fromEntries(infoRows(current, 2, { pipeline: 'shop', stage: 'production' }, NOW));
    expect(rows).toMatchObject({
      'Current release': 'v3', 'Git sha': current.git_sha, Image: 'sha256:a', 'Deployed by': 'alice',
      'Rollback targets': '2', Pipeline: 'shop', Stage: 'production',
    });
    expect(rows['Deployed at']).toBe('2025-01-01T11:00:00.000Z (1 hour ago)');
  });
});
