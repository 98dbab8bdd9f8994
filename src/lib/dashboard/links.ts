import type { DokkuPaths } from '../dokku/env.js';
import { UserError } from '../output/errors.js';
import { readSetting } from '../settings/settings.js';

/** The sign-in link for a token, from `ownstack:set --global dashboard-url`; refused when it is not set. */
export function signInUrl(paths: DokkuPaths, token: string): string {
  const base = readSetting(paths, undefined, 'dashboard-url').computed;
  if (!base) throw new UserError('The dashboard URL is not set: run dokku ownstack:set --global dashboard-url https://<dashboard-host>');
  return `${base.replace(/\/+$/, '')}/login/${token}`;
}
