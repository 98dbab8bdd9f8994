import type { Context } from '../lib/context.js';
import { log } from '../lib/output/log.js';
import install from './install.js';

// One module per Dokku trigger we implement (each has a shim in triggers/ and a link at the
// plugin root). A handler returns the exit code Dokku sees; non-zero stops Dokku's trigger chain,
// so only a handler that must stop a deploy ever returns one.
export type TriggerHandler = (ctx: Context, args: string[]) => Promise<number>;

const HANDLERS: Record<string, TriggerHandler> = {
  install,
};

/** The triggers we implement; each must have a shim in triggers/ and a link at the plugin root. */
export function implementedTriggers(): string[] {
  return Object.keys(HANDLERS).sort();
}

export async function runTriggerHandler(ctx: Context, name: string, args: string[]): Promise<number> {
  const handler = Object.hasOwn(HANDLERS, name) ? HANDLERS[name] : undefined;
  if (!handler) {
    log.error(`ownstack does not implement the ${name} trigger`);
    return 1;
  }
  return handler(ctx, args);
}
