import { UserError } from '../output/errors.js';
import { printable } from '../output/log.js';

// Who signs in to the dashboard: the name of an ssh key (Dokku's SSH_NAME) as a `deployer`, or a
// name given with `--viewer` as a read-only `viewer`. Viewers see everything but config values
// (no page shows config values at all yet); deployers will also be able to act.

export const ROLES = ['deployer', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

const MAX_NAME = 64;
// Printable, no quotes, no shell or HTML metacharacters that would make the name confusing when shown.
const NAME = /^[A-Za-z0-9][A-Za-z0-9 ._@+-]*$/;

/** A viewer's name: short and printable, e.g. `Alice Smith` or `alice@example.com`. */
export function assertViewerName(raw: string | undefined): string {
  if (raw === undefined || raw === '') throw new UserError('Please give the viewer a name: --viewer <name>');
  if (raw.length > MAX_NAME || !NAME.test(raw) || raw.endsWith(' ')) {
    throw new UserError(
      `Invalid viewer name "${printable(raw)}": up to ${MAX_NAME} letters, digits, spaces and . _ @ + -, starting with a letter or digit`,
    );
  }
  return raw;
}
