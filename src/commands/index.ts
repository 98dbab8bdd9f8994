import type { CommandModule } from '../program.js';

/**
 * Every command module (src/commands/<topic>/<verb>.ts), in help order, with the command names it
 * registers. A start of the binary loads only the module of the command it runs (each module's
 * code, and what it imports, costs every start; BENCHMARKS.md), so the names are listed here too;
 * test/unit/commands-index.test.ts holds them to what each module registers.
 */
export interface CommandEntry {
  names: string[];
  load: () => Promise<{ default: CommandModule }>;
}

export const COMMANDS: CommandEntry[] = [
  { names: ['ownstack', 'ownstack:help', 'pipeline:help', 'stacks', 'stacks:help'], load: () => import('./ownstack/help.js') },
  { names: ['ownstack:history'], load: () => import('./ownstack/history.js') },
  { names: ['ownstack:info'], load: () => import('./ownstack/info.js') },
  { names: ['ownstack:deploy-log'], load: () => import('./ownstack/deploy-log.js') },
  { names: ['ownstack:report'], load: () => import('./ownstack/report.js') },
  { names: ['ownstack:set'], load: () => import('./ownstack/set.js') },
  { names: ['ownstack:rollback'], load: () => import('./ownstack/rollback.js') },
  { names: ['ownstack:rebuild'], load: () => import('./ownstack/rebuild.js') },
  { names: ['ownstack:git-sync'], load: () => import('./ownstack/git-sync.js') },
  { names: ['ownstack:deploy-image'], load: () => import('./ownstack/deploy-image.js') },
  { names: ['ownstack:config-push'], load: () => import('./ownstack/config-push.js') },
  { names: ['ownstack:purge'], load: () => import('./ownstack/purge.js') },
  { names: ['ownstack:version'], load: () => import('./ownstack/version.js') },
  { names: ['ownstack:dashboard:login'], load: () => import('./dashboard/login.js') },
  { names: ['ownstack:dashboard:sessions'], load: () => import('./dashboard/sessions.js') },
  { names: ['ownstack:dashboard:revoke'], load: () => import('./dashboard/revoke.js') },
  { names: ['dashboard'], load: () => import('./dashboard/serve.js') },
  { names: ['ownstack:dashboard:enable'], load: () => import('./dashboard/enable.js') },
  { names: ['ownstack:dashboard:disable'], load: () => import('./dashboard/disable.js') },
  { names: ['ownstack:dashboard:report'], load: () => import('./dashboard/report.js') },
  { names: ['ownstack:dashboard:deliveries'], load: () => import('./dashboard/deliveries.js') },
  { names: ['pipeline'], load: () => import('./pipeline/help.js') },
  { names: ['pipeline:create'], load: () => import('./pipeline/create.js') },
  { names: ['pipeline:add-staging'], load: () => import('./pipeline/add-staging.js') },
  { names: ['pipeline:add'], load: () => import('./pipeline/add.js') },
  { names: ['pipeline:remove'], load: () => import('./pipeline/remove.js') },
  { names: ['pipeline:info'], load: () => import('./pipeline/info.js') },
  { names: ['pipeline:list'], load: () => import('./pipeline/list.js') },
  { names: ['pipeline:destroy'], load: () => import('./pipeline/destroy.js') },
  { names: ['pipeline:promote'], load: () => import('./pipeline/promote.js') },
  { names: ['pipeline:diff'], load: () => import('./pipeline/diff.js') },
  { names: ['pipeline:rollback'], load: () => import('./pipeline/rollback.js') },
  { names: ['pipeline:report'], load: () => import('./pipeline/report.js') },
  { names: ['pipeline:set'], load: () => import('./pipeline/set.js') },
  { names: ['pipeline:requests'], load: () => import('./pipeline/requests.js') },
  { names: ['pipeline:approve'], load: () => import('./pipeline/approve.js') },
  { names: ['pipeline:reject'], load: () => import('./pipeline/reject.js') },
  { names: ['stacks:add'], load: () => import('./stacks/add.js') },
  { names: ['stacks:remove'], load: () => import('./stacks/remove.js') },
  { names: ['stacks:list'], load: () => import('./stacks/list.js') },
  { names: ['stacks:check'], load: () => import('./stacks/check.js') },
  { names: ['review-apps', 'review-apps:help'], load: () => import('./review-apps/help.js') },
  { names: ['review-apps:create'], load: () => import('./review-apps/create.js') },
  { names: ['review-apps:destroy'], load: () => import('./review-apps/destroy.js') },
  { names: ['review-apps:list'], load: () => import('./review-apps/list.js') },
  { names: ['review-apps:expire'], load: () => import('./review-apps/expire.js') },
];
