import type { DokkuPaths } from '../dokku/env.js';
import { UserError } from '../output/errors.js';
import { appsOf } from '../pipelines/model.js';
import { readPipelines } from '../pipelines/store.js';
import { inertLines } from '../stacks/deploy-log.js';
import { formatAppRef, parseAppRef } from '../stacks/model.js';
import { readStacks } from '../stacks/store.js';
import type { Reading } from './answers.js';
import { releaseIdFromUrl } from './app-pages.js';
import { Refusal } from './refusal.js';
import type { Asked } from './remote.js';

// The log of a release of an app on another stack (a remote row of the Deployments page). The
// dashboard asks its own host `ownstack:deploy-log <app>@<stack> <id>` (which asks that stack over
// the stacks' ssh path and escapes its control characters) through an AnswerCache, so a stack
// that does not answer never holds the page: the page says "asking…" and reloads itself. The log
// is shown whole as it stood when asked; a release on another stack has no live view here.

export interface RemoteLogRef {
  /** `<app>@<stack>`, as the host is asked. */
  member: string;
  app: string;
  stack: string;
  id: number;
}

/**
 * The release a URL names: valid names and ID (else 400), a stack this host knows and an app on it
 * that is a member of a pipeline here (else 404: the dashboard shows no other apps of a stack).
 */
export function remoteLogFromUrl(paths: DokkuPaths, rawStack: string, rawApp: string, rawId: string): RemoteLogRef {
  let ref;
  try {
    ref = parseAppRef(`${rawApp}@${rawStack}`);
  } catch (error) {
    if (error instanceof UserError) throw new Refusal(400, 'Invalid app or host name');
    throw error;
  }
  const id = releaseIdFromUrl(rawId);
  const member = formatAppRef(ref);
  if (!readStacks(paths).stacks.some((stack) => stack.name === ref.stack)) throw new Refusal(404, `No other host named ${ref.stack} is known here`);
  const members = readPipelines(paths).pipelines.flatMap((pipeline) => appsOf(pipeline).map((member) => member.app));
  if (!members.includes(member)) throw new Refusal(404, `${member} is in no pipeline of this host`);
  return { member, app: ref.app, stack: ref.stack!, id };
}

/** The words that ask this host for REF's log. */
export const remoteLogWords = (ref: RemoteLogRef) => ['ownstack:deploy-log', ref.member, String(ref.id)];

export interface RemoteLogView {
  ref: RemoteLogRef;
  /** answered (text), unreachable (why), or asking (no answer yet). */
  state: 'answered' | 'unreachable' | 'asking';
  text: string | undefined;
  why: string | undefined;
  askedAt: string | undefined;
}

export function remoteLogView(ref: RemoteLogRef, reading: Reading<Asked<string>>): RemoteLogView {
  const value = reading.answer?.value;
  return {
    ref,
    state: value === undefined ? 'asking' : value.ok ? 'answered' : 'unreachable',
    // escaped by this host's ownstack:deploy-log already; again here, so no answer is ever taken raw
    text: value?.ok ? inertLines(value.value) : undefined,
    why: value && !value.ok ? value.why : undefined,
    askedAt: reading.answer?.at.toISOString(),
  };
}
