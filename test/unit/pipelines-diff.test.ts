import { describe, expect, it } from 'vitest';
import { parseLog, type GitCommit } from '../../src/lib/dokku/git.js';
import { inertJson, printable } from '../../src/lib/output/log.js';
import { diffJson, diffTarget, diffText, sourceProblem, stateOf, type CommitRepository, type SourceRelease, type TargetDiff } from '../../src/lib/pipelines/diff.js';
import type { MemberStatus } from '../../src/lib/stacks/status.js';

// A repository as a commit graph: each commit names its parents; newest first means by date.
const sha = (n: number) => n.toString(16).padStart(40, '0');

function repository(graph: Record<number, number[]>): CommitRepository & { calls: string[] } {
  const calls: string[] = [];
  const reach = (from: string): Set<string> => {
    const seen = new Set<string>();
    const stack = [from];
    while (stack.length > 0) {
      const next = stack.pop()!;
      if (seen.has(next)) continue;
      seen.add(next);
      stack.push(...(graph[parseInt(next, 16)] ?? []).map(sha));
    }
    return seen;
  };
  const between = (include: string, exclude: string | undefined) => {
    const excluded = exclude === undefined ? new Set<string>() : reach(exclude);
    return [...reach(include)].filter((commit) => !excluded.has(commit)).sort((a, b) => parseInt(b, 16) - parseInt(a, 16));
  };
  const commit = (id: string): GitCommit => ({ sha: id, author: `author ${parseInt(id, 16)}`, date: `2026-01-${String(parseInt(id, 16)).padStart(2, '0')}T10:00:00+01:00`, subject: `change ${parseInt(id, 16)}` });
  return {
    calls,
    hasCommit: async (id) => {
      calls.push(`has ${parseInt(id, 16)}`);
      return parseInt(id, 16) in graph;
    },
    countCommits: async (include, exclude) => between(include, exclude).length,
    commitsBetween: async (include, exclude, limit) => between(include, exclude).slice(0, limit).map(commit),
  };
}

// 1 <- 2 <- 3 <- 4 (the source), and 3 <- 5 (a commit only the target has)
const linear = { 1: [], 2: [1], 3: [2], 4: [3], 5: [3] };
const source: SourceRelease = { app: 'shop-staging', id: 7, git_sha: sha(4), promoted_from: null };

function target(current: MemberStatus['current'], change: Partial<MemberStatus> = {}): MemberStatus {
  return { app: 'shop', stack: null, stage: 'production', reachable: true, current, error: null, ...change };
}
const running = (n: number | null, id = 3): MemberStatus['current'] => ({ id, git_sha: n === null ? null : sha(n), status: 'succeeded', kind: 'deploy', who: 'ann', started_at: null });

async function diff(t: MemberStatus, src: SourceRelease = source, graph: Record<number, number[]> = linear, limit?: number): Promise<TargetDiff> {
  const repo = repository(graph);
  return diffTarget(src, await sourceProblem(src, repo), t, repo, limit);
}

describe('the state of a target against the source', () => {
  it('behind: the commits the promotion brings, newest first, and nothing the target has', async () => {
    const result = await diff(target(running(2)));
    expect(result.state).toBe('behind');
    expect(result.commits.map((c) => c.sha)).toEqual([sha(4), sha(3)]);
    expect(result.more).toBe(0);
    expect(result.target_only).toBe(0);
    expect(result.reason).toBeNull();
    expect(result.target_release).toEqual({ id: 3, git_sha: sha(2), status: 'succeeded' });
    expect(result.source_release).toEqual({ app: 'shop-staging', id: 7, git_sha: sha(4) });
  });

  it('up to date when both run the same SHA', async () => {
    const result = await diff(target(running(4)));
    expect(result).toMatchObject({ state: 'up-to-date', commits: [], more: 0, target_only: 0 });
  });

  it('ahead when the target has commits the source lacks, and diverged when both do', async () => {
    expect(await diff(target(running(5)), { ...source, git_sha: sha(3) })).toMatchObject({ state: 'ahead', commits: [], target_only: 1 });
    const diverged = await diff(target(running(5)));
    expect(diverged).toMatchObject({ state: 'diverged', target_only: 1 });
    expect(diverged.commits.map((c) => c.sha)).toEqual([sha(4)]);
  });

  it('caps the list and says how many more there are', async () => {
    const result = await diff(target(running(1)), source, linear, 2);
    expect(result.commits.map((c) => c.sha)).toEqual([sha(4), sha(3)]);
    expect(result.more).toBe(1);
  });

  it('a target with no release: everything up to the source SHA is new', async () => {
    const result = await diff(target(null));
    expect(result.state).toBe('behind');
    expect(result.commits.map((c) => c.sha)).toEqual([sha(4), sha(3), sha(2), sha(1)]);
    expect(result.reason).toBe(`shop has no release yet: everything up to ${sha(4).slice(0, 7)} is new`);
  });

  it('stateOf covers every combination', () => {
    expect([stateOf(0, 0), stateOf(2, 0), stateOf(0, 2), stateOf(1, 1)]).toEqual(['up-to-date', 'behind', 'ahead', 'diverged']);
  });
});

describe('what cannot be known is said, never guessed', () => {
  it('a target release without a SHA (an image deploy, a promotion whose SHA is unknown)', async () => {
    const result = await diff(target(running(null)));
    expect(result).toMatchObject({ state: 'unknown', commits: [], more: 0, target_only: null });
    expect(result.reason).toMatch(/^shop v3 has no git SHA \(an image deploy without a revision label/);
  });

  it('a source release without a SHA: every target is unknown, and git is never asked', async () => {
    const repo = repository(linear);
    const src = { ...source, git_sha: null };
    const result = await diffTarget(src, await sourceProblem(src, repo), target(running(2)), repo);
    expect(result.state).toBe('unknown');
    expect(result.reason).toMatch(/^shop-staging v7 has no git SHA/);
    expect(repo.calls).toEqual([]);
  });

  it('a target SHA that is not in the source repository', async () => {
    const result = await diff(target(running(9)));
    expect(result.state).toBe('unknown');
    expect(result.reason).toBe(`${sha(9).slice(0, 7)}, the SHA of shop v3, is not in the git repository of shop-staging`);
  });

  it('a source SHA that is not in its own repository names where the release came from', async () => {
    const result = await diff(target(running(2)), { ...source, git_sha: sha(9), promoted_from: { app: 'shop-dev', id: 4 } });
    expect(result.state).toBe('unknown');
    expect(result.reason).toBe(`${sha(9).slice(0, 7)}, the SHA of shop-staging v7, is not in the git repository of shop-staging (v7 came by promotion from shop-dev v4)`);
  });

  it('a SHA that is not 40 hex digits never reaches git', async () => {
    const repo = repository(linear);
    const t = target({ id: 3, git_sha: '--output=/tmp/x', status: 'succeeded', kind: 'deploy', who: null, started_at: null });
    const result = await diffTarget(source, await sourceProblem(source, repo), t, repo);
    expect(result.state).toBe('unknown');
    expect(result.reason).toBe('shop v3 names no full git SHA (--output=/tmp/x)');
    expect(repo.calls).toEqual([`has 4`]);
    expect(await sourceProblem({ ...source, git_sha: 'HEAD' }, repo)).toBe('shop-staging v7 names no full git SHA (HEAD)');
  });

  it('a repository git cannot read makes the answer unknown, target by target', async () => {
    const broken: CommitRepository = {
      hasCommit: async () => {
        throw new Error("git rev-parse failed: not a git repository: '/home/dokku/shop-staging'\nmore");
      },
      countCommits: async () => 0,
      commitsBetween: async () => [],
    };
    const problem = await sourceProblem(source, broken);
    expect(problem).toBe("cannot read the git repository of shop-staging: git rev-parse failed: not a git repository: '/home/dokku/shop-staging'");
    const failingLog: CommitRepository = { ...repository(linear), commitsBetween: async () => Promise.reject(new Error('git log failed: boom')) };
    const result = await diffTarget(source, undefined, target(running(2)), failingLog);
    expect(result).toMatchObject({ state: 'unknown', reason: 'cannot read the git repository of shop-staging: git log failed: boom', commits: [], target_only: null });
    expect(result.target_release).toEqual({ id: 3, git_sha: sha(2), status: 'succeeded' });
  });

  it('a target on another stack: compared by SHA only, or unreachable', async () => {
    const remote = await diff(target(running(2), { stack: 'eu' }));
    expect(remote).toMatchObject({ target: 'shop@eu', state: 'behind', reason: 'on another stack: compared by SHA only' });
    const unreachable = await diff(target(null, { stack: 'eu', reachable: false, error: 'stack eu (dokku@eu) is unreachable' }));
    expect(unreachable).toMatchObject({ state: 'unknown', reason: 'shop@eu is unreachable: stack eu (dokku@eu) is unreachable' });
    const answered = await diff(target(null, { stack: 'eu', error: 'stack eu (dokku@eu): \u001b[2J App shop does not exist' }));
    expect(answered.reason).toBe('cannot read the release of shop@eu: stack eu (dokku@eu): \\u001b[2J App shop does not exist');
    const missing = await diff(target(running(9), { stack: 'eu' }));
    expect(missing.reason).toMatch(/is not in the git repository of shop-staging \(on another stack: compared by SHA only\)$/);
  });
});

describe('output', () => {
  const hostile: GitCommit = { sha: sha(4), author: 'Eve\u001b]0;owned\u0007', date: '2026-12-03T17:45:53+00:00', subject: '\u001b[31mred\u009b2J\nsecond line' };
  const behind: TargetDiff = {
    target: 'shop', stage: 'production', target_release: { id: 3, git_sha: sha(2), status: 'succeeded' },
    source_release: { app: 'shop-staging', id: 7, git_sha: sha(4) }, state: 'behind', reason: null, commits: [hostile], more: 0, target_only: 0,
  };

  it('prints every target with its release and the commits, control characters inert', () => {
    const text = diffText(source, [behind]);
    expect(text).toBe([
      `=====> shop-staging v7 (${sha(4).slice(0, 7)}) compared with the apps it promotes to`,
      `=====> shop (production): v3 (${sha(2).slice(0, 7)})`,
      '       1 commit ahead of shop:',
      `         ${sha(4).slice(0, 7)}  2026-12-03 17:45  Eve\\u001b]0;owned\\u0007  \\u001b[31mred\\u009b2J\\nsecond line`,
    ].join('\n'));
    expect(text).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
  });

  it('says how many more, up to date, ahead, diverged and unknown in words', () => {
    const text = diffText(source, [
      { ...behind, more: 150 },
      { ...behind, target: 'shop-b', state: 'up-to-date', commits: [], target_release: { id: 5, git_sha: sha(4), status: 'succeeded' } },
      { ...behind, target: 'shop-c', state: 'ahead', commits: [], target_only: 2 },
      { ...behind, target: 'shop-d', state: 'diverged', target_only: 1 },
      { ...behind, target: 'shop-e', state: 'unknown', commits: [], target_release: { id: 2, git_sha: null, status: 'succeeded' }, reason: 'shop-e v2 has no git SHA' },
    ]);
    expect(text).toContain('       151 commits ahead of shop:\n');
    expect(text).toContain('       … and 150 more commits (the newest 1 are listed)');
    expect(text).toContain(`       Up to date: shop-b runs ${sha(4).slice(0, 7)} already`);
    expect(text).toContain('       Ahead: shop-c has 2 commits that shop-staging v7 does not; the promotion brings no commit');
    expect(text).toContain('       1 commit ahead of shop-d (diverged: shop-d has 1 commit that shop-staging v7 does not):');
    expect(text).toContain('=====> shop-e (production): v2 (no SHA)\n       Cannot tell which commits it would bring: shop-e v2 has no git SHA');
  });

  it('JSON: the documented keys, and no raw control character at all', () => {
    const json = diffJson([behind]);
    expect(json).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
    const parsed = JSON.parse(json) as TargetDiff[];
    expect(Object.keys(parsed[0])).toEqual(['target', 'stage', 'target_release', 'source_release', 'state', 'reason', 'commits', 'more', 'target_only']);
    expect(parsed[0].commits[0]).toEqual(hostile);
  });
});

describe('the pieces under it', () => {
  it('parseLog reads git log -z records, and refuses anything else', () => {
    const out = `${sha(4)}\0Ann\0${'2026-12-03T17:45:53+00:00'}\0fix: a\0${sha(3)}\0Bob\0${'2026-12-02T10:00:00+01:00'}\0\0`;
    expect(parseLog(out)).toEqual([
      { sha: sha(4), author: 'Ann', date: '2026-12-03T17:45:53+00:00', subject: 'fix: a' },
      { sha: sha(3), author: 'Bob', date: '2026-12-02T10:00:00+01:00', subject: '' },
    ]);
    expect(parseLog('')).toEqual([]);
    expect(() => parseLog('fatal: bad\0x\0y\0z\0')).toThrow(/not a list of commits/);
    expect(() => parseLog(`${sha(4)}\0Ann\0`)).toThrow(/not a list of commits/);
  });

  it('printable and inertJson escape DEL and the C1 controls as well as the C0 ones', () => {
    expect(printable('a\u001bb\u007fc\u009bd\u2028e')).toBe('a\\u001bb\\u007fc\\u009bd\\u2028e');
    expect(JSON.parse(inertJson({ s: 'x\u009by' }))).toEqual({ s: 'x\u009by' });
    expect(printable('plain "quoted" text')).toBe('plain \\"quoted\\" text');
  });
});
