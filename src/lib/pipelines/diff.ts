import type { GitCommit } from '../dokku/git.js';
import { inertJson, printable } from '../output/log.js';
import { shortSha } from '../releases/describe.js';
import type { MemberStatus } from '../stacks/status.js';

// `pipeline:diff`: the commits a promotion would bring to each target, as Heroku's pipeline page
// lists them ("3 commits ahead of production"). The commits come from the source app's git
// repository, between the source's and each target's running release; where that cannot be
// known (no SHA, a SHA the repository lacks), the answer says so instead of guessing. The
// repository is passed in, so every decision here is made without a host.

export const COMMIT_LIMIT = 100;

const FULL_SHA = /^[0-9a-f]{40}$/;

export type DiffState = 'up-to-date' | 'ahead' | 'behind' | 'diverged' | 'unknown';

/** What the decisions need from the source's repository (src/lib/dokku/git.ts on a host). */
export interface CommitRepository {
  hasCommit(sha: string): Promise<boolean>;
  countCommits(include: string, exclude: string | undefined): Promise<number>;
  commitsBetween(include: string, exclude: string | undefined, limit: number): Promise<GitCommit[]>;
}

export interface SourceRelease {
  app: string;
  id: number;
  git_sha: string | null;
  /** Where the release came from, when it was promoted (its SHA is then in that app's repository). */
  promoted_from: { app: string; id: number; host?: string | null } | null;
}

/** The `--format json` shape of one target; `reason` says why a state is unknown, or what else to know. */
export interface TargetDiff {
  target: string;
  stage: string;
  target_release: { id: number; git_sha: string | null; status: string } | null;
  source_release: { app: string; id: number; git_sha: string | null };
  state: DiffState;
  reason: string | null;
  /** What the promotion brings, newest first, at most COMMIT_LIMIT. */
  commits: GitCommit[];
  /** How many more commits it brings than `commits` lists. */
  more: number;
  /** Commits the target runs that the source lacks (ahead, diverged); null when unknown. */
  target_only: number | null;
}

const NO_SHA_WHY = 'an image deploy without a revision label, or a promotion whose SHA is unknown';
const OTHER_STACK = 'on another stack: compared by SHA only';

export const targetLabel = (status: Pick<MemberStatus, 'app' | 'stack'>) => (status.stack ? `${status.app}@${status.stack}` : status.app);

/** Why the source's SHA cannot be compared at all, or undefined when it can. */
export async function sourceProblem(source: SourceRelease, repo: CommitRepository): Promise<string | undefined> {
  const sha = source.git_sha;
  if (!sha) return `${source.app} v${source.id} has no git SHA (${NO_SHA_WHY})`;
  if (!FULL_SHA.test(sha)) return `${source.app} v${source.id} names no full git SHA (${printable(sha, 64)})`;
  try {
    if (await repo.hasCommit(sha)) return undefined;
  } catch (error) {
    return unreadable(source.app, error);
  }
  const from = source.promoted_from;
  const origin = from ? ` (v${source.id} came by promotion from ${from.host ? `${from.app}@${from.host}` : from.app} v${from.id})` : '';
  return `${shortSha(sha)}, the SHA of ${source.app} v${source.id}, is not in the git repository of ${source.app}${origin}`;
}

const unreadable = (app: string, error: unknown) => `cannot read the git repository of ${app}: ${(error instanceof Error ? error.message : String(error)).split('\n')[0]}`;

/**
 * One target's answer. `problem` is sourceProblem's answer, worked out once for every target.
 * A git failure makes this target unknown, never the others.
 */
export async function diffTarget(
  source: SourceRelease,
  problem: string | undefined,
  target: MemberStatus,
  repo: CommitRepository,
  limit = COMMIT_LIMIT,
): Promise<TargetDiff> {
  try {
    return await compareTarget(source, problem, target, repo, limit);
  } catch (error) {
    return { ...releasesOf(source, target), state: 'unknown', reason: unreadable(source.app, error), commits: [], more: 0, target_only: null };
  }
}

function releasesOf(source: SourceRelease, target: MemberStatus) {
  return {
    target: targetLabel(target),
    stage: target.stage,
    target_release: target.current ? { id: target.current.id, git_sha: target.current.git_sha, status: target.current.status } : null,
    source_release: { app: source.app, id: source.id, git_sha: source.git_sha },
  };
}

async function compareTarget(
  source: SourceRelease,
  problem: string | undefined,
  target: MemberStatus,
  repo: CommitRepository,
  limit: number,
): Promise<TargetDiff> {
  const label = targetLabel(target);
  const base = releasesOf(source, target);
  const unknown = (reason: string): TargetDiff => ({ ...base, state: 'unknown', reason, commits: [], more: 0, target_only: null });
  const remoteNote = target.stack ? OTHER_STACK : null;

  if (target.error) {
    // The line may quote another host's output: shown inert.
    const error = printable(target.error, 300);
    return unknown(target.reachable ? `cannot read the release of ${label}: ${error}` : `${label} is unreachable: ${error}`);
  }
  if (problem) return unknown(problem);
  const sourceSha = source.git_sha!;

  if (!target.current) {
    const commits = await repo.commitsBetween(sourceSha, undefined, limit);
    const total = await repo.countCommits(sourceSha, undefined);
    return {
      ...base,
      state: 'behind',
      reason: `${label} has no release yet: everything up to ${shortSha(sourceSha)} is new`,
      commits,
      more: Math.max(0, total - commits.length),
      target_only: 0,
    };
  }
  const targetSha = target.current.git_sha;
  if (!targetSha) return unknown(`${label} v${target.current.id} has no git SHA (${NO_SHA_WHY})`);
  if (!FULL_SHA.test(targetSha)) return unknown(`${label} v${target.current.id} names no full git SHA (${printable(targetSha, 64)})`);
  if (targetSha === sourceSha) return { ...base, state: 'up-to-date', reason: remoteNote, commits: [], more: 0, target_only: 0 };
  if (!(await repo.hasCommit(targetSha))) {
    return unknown(`${shortSha(targetSha)}, the SHA of ${label} v${target.current.id}, is not in the git repository of ${source.app}${target.stack ? ` (${OTHER_STACK})` : ''}`);
  }

  const sourceOnly = await repo.countCommits(sourceSha, targetSha);
  const targetOnly = await repo.countCommits(targetSha, sourceSha);
  const commits = sourceOnly > 0 ? await repo.commitsBetween(sourceSha, targetSha, limit) : [];
  return {
    ...base,
    state: stateOf(sourceOnly, targetOnly),
    reason: remoteNote,
    commits,
    more: Math.max(0, sourceOnly - commits.length),
    target_only: targetOnly,
  };
}

/** The target relative to the source: behind it (the promotion brings commits), ahead, or both. */
export function stateOf(sourceOnly: number, targetOnly: number): DiffState {
  if (sourceOnly > 0 && targetOnly > 0) return 'diverged';
  if (sourceOnly > 0) return 'behind';
  if (targetOnly > 0) return 'ahead';
  return 'up-to-date';
}

// ---- output ----------------------------------------------------------------------------------

const plural = (count: number, word: string) => `${count} ${word}${count === 1 ? '' : 's'}`;

function releaseLabel(release: { id: number; git_sha: string | null } | null): string {
  if (!release) return 'no release yet';
  return `v${release.id} (${release.git_sha && FULL_SHA.test(release.git_sha) ? shortSha(release.git_sha) : 'no SHA'})`;
}

/** `2026-12-03 17:45` from git's strict ISO date (the author's own time of day). */
function shortDate(iso: string): string {
  const match = /^([0-9]{4}-[0-9]{2}-[0-9]{2})T([0-9]{2}:[0-9]{2})/.exec(iso);
  return match ? `${match[1]} ${match[2]}` : printable(iso, 25);
}

/** One line per commit, aligned; author and subject are untrusted and shown inert. */
export function commitLines(commits: GitCommit[]): string[] {
  const authors = commits.map((commit) => printable(commit.author, 30));
  const width = Math.max(0, ...authors.map((author) => author.length));
  return commits.map((commit, index) => `${shortSha(commit.sha)}  ${shortDate(commit.date)}  ${authors[index].padEnd(width)}  ${printable(commit.subject)}`);
}

/** The stdout answer: the source release, then per target its release and what the promotion brings. */
export function diffText(source: SourceRelease, diffs: TargetDiff[]): string {
  const lines = [`=====> ${source.app} ${releaseLabel(source)} compared with the apps it promotes to`];
  for (const diff of diffs) {
    lines.push(`=====> ${diff.target} (${diff.stage}): ${releaseLabel(diff.target_release)}`);
    const detail = (text: string) => lines.push(`       ${text}`);
    const targetOnly = diff.target_only ? `${diff.target} has ${plural(diff.target_only, 'commit')} that ${source.app} v${source.id} does not` : '';
    switch (diff.state) {
      case 'unknown':
        detail(`Cannot tell which commits it would bring: ${diff.reason}`);
        continue;
      case 'up-to-date':
        detail(`Up to date: ${diff.target} runs ${shortSha(source.git_sha)} already`);
        break;
      case 'ahead':
        detail(`Ahead: ${targetOnly}; the promotion brings no commit`);
        break;
      case 'behind':
      case 'diverged': {
        const total = diff.commits.length + diff.more;
        detail(`${plural(total, 'commit')} ahead of ${diff.target}${diff.state === 'diverged' ? ` (diverged: ${targetOnly})` : ''}:`);
        for (const line of commitLines(diff.commits)) detail(`  ${line}`);
        if (diff.more > 0) detail(`  … and ${plural(diff.more, 'more commit')} (the newest ${diff.commits.length} are listed)`);
        break;
      }
    }
    if (diff.reason) detail(`Note: ${diff.reason}`);
  }
  return lines.join('\n');
}

/** The `--format json` answer: subjects and names may hold control characters, escaped inert. */
export function diffJson(diffs: TargetDiff[]): string {
  return inertJson(diffs);
}
