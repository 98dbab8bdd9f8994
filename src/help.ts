// The one source of help text: `dokku help`, `ownstack:help`, `pipeline:help` and the README table.
export interface HelpEntry {
  usage: string;
  description: string;
}

export const TOPICS = {
  ownstack: {
    summary: 'Release history, rollback without a rebuild, and image retention',
    entries: [
      { usage: 'ownstack:history <app> [--limit N] [--format stdout|json]', description: 'List the releases of an app, newest first' },
      { usage: 'ownstack:history <app>@<stack> [--limit N] [--format stdout|json]', description: 'List the releases of an app on another stack, as it lists them' },
      { usage: 'ownstack:info <app> [--format stdout|json]', description: 'Show the current release of an app' },
      { usage: 'ownstack:deploy-log <app> [<id>]', description: "Print a release's deploy log (the newest by default)" },
      { usage: 'ownstack:deploy-log <app>@<stack> [<id>]', description: "Print a release's deploy log from another stack (its last 1 MiB, control characters escaped)" },
      { usage: 'ownstack:rollback <app> [<id>] [--skip-release] [--lock-wait <seconds>]', description: 'Deploy an earlier release again, without a rebuild' },
      { usage: 'ownstack:rebuild <app>', description: "Rebuild and deploy the app from its source (Dokku's ps:rebuild; the dashboard's Deploy now)" },
      { usage: 'ownstack:git-sync <app> <repository> <sha>', description: "Fetch a commit from an http(s) repository and deploy it (Dokku's git:sync --build; the GitHub webhook's deploy)" },
      { usage: 'ownstack:deploy-image <app> <image> [--lock-wait <seconds>]', description: 'Deploy a pre-built image from a registry, without a rebuild' },
      { usage: 'ownstack:version [--format stdout|json]', description: 'Print the ownstack version' },
      { usage: 'ownstack:report [<app>|--global] [--format stdout|json] [--<flag>]', description: 'Display ownstack settings' },
      { usage: 'ownstack:set <app>|--global <key> [<value>]', description: 'Set or clear a setting: retention, lock-wait, notify-url, notify-format, notify-secret, notify-timeout, dashboard-url, dashboard-ssh-host (--global), github-webhook-secret (from stdin: -), github-branch' },
      {
        usage: 'ownstack:config-push --file <path|-> (<app>...|--pipeline <pipeline> [--stage <stage>]) [--no-restart] [--dry-run]',
        description: 'Set the same config on many apps, in stage order, from a dotenv file or stdin',
      },
      { usage: 'ownstack:purge <app>|--all [--force]', description: 'Remove the release history and kept images of an app, or everything ownstack keeps' },
      { usage: 'ownstack:dashboard:enable [--app <name>]', description: 'Run the dashboard as a Dokku app (default name ownstack), from an image of this binary built on the host' },
      { usage: 'ownstack:dashboard:disable', description: 'Destroy the dashboard app and its images (sessions are kept)' },
      { usage: 'ownstack:dashboard:report [--format stdout|json]', description: "Show the dashboard app: name, URL, image, running state" },
      { usage: 'ownstack:dashboard:login [--viewer <name>] [--format stdout|json]', description: 'Print a single-use sign-in link for the dashboard (10 minutes; --viewer: read-only)' },
      { usage: 'ownstack:dashboard:sessions [--format stdout|json]', description: 'List the dashboard sessions' },
      { usage: 'ownstack:dashboard:revoke <id>|--all', description: 'End dashboard sessions' },
      { usage: 'ownstack:dashboard:deliveries <app> [--format stdout|json]', description: "List the app's GitHub webhook deliveries and their outcomes, newest first" },
    ],
  },
  pipeline: {
    summary: 'Pipelines of apps and promotion of the exact tested image',
    entries: [
      { usage: 'pipeline:create <production-app> [--name <pipeline>] [--stack <name>]', description: 'Create a pipeline whose production stage holds the app (on a stack: <app>@<stack>)' },
      { usage: 'pipeline:add-staging <production-app> <staging-app>', description: "Add a staging app to the production app's pipeline" },
      { usage: 'pipeline:add <pipeline> <app> --stage <stage> [--stack <name>]', description: 'Add an app to a stage: review, development, staging, production (on a stack: <app>@<stack>)' },
      { usage: 'pipeline:remove <app>', description: 'Remove an app from its pipeline' },
      { usage: 'pipeline:info <pipeline|app> [--format stdout|json]', description: 'Show the stages and apps of a pipeline' },
      { usage: 'pipeline:list [--format stdout|json]', description: 'List pipelines' },
      { usage: 'pipeline:destroy <pipeline>', description: 'Delete a pipeline (its apps are left alone)' },
      { usage: 'pipeline:promote <app> [--to <app>[@<stack>][,…]] [--lock-wait <seconds>] [--force]', description: "Deploy the app's current release to the next stage, without a rebuild (--force overrides the guards)" },
      { usage: 'pipeline:diff <app> [--to <app>[@<stack>][,…]] [--format stdout|json]', description: 'List the commits a promotion of the app would bring to each target, newest first' },
      { usage: 'pipeline:rollback <pipeline> --stage <stage> [--stack <name>|local] [--lock-wait <seconds>]', description: 'Roll every app of a stage back to its previous release, on every stack or one' },
      { usage: 'pipeline:report [<pipeline>] [--format stdout|json] [--<flag>]', description: 'Display pipeline settings' },
      { usage: 'pipeline:set <pipeline> <key> [<value>]', description: 'Set or clear a setting: promote-min-age, promote-require-healthy, promote-approval, promote-approval-ttl, registry, review-apps, review-apps-parent, review-apps-limit, review-apps-stale-days' },
      { usage: 'pipeline:requests <pipeline> [--format stdout|json]', description: 'List the promotion requests waiting for (or decided by) an approval' },
      { usage: 'pipeline:approve <pipeline> <request> [--lock-wait <seconds>]', description: "Carry out another user's promotion request, with the exact release it pinned" },
      { usage: 'pipeline:reject <pipeline> <request>', description: 'Drop a pending promotion request' },
    ],
  },
  stacks: {
    summary: 'Remote Dokku hosts that pipelines can span',
    entries: [
      { usage: 'stacks:add <name> <dokku@host[:port]>', description: 'Add a remote Dokku host, reached over ssh with the dokku user\'s key' },
      { usage: 'stacks:remove <name>', description: 'Forget a remote Dokku host (its apps are left alone)' },
      { usage: 'stacks:list [--format stdout|json]', description: 'List the remote Dokku hosts' },
      { usage: 'stacks:check [<name>] [--format stdout|json]', description: 'Check that stacks answer over ssh, and which ownstack they run' },
    ],
  },
  'review-apps': {
    summary: 'Review apps: one app per pull request, in the review stage of a pipeline',
    entries: [
      { usage: 'review-apps:create <pipeline> <name> [--from <app>]', description: "Clone the pipeline's parent app into a new review app" },
      { usage: 'review-apps:destroy <name>', description: 'Destroy a review app (its pr-predestroy script runs first)' },
      { usage: 'review-apps:list <pipeline> [--format stdout|json]', description: 'List the review apps of a pipeline' },
      { usage: 'review-apps:expire', description: 'Destroy review apps with no deploy for review-apps-stale-days (the scheduled job)' },
    ],
  },
} satisfies Record<string, { summary: string; entries: HelpEntry[] }>;

export type Topic = keyof typeof TOPICS;

function columns(entries: HelpEntry[], indent: string): string {
  const width = Math.max(...entries.map((entry) => entry.usage.length));
  return entries.map((entry) => `${indent}${entry.usage.padEnd(width)}  ${entry.description}`).join('\n');
}

/** `dokku <topic>:help`, in the shape of Dokku's own plugins. */
export function topicHelp(topic: Topic): string {
  const { summary, entries } = TOPICS[topic];
  return [`Usage: dokku ${topic}[:COMMAND]`, '', `${summary}.`, '', 'Additional commands:', columns(entries, '    '), ''].join('\n');
}

/** `dokku help` shows one line per topic; `dokku help --all` lists every command. */
export function dokkuHelpRows(all: boolean): string {
  if (all) return Object.values(TOPICS).flatMap(({ entries }) => entries.map((e) => `    ${e.usage}, ${e.description}`)).join('\n');
  return Object.entries(TOPICS).map(([topic, { summary }]) => `    ${topic}, ${summary}`).join('\n');
}
