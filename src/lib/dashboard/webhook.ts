import fs from 'node:fs';
import type { DokkuPaths } from '../dokku/env.js';
import { assertValidAppName } from '../dokku/validate.js';
import { UserError } from '../output/errors.js';
import { readSetting } from '../settings/settings.js';
import { alreadyDeployed, deliveryIdOf, eventNameOf, type Delivery } from './deliveries.js';
import { parsePushEvent, signatureMatches } from './github.js';
import { Refusal } from './refusal.js';

// What one GitHub delivery to POST /hooks/github/<app> comes to, decided from the request and the
// store alone (pure reads): the answer, the line the app's delivery log gets, and the Dokku
// command to run, if any. The web app records, runs and answers (src/web/app.tsx).

export interface DeliveryRequest {
  app: string;
  body: Uint8Array;
  signature: string | undefined;
  event: string | undefined;
  delivery: string | undefined;
  contentType: string | undefined;
}

export interface DeliveryDecision {
  /** The app named in the URL, validated. */
  app: string;
  status: 200 | 202 | 400 | 401 | 415;
  /** The one line answered to GitHub (GitHub shows it in the webhook's Recent Deliveries). */
  text: string;
  /** What the app's delivery log keeps (undefined for an app this host has no store of). */
  record: Delivery | undefined;
  /** The Dokku command a push to the configured branch runs. */
  command?: string[];
}

/**
 * One answer for every unauthenticated delivery, whatever the cause, so that a caller without the
 * secret learns nothing (not even whether the app exists); the delivery log says which it was.
 */
export const SIGNATURE_REFUSED = 'Refused: no valid X-Hub-Signature-256 for this app (check the webhook secret)';

export function decideDelivery(paths: DokkuPaths, request: DeliveryRequest, now: Date): DeliveryDecision {
  let app: string;
  try {
    app = assertValidAppName(request.app);
  } catch (error) {
    if (error instanceof UserError) throw new Refusal(400, 'Invalid app name');
    throw error;
  }
  const base = { delivery: deliveryIdOf(request.delivery), event: eventNameOf(request.event), received_at: now.toISOString() };
  // The app's store directory holds its secret; without one there is nothing to check against.
  const known = fs.existsSync(paths.ownstackApp(app));
  const secret = known ? readSetting(paths, app, 'github-webhook-secret').app : undefined;
  const refuse = (reason: string): DeliveryDecision => ({
    app,
    status: 401,
    text: SIGNATURE_REFUSED,
    record: known ? { ...base, outcome: 'refused', reason } : undefined,
  });
  if (!secret) return refuse(`no github-webhook-secret is set for ${app}`);
  if (request.signature === undefined) return refuse('no X-Hub-Signature-256 header (set the secret in the GitHub webhook)');
  if (!signatureMatches(secret, request.body, request.signature)) return refuse("the signature does not match the app's github-webhook-secret");

  // Signed by someone who holds the secret: from here on the answers say what happened.
  const answer = (status: DeliveryDecision['status'], outcome: Delivery['outcome'], reason: string, extra: Partial<Delivery> = {}): DeliveryDecision => ({
    app,
    status,
    text: `${outcome === 'started' ? 'Started' : outcome === 'refused' ? 'Refused' : 'Ignored'}: ${reason}`,
    record: { ...base, ...extra, outcome, reason },
  });
  if (base.event === 'ping') return answer(200, 'ignored', 'ping (the webhook reaches the dashboard and its secret matches)');
  if (base.event !== 'push') return answer(200, 'ignored', `event ${base.event} (only push deploys)`);
  if (!/^application\/json\s*(;|$)/i.test(request.contentType ?? '')) return answer(415, 'refused', 'the content type must be application/json (set it in the GitHub webhook)');

  let push;
  try {
    push = parsePushEvent(JSON.parse(Buffer.from(request.body).toString('utf8')));
  } catch (error) {
    if (error instanceof SyntaxError) return answer(400, 'refused', 'the body is not JSON');
    if (error instanceof UserError) return answer(400, 'refused', error.message);
    throw error;
  }
  const seen = { ref: push.ref, ...(push.sha ? { sha: push.sha } : {}) };
  if (push.branch === undefined) return answer(200, 'ignored', `${push.ref} is not a branch`, seen);
  if (push.sha === undefined) return answer(200, 'ignored', `branch ${push.branch} was deleted`, seen);
  const wanted = readSetting(paths, app, 'github-branch').computed || push.defaultBranch;
  if (push.branch !== wanted) return answer(200, 'ignored', `a push to ${push.branch}; ${app} deploys ${wanted}`, seen);
  if (base.delivery !== '-' && alreadyDeployed(paths, app, base.delivery)) {
    return answer(200, 'ignored', `delivery ${base.delivery} already started a deploy`, seen);
  }
  return {
    ...answer(202, 'started', `deploying ${push.sha.slice(0, 7)} of ${push.branch} (git:sync --build)`, seen),
    command: ['ownstack:git-sync', app, push.repositoryUrl, push.sha],
  };
}
