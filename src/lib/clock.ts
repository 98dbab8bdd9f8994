import { UserError } from './output/errors.js';
import { currentEnv } from './dokku/trigger-scope.js';

// The one "now" of the decisions that depend on time (bake time, approval expiry). Tests set
// OWNSTACK_NOW (an ISO 8601 time) to move this clock instead of sleeping; it is for tests only:
// on a real host nobody who reaches Dokku through ssh can set it (sshcommand's forced command
// fixes the environment), and release records keep the real time either way.
export function now(env: NodeJS.ProcessEnv = currentEnv()): Date {
  const fixed = env.OWNSTACK_NOW;
  if (fixed === undefined || fixed === '') return new Date();
  const date = new Date(fixed);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(fixed) || Number.isNaN(date.getTime())) throw new UserError('Invalid OWNSTACK_NOW: expected an ISO 8601 time');
  return date;
}
