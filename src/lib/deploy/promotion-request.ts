import * as z from 'zod/mini';
import { UserError } from '../output/errors.js';
import { printable } from '../output/log.js';
import type { NewRelease, Snapshot } from '../releases/store-api.js';

// The receiving half of a promotion from another host is `ownstack:deploy-image`, called over
// ssh. What it receives is validated exactly as if a user had typed it: the source named by
// `--promoted-from <app>@<host>/v<id>`, a git SHA, and the release's Procfile and app.json as JSON
// on standard input (never on the command line).

const PROMOTED_FROM = /^([a-z0-9][a-z0-9.-]{0,199})@([A-Za-z0-9][A-Za-z0-9.-]{0,252})\/v([1-9][0-9]{0,8})$/;
const SHA = /^[0-9a-f]{7,40}$/;
/** A Procfile and an app.json are small; anything bigger is not one. */
export const MAX_FILES_BYTES = 1024 * 1024;

export interface PromotionSource {
  app: string;
  host: string;
  id: number;
}

export function parsePromotedFrom(raw: string): PromotionSource {
  const match = PROMOTED_FROM.exec(raw);
  if (!match) throw new UserError(`Invalid --promoted-from "${printable(raw)}": expected <app>@<host>/v<id>`);
  return { app: match[1], host: match[2], id: Number(match[3]) };
}

export function assertGitSha(raw: string): string {
  if (!SHA.test(raw)) throw new UserError(`Invalid --git-sha "${printable(raw)}": expected 7 to 40 lowercase hex digits`);
  return raw;
}

const FilesSchema = z.strictObject({ procfile: z.nullable(z.string()), app_json: z.nullable(z.string()) });

export function encodeFiles(snapshot: Snapshot): string {
  return JSON.stringify({ procfile: snapshot.procfile, app_json: snapshot.appJson });
}

export function parseFiles(text: string): Snapshot {
  if (Buffer.byteLength(text) > MAX_FILES_BYTES) throw new UserError(`The Procfile and app.json on standard input are over ${MAX_FILES_BYTES} bytes`);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new UserError('Standard input is not the JSON of a Procfile and an app.json ({"procfile": …, "app_json": …})');
  }
  const parsed = FilesSchema.safeParse(json);
  if (!parsed.success) throw new UserError('Standard input is not the JSON of a Procfile and an app.json ({"procfile": …, "app_json": …})');
  return { procfile: parsed.data.procfile, appJson: parsed.data.app_json };
}

/** The target's record of a promotion from another host. */
export function remotePromotionRelease(source: PromotionSource, gitSha: string | null): Partial<NewRelease> {
  return {
    kind: 'promote',
    description: `Promote ${source.app}@${source.host} v${source.id}`,
    promoted_from: { app: source.app, id: source.id, host: source.host },
    git_sha: gitSha,
    source: 'ownstack-promote',
    source_metadata: `${source.app}@${source.host}#v${source.id}`,
  };
}
