import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import * as z from 'zod/mini';
import { UserError } from '../output/errors.js';
import { printable } from '../output/log.js';
import { ROLES, type Role } from './identity.js';
import { ensureDir, listDir, newSecret, readSecretJson, removeQuietly, SECRET_PATTERN, sha256Hex, writeSecretJson } from './secret-files.js';

// Dashboard sessions. The browser holds a random secret (the cookie); the dashboard's directory
// keeps sessions/<sha256(secret)>.json, never the secret. A session ends after 12 hours without a
// request; last-seen is written at most once a minute. The CLI names a session by the first 12
// hex digits of that hash (its id), which says nothing about the secret.
//
// Revoking renames the file into revoked/ (a tombstone). A request that was refreshing last-seen
// at that moment may write the file again; it looks for the tombstone after its write and removes
// what it wrote, so a revoked session never comes back.

export const SESSION_IDLE_MS = 12 * 60 * 60 * 1000;
export const LAST_SEEN_EVERY_MS = 60 * 1000;
const ID_LENGTH = 12;

const SessionSchema = z.object({
  name: z.string(),
  role: z.enum(ROLES),
  created_at: z.string(),
  last_seen: z.string(),
});
type StoredSession = z.infer<typeof SessionSchema>;

export interface Session extends StoredSession {
  /** The public id: a prefix of the secret's hash. */
  id: string;
}

const sessionsDir = (root: string) => path.join(root, 'sessions');
const revokedDir = (root: string) => path.join(root, 'revoked');
const sessionFile = (root: string, hash: string) => path.join(sessionsDir(root), `${hash}.json`);
const tombstone = (root: string, hash: string) => path.join(revokedDir(root), hash);

const idle = (session: StoredSession, now: Date) => now.getTime() - Date.parse(session.last_seen) >= SESSION_IDLE_MS || Number.isNaN(Date.parse(session.last_seen));

export async function createSession(root: string, who: { name: string; role: Role }, now: Date): Promise<{ secret: string; session: Session }> {
  pruneSessions(root, now);
  const secret = newSecret();
  const hash = sha256Hex(secret);
  const stored: StoredSession = { name: who.name, role: who.role, created_at: now.toISOString(), last_seen: now.toISOString() };
  await writeSecretJson(sessionFile(root, hash), stored);
  return { secret, session: { ...stored, id: hash.slice(0, ID_LENGTH) } };
}

/**
 * The session a cookie names, when it is live; its last-seen moves on (at most once a minute).
 * An idle one is removed and undefined is returned, as for an unknown or revoked one.
 */
export async function touchSession(root: string, secret: string | undefined, now: Date): Promise<Session | undefined> {
  if (!secret || !SECRET_PATTERN.test(secret)) return undefined;
  const hash = sha256Hex(secret);
  const file = sessionFile(root, hash);
  const stored = readSecretJson(file, SessionSchema);
  if (!stored || fs.existsSync(tombstone(root, hash))) return undefined;
  if (idle(stored, now)) {
    removeQuietly(file);
    return undefined;
  }
  let session = stored;
  if (now.getTime() - Date.parse(stored.last_seen) >= LAST_SEEN_EVERY_MS) {
    session = { ...stored, last_seen: now.toISOString() };
    await writeSecretJson(file, session);
    if (fs.existsSync(tombstone(root, hash))) {
      removeQuietly(file);
      return undefined;
    }
  }
  return { ...session, id: hash.slice(0, ID_LENGTH) };
}

/** The live sessions, newest first; never a secret. */
export function listSessions(root: string, now: Date): Session[] {
  pruneSessions(root, now);
  return sessionHashes(root)
    .flatMap((hash) => {
      const stored = readSecretJson(sessionFile(root, hash), SessionSchema);
      return stored && !idle(stored, now) ? [{ ...stored, id: hash.slice(0, ID_LENGTH) }] : [];
    })
    .sort((a, b) => b.created_at.localeCompare(a.created_at));
}

/** `ownstack:dashboard:revoke <id-prefix>`: the prefix must name exactly one session. */
export function assertSessionPrefix(raw: string | undefined): string {
  if (raw === undefined || raw === '') throw new UserError('Please specify a session id (see ownstack:dashboard:sessions) or --all');
  if (!/^[0-9a-f]{4,64}$/.test(raw)) throw new UserError(`Invalid session id "${printable(raw)}": expected at least 4 hex digits from ownstack:dashboard:sessions`);
  return raw;
}

/** Revokes the sessions whose id starts with `prefix` (exactly one), or all; returns what was revoked. */
export function revokeSessions(root: string, which: { prefix: string } | 'all'): Session[] {
  const hashes = sessionHashes(root).filter((hash) => which === 'all' || hash.startsWith(which.prefix));
  if (which !== 'all' && hashes.length === 0) throw new UserError(`No dashboard session has an id starting with ${which.prefix}`);
  if (which !== 'all' && hashes.length > 1) throw new UserError(`${hashes.length} sessions have ids starting with ${which.prefix}; give more digits`);
  ensureDir(revokedDir(root));
  const revoked: Session[] = [];
  for (const hash of hashes) {
    const stored = readSecretJson(sessionFile(root, hash), SessionSchema);
    try {
      fs.renameSync(sessionFile(root, hash), tombstone(root, hash));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw error;
    }
    if (stored) revoked.push({ ...stored, id: hash.slice(0, ID_LENGTH) });
  }
  return revoked;
}

/** POST /logout: the browser's own session ends (as a revoke does). */
export function endSession(root: string, secret: string): void {
  if (!SECRET_PATTERN.test(secret)) return;
  const hash = sha256Hex(secret);
  ensureDir(revokedDir(root));
  try {
    fs.renameSync(sessionFile(root, hash), tombstone(root, hash));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}

/** The CSRF token of a session: derived from its secret, so it needs no storage and dies with it. */
export function csrfToken(secret: string): string {
  return crypto.createHmac('sha256', secret).update('ownstack-dashboard csrf').digest('base64url');
}

export function csrfTokenMatches(secret: string, given: string | undefined): boolean {
  if (typeof given !== 'string') return false;
  const expected = Buffer.from(csrfToken(secret));
  const actual = Buffer.from(given);
  return actual.length === expected.length && crypto.timingSafeEqual(actual, expected);
}

function sessionHashes(root: string): string[] {
  return listDir(sessionsDir(root)).flatMap((name) => (/^[0-9a-f]{64}\.json$/.test(name) ? [name.slice(0, 64)] : []));
}

/** Idle sessions go, and tombstones once no revoked session could still be live (twice the idle time). */
function pruneSessions(root: string, now: Date): void {
  for (const hash of sessionHashes(root)) {
    const stored = readSecretJson(sessionFile(root, hash), SessionSchema);
    if (stored && idle(stored, now)) removeQuietly(sessionFile(root, hash));
  }
  for (const name of listDir(revokedDir(root))) {
    const file = path.join(revokedDir(root), name);
    try {
      if (now.getTime() - fs.statSync(file).mtimeMs > 2 * SESSION_IDLE_MS) removeQuietly(file);
    } catch {
      // gone meanwhile
    }
  }
}
