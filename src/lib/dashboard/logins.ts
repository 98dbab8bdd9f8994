import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import * as z from 'zod/mini';
import { ROLES, type Role } from './identity.js';
import { listDir, newSecret, readSecretJson, removeQuietly, SECRET_PATTERN, sha256Hex, writeSecretJson } from './secret-files.js';

// Single-use sign-in links (`ownstack:dashboard:login`). The link carries a random token; the
// dashboard's directory keeps only its SHA-256 (logins/<sha256>.json), so reading the directory
// signs nobody in. Using a link renames its file to a name of the user's own first: rename is
// atomic, so of two concurrent uses exactly one finds the file, and only that one signs in.

export const LOGIN_TTL_MS = 10 * 60 * 1000;

const PendingLoginSchema = z.object({
  name: z.string(),
  role: z.enum(ROLES),
  created_at: z.string(),
  expires_at: z.string(),
});
export type PendingLogin = z.infer<typeof PendingLoginSchema>;

export interface MintedLogin {
  token: string;
  name: string;
  role: Role;
  expires_at: string;
}

const loginsDir = (root: string) => path.join(root, 'logins');
const pendingFile = (root: string, hash: string) => path.join(loginsDir(root), `${hash}.json`);

export async function mintLogin(root: string, who: { name: string; role: Role }, now: Date): Promise<MintedLogin> {
  pruneExpiredLogins(root, now);
  const token = newSecret();
  const expires_at = new Date(now.getTime() + LOGIN_TTL_MS).toISOString();
  const pending: PendingLogin = { name: who.name, role: who.role, created_at: now.toISOString(), expires_at };
  await writeSecretJson(pendingFile(root, sha256Hex(token)), pending);
  return { token, name: who.name, role: who.role, expires_at };
}

const expired = (login: PendingLogin, now: Date) => !(Date.parse(login.expires_at) > now.getTime());

/** The link's login when it can still be used (for the page that offers the button); nothing changes. */
export function peekLogin(root: string, token: string, now: Date): PendingLogin | undefined {
  if (!SECRET_PATTERN.test(token)) return undefined;
  const login = readSecretJson(pendingFile(root, sha256Hex(token)), PendingLoginSchema);
  return login && !expired(login, now) ? login : undefined;
}

/** Uses the link: its login for exactly one caller, undefined for a used, expired or unknown one. */
export function consumeLogin(root: string, token: string, now: Date): PendingLogin | undefined {
  if (!SECRET_PATTERN.test(token)) return undefined;
  const file = pendingFile(root, sha256Hex(token));
  const claimed = `${file}.claimed-${crypto.randomBytes(8).toString('hex')}`;
  try {
    fs.renameSync(file, claimed);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    const login = readSecretJson(claimed, PendingLoginSchema);
    return login && !expired(login, now) ? login : undefined;
  } finally {
    removeQuietly(claimed);
  }
}

/** Links nobody used go once they expire (and claims a crash left behind). */
export function pruneExpiredLogins(root: string, now: Date): void {
  for (const name of listDir(loginsDir(root))) {
    const file = path.join(loginsDir(root), name);
    if (name.includes('.claimed-')) {
      removeQuietly(file);
      continue;
    }
    if (!/^[0-9a-f]{64}\.json$/.test(name)) continue;
    const login = readSecretJson(file, PendingLoginSchema);
    if (!login || expired(login, now)) removeQuietly(file);
  }
}
