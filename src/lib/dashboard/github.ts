import { UserError } from '../output/errors.js';
import { printable } from '../output/log.js';

// node:crypto is loaded when a webhook is checked or signed, not at every start of the binary
const crypto = () => process.getBuiltinModule('node:crypto');

// GitHub push webhooks (issue 18 item 5): what a delivery must carry before anything runs. The
// signature is checked over the raw body with the app's secret; only then is the body parsed, and
// every value that reaches a Dokku command (the repository URL, the SHA) is checked to be one plain
// word of a strict shape, since Dokku's forced command re-parses the words it is sent.

export const SIGNATURE_HEADER = 'X-Hub-Signature-256';
export const EVENT_HEADER = 'X-GitHub-Event';
export const DELIVERY_HEADER = 'X-GitHub-Delivery';
/** GitHub caps payloads at 25 MB; a push's, even with its 20 commits listed, is far below this. */
export const MAX_WEBHOOK_BODY = 1024 * 1024;
/** The web user a webhook's deploy names: its WHO is `github (dashboard)`. */
export const GITHUB_WEB_USER = 'github';

/** Whether `sha256=<hex>` is the HMAC-SHA256 of BODY with SECRET (constant-time compare). */
export function signatureMatches(secret: string, body: Uint8Array, header: string | undefined): boolean {
  if (!secret || header === undefined) return false;
  const match = /^sha256=([0-9a-f]{64})$/.exec(header.trim());
  if (!match) return false;
  const expected = crypto().createHmac('sha256', secret).update(body).digest();
  return crypto().timingSafeEqual(expected, Buffer.from(match[1], 'hex'));
}

/** `sha256=<hex>`, as GitHub computes it (tests and documentation). */
export function signatureOf(secret: string, body: Uint8Array | string): string {
  return `sha256=${crypto().createHmac('sha256', secret).update(body).digest('hex')}`;
}

export interface PushEvent {
  /** The full ref, e.g. refs/heads/main. */
  ref: string;
  /** The branch pushed, or undefined for a tag or another kind of ref. */
  branch: string | undefined;
  /** The commit the ref now points at (40 hex), or undefined when the push deleted it. */
  sha: string | undefined;
  repositoryUrl: string;
  defaultBranch: string;
}

const SHA = /^[0-9a-f]{40}$/;
const ZERO_SHA = '0'.repeat(40);

/** The fields of a push payload the webhook uses, or a UserError naming the first bad one. */
export function parsePushEvent(payload: unknown): PushEvent {
  const body = asObject(payload, 'the payload');
  const ref = field(body, 'ref');
  if (!/^refs\/[\x21-\x7e]{1,250}$/.test(ref)) throw new UserError('Invalid push: ref is not a git ref');
  const repository = asObject(body.repository, 'repository');
  const after = field(body, 'after');
  if (!SHA.test(after)) throw new UserError('Invalid push: after is not a 40-hex commit SHA');
  const deleted = body.deleted === true || after === ZERO_SHA;
  const branch = ref.startsWith('refs/heads/') ? ref.slice('refs/heads/'.length) : undefined;
  if (branch !== undefined && !isBranchName(branch)) throw new UserError('Invalid push: the pushed branch name is not one ownstack accepts');
  const defaultBranch = field(repository, 'default_branch');
  if (!isBranchName(defaultBranch)) throw new UserError('Invalid push: repository.default_branch is not a branch name');
  return { ref, branch, sha: deleted ? undefined : after, repositoryUrl: assertRepositoryUrl(field(repository, 'clone_url')), defaultBranch };
}

/**
 * A git branch name as `git check-ref-format --branch` takes it, narrowed to printable ASCII
 * without the characters a shell or Dokku's re-parsing would treat specially.
 */
export function isBranchName(name: string): boolean {
  return (
    /^[A-Za-z0-9][A-Za-z0-9._/+-]{0,199}$/.test(name) &&
    !name.includes('..') &&
    !name.includes('//') &&
    !name.endsWith('/') &&
    !name.endsWith('.') &&
    !name.endsWith('.lock') &&
    !name.includes('/.')
  );
}

// The repository as git:sync fetches it: http(s) only (never file://, ssh, git:// or a remote
// helper such as ext::), a host name or IPv4 address, an optional port, and a path of plain
// segments. No credentials, query, fragment, percent-escapes, blanks or control characters, and
// nothing that git could read as an option.
const REPOSITORY_URL = /^https?:\/\/([A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?)(?::([0-9]{1,5}))?((?:\/[A-Za-z0-9_][A-Za-z0-9._+-]{0,99}){1,8})\/?$/;

export function isRepositoryUrl(value: string): boolean {
  const match = REPOSITORY_URL.exec(value);
  if (!match || value.length > 400) return false;
  const [, host, port, path] = match;
  if (host.includes('..') || (port !== undefined && (Number(port) < 1 || Number(port) > 65535))) return false;
  return !path.split('/').some((segment) => segment === '.' || segment === '..');
}

export function assertRepositoryUrl(value: string): string {
  if (!isRepositoryUrl(value)) {
    throw new UserError(`Invalid repository URL "${printable(value, 80)}": expected http(s)://host[:port]/path with plain path segments (no credentials, query or other scheme)`);
  }
  return value;
}

export function assertCommitSha(value: string | undefined): string {
  if (value === undefined || !SHA.test(value)) throw new UserError(`Invalid commit "${printable(value ?? '', 60)}": expected a full 40-hex SHA`);
  return value;
}

function asObject(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new UserError(`Invalid push: ${what} is not an object`);
  return value as Record<string, unknown>;
}

function field(object: Record<string, unknown>, key: string): string {
  const value = Object.hasOwn(object, key) ? object[key] : undefined;
  if (typeof value !== 'string') throw new UserError(`Invalid push: ${key} is missing or not a string`);
  return value;
}
