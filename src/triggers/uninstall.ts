import path from 'node:path';
import { handDataToSystemUser } from '../lib/dokku/data-owner.js';
import { replayNotedTriggers } from './index.js';
import type { TriggerHandler } from './index.js';

// `uninstall PLUGIN`: Dokku's plugin:uninstall fires it (as root) for every plugin before it
// removes PLUGIN. When PLUGIN is us, the last git push may have left notes (note-functions) that
// only the next start of this binary would record; an upgrade's next version reads them, but an
// older one (0.1.0) installed next never would. So they are recorded now, and what root wrote is
// handed back to the user Dokku deploys as. The data itself stays (README, Uninstalling).
const uninstall: TriggerHandler = async (ctx, args) => {
  const pluginName = path.basename(path.dirname(path.dirname(process.execPath)));
  if (args[0] !== pluginName && args[0] !== 'ownstack') return 0;
  await replayNotedTriggers(ctx, { asRoot: true });
  await handDataToSystemUser(ctx);
  return 0;
};

export default uninstall;
