import { shortSha } from '../releases/describe.js';
import type { ReleaseRecord } from '../releases/record.js';
import { publicRelease } from '../releases/public.js';

// Release notifications (issue 12, part 3): what is sent, decided on plain values. The JSON shape
// follows Heroku's app webhooks (resource, action, actor, data, previous_data, webhook_metadata)
// and is signed the same way: a header with the base64 HMAC-SHA256 of the exact body.

export const SIGNATURE_HEADER = 'Ownstack-Webhook-Hmac-SHA256';
export const EVENT_ID_HEADER = 'Ownstack-Webhook-Id';
export const EVENT_VERSION = '1';

export type ReleaseChange = 'start' | 'end';

/**
 * The release as a notification carries it: the public release object (docs/json.md), the same
 * that `--format json` prints, so nothing internal (pids, the retaining container, events, the log
 * path, notification outcomes) and never a config value goes out. A release that has just
 * succeeded is the one that serves; the store is not asked again for that.
 */
export function releaseEventData(record: ReleaseRecord) {
  return publicRelease(record, { currentId: record.status === 'succeeded' ? record.id : undefined, expired: false });
}
export type ReleaseEventData = ReturnType<typeof releaseEventData>;

export interface ReleaseEvent {
  id: string;
  created_at: string;
  resource: 'release';
  /** Heroku's words: `create` when a release starts, `update` when it ends. */
  action: 'create' | 'update';
  /** Ours, plainer: `release.start` or `release.end`. */
  event: `release.${ReleaseChange}`;
  version: string;
  actor: { name: string };
  app: { name: string };
  data: ReleaseEventData;
  previous_data: { status?: string };
  webhook_metadata: { event: { id: string; include: 'release' } };
}

export function releaseEvent(record: ReleaseRecord, change: ReleaseChange, now: Date, id: string = crypto.randomUUID()): ReleaseEvent {
  return {
    id,
    created_at: now.toISOString(),
    resource: 'release',
    action: change === 'start' ? 'create' : 'update',
    event: `release.${change}`,
    version: EVENT_VERSION,
    actor: { name: record.who },
    app: { name: record.app },
    data: releaseEventData(record),
    previous_data: change === 'start' ? {} : { status: 'running' },
    webhook_metadata: { event: { id, include: 'release' } },
  };
}

/** The signature header's value: base64 HMAC-SHA256 of the body, as Heroku signs its webhooks. */
export function signBody(body: string, secret: string): string {
  // loaded when a notification is signed, not at every start of the binary
  return process.getBuiltinModule('node:crypto').createHmac('sha256', secret).update(body, 'utf8').digest('base64');
}

/** What the release did, in words: "promoted from myapp-staging v7 (abc1234)". */
function what(data: ReleaseEventData): string {
  const sha = shortSha(data.git_sha);
  switch (data.kind) {
    case 'push':
      return sha ? `deploy of ${sha}` : 'deploy';
    case 'image':
      return data.source_metadata ? `deploy of image ${data.source_metadata}` : 'image deploy';
    case 'rebuild':
      return 'rebuild';
    case 'config':
      return data.config_keys && data.config_keys.length > 0 ? `config change (${data.config_keys.join(', ')})` : 'config change';
    case 'deploy':
      return 'redeploy';
    case 'promote':
      return data.promoted_from ? `promoted from ${data.promoted_from.app} v${data.promoted_from.id}${sha ? ` (${sha})` : ''}` : 'promotion';
    case 'rollback':
      return data.rollback_of ? `rolled back to v${data.rollback_of}` : 'rollback';
  }
}

/** Seconds between start and finish, when both are known. */
function duration(data: ReleaseEventData): number | undefined {
  if (!data.finished_at) return undefined;
  const ms = Date.parse(data.finished_at) - Date.parse(data.started_at);
  return Number.isFinite(ms) && ms >= 0 ? Math.round(ms / 1000) : undefined;
}

/** One line for Slack: "myapp v12 promoted from myapp-staging v7 (abc1234) by alice: succeeded in 24 s". */
export function slackText(event: ReleaseEvent): string {
  const data = event.data;
  const head = `${data.app} v${data.id} ${what(data)} by ${data.who}`;
  if (event.event === 'release.start') return `${head}: started`;
  const seconds = duration(data);
  const took = seconds === undefined ? '' : ` in ${seconds} s`;
  if (data.status === 'succeeded') return `${head}: succeeded${took}`;
  return `${head}: failed in the ${data.phase} phase${took}${data.reason ? ` (${data.reason})` : ''}`;
}

export type NotifyFormat = 'json' | 'slack';

/** The request body for a format: the event itself, or Slack's incoming-webhook `{text}`. */
export function requestBody(event: ReleaseEvent, format: NotifyFormat): string {
  return JSON.stringify(format === 'slack' ? { text: slackText(event) } : event);
}
