import { describe, expect, it } from 'vitest';
import { assertDecidable } from '../../src/lib/approvals/model.js';
import { DASHBOARD_KEY_NAME, personOf, takeWebUserOption, webUserOfSession } from '../../src/lib/identity/web-user.js';
import { whoDeployed } from '../../src/lib/identity/who.js';
import { readDokkuEnv } from '../../src/lib/dokku/env.js';

describe('--web-user', () => {
  it('is taken off the command line when the dashboard key sent it', () => {
    expect(takeWebUserOption(['pipeline:promote', 'web', '--web-user', 'alice'], DASHBOARD_KEY_NAME)).toEqual({ args: ['pipeline:promote', 'web'], webUser: 'alice' });
    expect(takeWebUserOption(['--web-user=bob@example.com', 'ownstack:rollback', 'web', '3'], DASHBOARD_KEY_NAME)).toEqual({ args: ['ownstack:rollback', 'web', '3'], webUser: 'bob@example.com' });
    expect(takeWebUserOption(['ownstack:history', 'web'], 'alice')).toEqual({ args: ['ownstack:history', 'web'], webUser: undefined });
  });

  it('is refused from any other key, and locally, with one line', () => {
    for (const sshName of ['alice', 'default', undefined, 'ownstack-dashboard2', 'OWNSTACK-DASHBOARD']) {
      expect(() => takeWebUserOption(['pipeline:promote', 'web', '--web-user', 'alice'], sshName)).toThrow(/^--web-user is accepted only from the dashboard's ssh key \(ownstack-dashboard\)$/);
    }
  });

  it('refuses hostile, empty and repeated names', () => {
    for (const name of ['', '../x', '$(id)', '`id`', "'", '"', 'a b', 'a\nb', '-x', 'x'.repeat(65), 'alice (dashboard)', 'é']) {
      expect(() => takeWebUserOption(['pipeline:promote', 'web', '--web-user', name], DASHBOARD_KEY_NAME), name).toThrow(/^(Invalid web user|Please give a name)/);
    }
    expect(() => takeWebUserOption(['pipeline:promote', 'web', '--web-user'], DASHBOARD_KEY_NAME)).toThrow(/Please give a name/);
    expect(() => takeWebUserOption(['x', '--web-user', 'a', '--web-user', 'b'], DASHBOARD_KEY_NAME)).toThrow(/more than once/);
  });
});

describe('WHO of a dashboard action', () => {
  it('is the web user, marked as from the dashboard, only with the dashboard key', () => {
    expect(whoDeployed({ sshName: DASHBOARD_KEY_NAME, webUser: 'alice', unixUser: 'dokku' })).toBe('alice (dashboard)');
    expect(whoDeployed({ sshName: 'mallory', webUser: 'alice', unixUser: 'dokku' })).toBe('mallory');
    expect(whoDeployed({ sshName: DASHBOARD_KEY_NAME, webUser: 'a b', unixUser: 'dokku' })).toBe(DASHBOARD_KEY_NAME);
    expect(whoDeployed({ sshName: DASHBOARD_KEY_NAME, unixUser: 'dokku' })).toBe(DASHBOARD_KEY_NAME);
  });

  it('reaches triggers through the environment', () => {
    expect(readDokkuEnv({ SSH_NAME: DASHBOARD_KEY_NAME, OWNSTACK_WEB_USER: 'carol' }).who).toBe('carol (dashboard)');
    expect(readDokkuEnv({ SSH_NAME: 'carol', OWNSTACK_WEB_USER: 'dave' }).who).toBe('carol');
  });

  it('is the same person for the four-eyes rule', () => {
    expect(personOf('alice (dashboard)')).toBe('alice');
    expect(personOf('alice')).toBe('alice');
    expect(personOf('alice (sudo)')).toBe('alice');
    expect(personOf('root (local)')).toBe('root');
    expect(personOf('bob (login)')).toBe('bob');
    expect(personOf('eve (other)')).toBe('eve (other)');
    const now = new Date('2026-03-01T12:00:00Z');
    const file = {
      version: 1,
      next_id: 2,
      requests: [{ id: 1, pipeline: 'shop', status: 'pending', requested_by: 'alice', requested_at: now.toISOString(), expires_at: '2026-03-02T12:00:00Z' }],
    };
    expect(() => assertDecidable(file as never, 'shop', 1, 'alice (dashboard)', 'approve', now)).toThrow(/was made by alice; another user must approve it/);
    expect(assertDecidable(file as never, 'shop', 1, 'bob (dashboard)', 'approve', now).id).toBe(1);
  });
  it('acts for a session as its person: a locally minted link acts as alice, a name Dokku cannot take as nobody', () => {
    expect(webUserOfSession('alice')).toBe('alice');
    expect(webUserOfSession('alice (sudo)')).toBe('alice');
    expect(webUserOfSession('root (local)')).toBe('root');
    expect(webUserOfSession('a b')).toBeUndefined();
    expect(webUserOfSession('x; id (sudo)')).toBeUndefined();
  });
});
