import { createHmac } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { releaseEvent, requestBody, signBody, slackText } from '../../src/lib/notifications/event.js';
import { lastNotification, notificationLine, notificationsFile, OUTCOMES_KEPT, readOutcomes, recordOutcome } from '../../src/lib/notifications/status.js';
import { createContext } from '../../src/lib/context.js';
import { maskUrl, SETTINGS } from '../../src/lib/settings/settings.js';
import { releaseRecord } from './support.js';

const now = new Date('2025-01-01T00:01:00.000Z');

describe('the release event', () => {
  it('has the Heroku app-webhook shape and only the public fields of the release', () => {
    const record = releaseRecord({ pid: 42, pid_start: '7', dokku_pid: '9', retained_by: 'holder', log: 'logs/1.log.gz', config_keys: ['A'] });
    const event = releaseEvent(record, 'end', now, '00000000-0000-4000-8000-000000000000');
    expect(event).toMatchObject({ resource: 'release', action: 'update', event: 'release.end', actor: { name: 'alice' }, app: { name: 'myapp' } });
    expect(Object.keys(event.data)).not.toContain('pid');
    expect(Object.keys(event.data)).not.toContain('retained_by');
    expect(Object.keys(event.data)).not.toContain('log');
    expect(event.data.config_keys).toEqual(['A']);
    expect(releaseEvent(record, 'start', now).action).toBe('create');
  });

  it('is signed like Heroku signs its webhooks: base64 HMAC-SHA256 of the exact body', () => {
    const body = requestBody(releaseEvent(releaseRecord(), 'start', now), 'json');
    expect(signBody(body, 's3cret')).toBe(createHmac('sha256', 's3cret').update(body).digest('base64'));
    expect(signBody(body, 's3cret')).not.toBe(signBody(body, 'other'));
  });
});

describe('the Slack text', () => {
  it('says what happened, by whom, and how long it took', () => {
    const promoted = releaseRecord({
      id: 12,
      kind: 'promote',
      git_sha: 'abc1234def',
      promoted_from: { app: 'myapp-staging', id: 7 },
      started_at: '2025-01-01T00:00:00.000Z',
      finished_at: '2025-01-01T00:00:24.000Z',
    });
    expect(slackText(releaseEvent(promoted, 'end', now))).toBe('myapp v12 promoted from myapp-staging v7 (abc1234) by alice: succeeded in 24 s');
    expect(slackText(releaseEvent({ ...promoted, status: 'running', finished_at: null }, 'start', now))).toBe(
      'myapp v12 promoted from myapp-staging v7 (abc1234) by alice: started',
    );
    const failed = releaseRecord({ id: 3, kind: 'config', config_keys: ['A'], status: 'failed', phase: 'release', reason: 'release task failed', finished_at: '2025-01-01T00:00:05.000Z' });
    expect(slackText(releaseEvent(failed, 'end', now))).toBe('myapp v3 config change (A) by alice: failed in the release phase in 5 s (release task failed)');
    expect(JSON.parse(requestBody(releaseEvent(failed, 'end', now), 'slack'))).toEqual({ text: slackText(releaseEvent(failed, 'end', now)) });
  });
});

describe('notification settings', () => {
  it('masks the URL path and the secret', () => {
    expect(maskUrl('https://hooks.slack.com/services/T0/B0/XXXX')).toBe('https://hooks.slack.com/********');
    expect(maskUrl('http://user:pw@example.com:8080/')).toBe('http://example.com:8080/********');
    expect(maskUrl('http://example.com')).toBe('http://example.com/');
    // the README shows the same form (issue 19: they disagreed)
    const readme = fs.readFileSync(path.resolve(__dirname, '../../README.md'), 'utf8').replace(/\s+/g, ' ');
    const example = /`(https?:\/\/[^`]+)` shows as `([^`]+)`/.exec(readme);
    expect(example).not.toBeNull();
    expect(maskUrl(example![1])).toBe(example![2]);
    expect(SETTINGS['notify-secret'].mask?.('abc')).toBe('********');
  });

  it('validates URLs, formats, secrets and timeouts', () => {
    expect(SETTINGS['notify-url'].validate('https://example.com/x')).toBeUndefined();
    expect(SETTINGS['notify-url'].validate('javascript:alert(1)')).toBeDefined();
    expect(SETTINGS['notify-url'].validate('http://a b/')).toBeDefined();
    expect(SETTINGS['notify-format'].validate('xml')).toBeDefined();
    expect(SETTINGS['notify-secret'].validate('has space')).toBeDefined();
    expect(SETTINGS['notify-timeout'].validate('0')).toBeDefined();
    expect(SETTINGS['notify-timeout'].validate('60')).toBeUndefined();
  });
});

describe('the last notification', () => {
  const failed = { release: 2, event: 'start', status: 'failed', attempts: 3, http_status: 500, error: 'HTTP 500', at: '2025-01-01T00:02:00.000Z' } as const;
  const delivered = { release: 1, event: 'end', status: 'delivered', attempts: 1, http_status: 200, error: null, at: '2025-01-01T00:01:00.000Z' } as const;

  it('is the newest outcome, whatever order they were recorded in', () => {
    const last = lastNotification([failed, delivered]);
    expect(last?.release).toBe(2);
    expect(notificationLine(last)).toBe('v2 start: FAILED after 3 attempts: HTTP 500 at 2025-01-01T00:02:00.000Z');
    expect(notificationLine(lastNotification([delivered]))).toBe('v1 end: delivered (HTTP 200, 1 attempt) at 2025-01-01T00:01:00.000Z');
    expect(lastNotification([])).toBeUndefined();
  });

  it('is kept in a file of its own (owner-only), the newest OUTCOMES_KEPT, and a damaged file reads as none', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ownstack-outcomes-'));
    try {
      const ctx = createContext({ DOKKU_ROOT: path.join(root, 'home'), DOKKU_LIB_ROOT: path.join(root, 'lib') });
      fs.mkdirSync(ctx.paths.ownstackApp('myapp'), { recursive: true });
      expect(readOutcomes(ctx, 'myapp')).toEqual([]);
      for (let id = 1; id <= OUTCOMES_KEPT + 2; id++) recordOutcome(ctx, 'myapp', { ...delivered, release: id });
      const kept = readOutcomes(ctx, 'myapp');
      expect(kept.map((outcome) => outcome.release)).toEqual(Array.from({ length: OUTCOMES_KEPT }, (_, i) => i + 3));
      expect(fs.statSync(notificationsFile(ctx, 'myapp')).mode & 0o777).toBe(0o600);
      fs.writeFileSync(notificationsFile(ctx, 'myapp'), '{"not": "a list"');
      expect(readOutcomes(ctx, 'myapp')).toEqual([]);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});
