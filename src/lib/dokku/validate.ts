import { UserError } from '../output/errors.js';
import { printable } from '../output/log.js';

// Dokku 0.38's rule (plugins/common/common.go IsValidAppName). The length cap is ours: Docker
// container names and file names must stay usable.
const APP_NAME = /^[a-z0-9][a-z0-9.-]*$/;
const MAX_APP_NAME = 200;

export function assertValidAppName(app: string | undefined): string {
  return assertDokkuStyleName('app', app, 'Please specify an app to run the command on');
}

/** App names and the names we give things of our own (pipelines) follow the same rule. */
export function assertDokkuStyleName(kind: string, name: string | undefined, missing: string): string {
  if (!name) throw new UserError(missing);
  if (!APP_NAME.test(name) || name.length > MAX_APP_NAME) {
    throw new UserError(
      `Invalid ${kind} name "${printable(name)}": it must begin with a lowercase alphanumeric character, and may only contain lowercase alphanumerics, dots, and hyphens`,
    );
  }
  return name;
}

/** Release IDs are written `7` or `v7`. */
export function parseReleaseId(raw: string | undefined): number {
  if (raw === undefined || raw === '') throw new UserError('Please specify a release ID, for example v7');
  const match = /^v?([1-9][0-9]{0,8})$/.exec(raw);
  if (!match) throw new UserError(`Invalid release ID "${printable(raw)}": expected a number such as 7 or v7`);
  return Number(match[1]);
}

export function parseNonNegativeInt(raw: string, what: string, max: number): number {
  if (!/^[0-9]{1,9}$/.test(raw) || Number(raw) > max) {
    throw new UserError(`Invalid ${what} "${printable(raw)}": expected a whole number from 0 to ${max}`);
  }
  return Number(raw);
}
