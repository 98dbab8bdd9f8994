import type { Context } from '../context.js';
import * as docker from '../dokku/docker.js';
import { encodeFiles } from '../deploy/promotion-request.js';
import { parseImageReference, registryImage, repositoryOf } from '../images/reference.js';
import { UserError } from '../output/errors.js';
import { log } from '../output/log.js';
import type { Pipeline } from '../pipelines/model.js';
import { computedSetting } from '../pipelines/settings.js';
import type { ReleaseRecord } from '../releases/record.js';
import type { Snapshot } from '../releases/store-api.js';
import { assertStackExists, formatAppRef, parseAppRef, type Stack } from './model.js';
import { hostLabel, runRemoteRelease, type RemoteReleaseResult } from './remote.js';
import { readStacks } from './store.js';

// Promotion to an app on another stack (DESIGN.md §6): the source host pushes the release's image
// once, under an immutable tag, and names it by digest from then on; each target stack pulls it
// and releases it with its own `ownstack:deploy-image`, over ssh, in parallel with the others.

export interface RemoteSetup {
  registry: string;
  stacks: Map<string, Stack>;
}

/** Refusals before anything is touched: a registry is set, and every named stack exists. */
export function resolveRemoteTargets(ctx: Context, pipeline: Pipeline, targets: string[]): RemoteSetup | undefined {
  const stackNames = [...new Set(targets.map((target) => parseAppRef(target).stack).filter((stack): stack is string => Boolean(stack)))];
  if (stackNames.length === 0) return undefined;
  const registry = computedSetting(pipeline, 'registry');
  if (!registry) {
    throw new UserError(`Pipeline ${pipeline.name} has apps on other stacks (${stackNames.join(', ')}): set the registry their images travel through with pipeline:set ${pipeline.name} registry <host[:port]/namespace>`);
  }
  const file = readStacks(ctx.paths);
  return { registry, stacks: new Map(stackNames.map((name) => [name, assertStackExists(file, name)])) };
}

export type PushedImage = { ok: true; digestRef: string } | { ok: false; reason: string };

/** Pushes the release's image once, whatever the number of targets; returns `repository@digest`. */
export async function pushReleaseImage(registry: string, source: string, record: ReleaseRecord & { image_id: string }): Promise<PushedImage> {
  const tagged = registryImage(registry, source, record.id, record.image_id);
  log.step(`Pushing ${source} v${record.id} to ${tagged}`);
  try {
    await docker.tagImage(record.image_id, tagged);
  } catch (error) {
    return { ok: false, reason: `could not tag the image for the registry: ${(error as Error).message.split('\n')[0]}` };
  }
  const pushed = await docker.pushImage(tagged);
  // The registry keeps the tag; here it was only the way to push (the image itself stays, in use).
  await docker.removeImage(tagged);
  if (!pushed.ok || !pushed.digest) return { ok: false, reason: `could not push to the registry ${registry}: ${pushed.error ?? 'no digest'}` };
  const digestRef = `${repositoryOf(parseImageReference(tagged)!)}@${pushed.digest}`;
  log.step(`Pushed ${digestRef}`);
  return { ok: true, digestRef };
}

/** One target on another stack: its own `ownstack:deploy-image`, output streamed back prefixed. */
export async function promoteToStack(
  ctx: Context,
  request: {
    target: string;
    stack: Stack;
    digestRef: string;
    source: string;
    record: ReleaseRecord;
    snapshot: Snapshot;
    lockWait?: number;
  },
): Promise<RemoteReleaseResult> {
  const { app } = parseAppRef(request.target);
  const label = formatAppRef({ app, stack: request.stack.name });
  const words = [
    'ownstack:deploy-image', app, request.digestRef,
    '--promoted-from', `${request.source}@${hostLabel()}/v${request.record.id}`,
    '--files-from-stdin',
    '--abandon-on-hangup',
    ...(request.record.git_sha ? ['--git-sha', request.record.git_sha] : []),
    ...(request.lockWait !== undefined ? ['--lock-wait', String(request.lockWait)] : []),
  ];
  // The files on their own line, then standard input stays open for as long as we wait: if we
  // go away (killed, or the connection drops) before the traffic switch, the stack abandons it.
  return runRemoteRelease(ctx, request.stack, words, `${label}: `, { stdin: `${encodeFiles(request.snapshot)}\n`, holdStdinOpen: true });
}
