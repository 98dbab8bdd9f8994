import { runProgram } from './exec.js';

// Reading an app's bare repository ($DOKKU_ROOT/<app>, filled by Dokku's git push). Only full
// SHAs reach git: never a ref name, a range or anything git could read as an option.

const FULL_SHA = /^[0-9a-f]{40}$/;

export interface GitCommit {
  sha: string;
  author: string;
  /** The author date, strict ISO 8601 with the author's offset. */
  date: string;
  /** Untrusted text: print it with `printable`. */
  subject: string;
}

function assertFullSha(sha: string): string {
  if (!FULL_SHA.test(sha)) throw new Error(`not a full git SHA: ${JSON.stringify(sha.slice(0, 64))}`);
  return sha;
}

async function git(repo: string, args: string[]) {
  return runProgram('git', [`--git-dir=${repo}`, ...args]);
}

function failure(what: string, result: { exitCode: number | undefined; stderr: string }): Error {
  const line = result.stderr.split('\n').find((text) => text.trim() !== '') ?? `exit code ${result.exitCode}`;
  return new Error(`git ${what} failed: ${line.replace(/^fatal: /, '')}`);
}

/** Whether the repository holds the commit; throws when it is no git repository at all. */
export async function hasCommit(repo: string, sha: string): Promise<boolean> {
  const result = await git(repo, ['rev-parse', '--verify', '--quiet', `${assertFullSha(sha)}^{commit}`]);
  if (result.exitCode === 0) return true;
  if (result.exitCode === 1) return false;
  throw failure('rev-parse', result);
}

const range = (include: string, exclude: string | undefined) => [assertFullSha(include), ...(exclude === undefined ? [] : [`^${assertFullSha(exclude)}`])];

/** How many commits are reachable from `include` but not from `exclude` (all of its history without one). */
export async function countCommits(repo: string, include: string, exclude: string | undefined): Promise<number> {
  const result = await git(repo, ['rev-list', '--count', ...range(include, exclude)]);
  const match = /^([0-9]+)\s*$/.exec(result.stdout);
  if (result.exitCode !== 0 || !match) throw failure('rev-list', result);
  return Number(match[1]);
}

/** Those commits, newest first, at most `limit`. */
export async function commitsBetween(repo: string, include: string, exclude: string | undefined, limit: number): Promise<GitCommit[]> {
  // -z ends each commit with NUL and the fields are NUL-separated: no subject can break the parse.
  const result = await git(repo, ['log', '-z', '--no-color', '--format=%H%x00%an%x00%aI%x00%s', `--max-count=${limit}`, ...range(include, exclude)]);
  if (result.exitCode !== 0) throw failure('log', result);
  return parseLog(result.stdout);
}

export function parseLog(output: string): GitCommit[] {
  const fields = output.split('\0');
  if (fields.at(-1) === '') fields.pop();
  const notCommits = () => new Error('git log gave an answer that is not a list of commits');
  if (fields.length % 4 !== 0) throw notCommits();
  const commits: GitCommit[] = [];
  for (let i = 0; i < fields.length; i += 4) {
    const [sha, author, date, subject] = fields.slice(i, i + 4);
    if (!FULL_SHA.test(sha)) throw notCommits();
    commits.push({ sha, author, date, subject });
  }
  return commits;
}
