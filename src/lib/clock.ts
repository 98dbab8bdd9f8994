import { UserError } from './output/errors.js';
import { printable } from './output/log.js';

// The one settable clock: OWNSTACK_NOW (ISO 8601 or epoch seconds) replaces "now" for release
// timestamps and stale review-app checks, so tests can age things without sleeping. Unset in
// production, where this is the real time.
export function clockNow(raw: string | undefined = process.env.OWNSTACK_NOW): Date {
  if (!raw) return new Date();
  const date = /^[0-9]+$/.test(raw) ? new Date(Number(raw) * 1000) : new Date(raw);
  if (Number.isNaN(date.getTime())) throw new UserError(`Invalid OWNSTACK_NOW "${printable(raw)}": expected an ISO 8601 time or epoch seconds`);
  return date;
}
