import fs from 'node:fs';
import path from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import type * as z from 'zod/mini';

// node:crypto is loaded when a secret is made or hashed, not at every start of the binary
const crypto = () => process.getBuiltinModule('node:crypto');

// The dashboard's own small files (sign-in links, sessions) under $DOKKU_LIB_ROOT/data/ownstack-dashboard/:
// one JSON file per secret, named by the secret's SHA-256 so the secret itself is never stored.
// Written as the rest of the project writes state: atomic rename, fsync, owner-only.

/** A fresh secret: 32 random bytes, base64url (43 characters). */
export function newSecret(): string {
  return crypto().randomBytes(32).toString('base64url');
}

/** What a secret must look like before it is hashed and looked up (never a path). */
export const SECRET_PATTERN = /^[A-Za-z0-9_-]{43}$/;

export function sha256Hex(value: string): string {
  return crypto().createHash('sha256').update(value).digest('hex');
}

export function ensureDir(dir: string): void {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
}

export async function writeSecretJson(file: string, value: unknown): Promise<void> {
  await writeSecretFile(file, `${JSON.stringify(value)}\n`);
}

export async function writeSecretFile(file: string, text: string): Promise<void> {
  ensureDir(path.dirname(file));
  await writeFileAtomic(file, text, { mode: 0o600, fsync: true });
}

/** The file's value, undefined when it is missing or does not match the schema (a damaged file grants nothing). */
export function readSecretJson<T>(file: string, schema: z.ZodMiniType<T>): T | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    const parsed = schema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** The names in a directory, [] when it does not exist yet. */
export function listDir(dir: string): string[] {
  try {
    return fs.readdirSync(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

export function removeQuietly(file: string): void {
  fs.rmSync(file, { force: true });
}
