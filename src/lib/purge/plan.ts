import type { Holder } from '../retention/plan.js';

// `ownstack:purge`: what ownstack keeps for an app and what removing it means. Pure decisions;
// the command carries them out through the Dokku seam. After `plugin:uninstall ownstack` the
// store and the holding containers stay (an uninstall is often half of an upgrade); this is the
// way out for a user who leaves for good, or who wants one app's history gone.

export interface AppLeftovers {
  app: string;
  /** The app's release store exists. */
  hasStore: boolean;
  holders: Holder[];
}

/** The apps that have anything of ours: a store directory, or holders labelled with their name. */
export function leftoversByApp(storeApps: string[], holders: (Holder & { app: string })[]): AppLeftovers[] {
  const byApp = new Map<string, AppLeftovers>();
  const entry = (app: string) => {
    let found = byApp.get(app);
    if (!found) byApp.set(app, (found = { app, hasStore: false, holders: [] }));
    return found;
  };
  for (const app of storeApps) entry(app).hasStore = true;
  for (const { app, ...holder } of holders) entry(app).holders.push(holder);
  return [...byApp.values()].sort((a, b) => a.app.localeCompare(b.app));
}

/** The images the holders kept: each is removed once its holder is gone, unless something else uses it. */
export function heldImages(leftovers: AppLeftovers[]): string[] {
  return [...new Set(leftovers.flatMap(({ holders }) => holders.map((holder) => holder.imageId)).filter(Boolean))];
}

/** Dokku's confirmation for a destructive action (apps:destroy): type the name to proceed. */
export function confirmationLines(target: string, what: string): string[] {
  return ['WARNING: Potentially Destructive Action', `This command will remove ${what}.`, `To proceed, type "${target}"`];
}

export function summary(leftovers: AppLeftovers[], removedImages: number, keptImages: number): string {
  const stores = leftovers.filter((entry) => entry.hasStore).length;
  const holders = leftovers.reduce((sum, entry) => sum + entry.holders.length, 0);
  const kept = keptImages > 0 ? ` (${keptImages} still in use, left alone)` : '';
  return `Removed ${stores} release ${stores === 1 ? 'history' : 'histories'}, ${holders} image ${holders === 1 ? 'holder' : 'holders'} and ${removedImages} retained ${removedImages === 1 ? 'image' : 'images'}${kept}`;
}
