import type { DokkuPaths } from '../dokku/env.js';
import { UserError } from '../output/errors.js';
import { readSetting } from '../settings/settings.js';

/**
 * Where sign-in links point: `ownstack:set --global dashboard-url` when it is set (a dashboard run by
 * hand, or behind a proxy Dokku does not know of); else the dashboard app's URL as Dokku gives it
 * when the link is minted, so the links follow `domains:set`, `letsencrypt:enable` and a changed
 * port with no step of the user's. Refused when neither is known.
 */
export function signInBase(paths: DokkuPaths, dashboardAppUrl: string | undefined): string {
  const base = readSetting(paths, undefined, 'dashboard-url').computed || dashboardAppUrl;
  if (!base) {
    throw new UserError('The dashboard URL is not known: run dokku ownstack:dashboard:enable, or dokku ownstack:set --global dashboard-url https://<dashboard-host>');
  }
  return base.replace(/\/+$/, '');
}

export function signInUrl(base: string, token: string): string {
  return `${base}/login/${token}`;
}
