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
      { usage: 'ownstack:info <app> [--format stdout|json]', description: 'Show the current release of an app' },
      { usage: 'ownstack:deploy-log <app> [<id>]', description: "Print a release's deploy log (the newest by default)" },
      { usage: 'ownstack:rollback <app> [<id>] [--skip-release] [--lock-wait <seconds>]', description: 'Deploy an earlier release again, without a rebuild' },
      { usage: 'ownstack:report [<app>|--global] [--format stdout|json] [--<flag>]', description: 'Display ownstack settings' },
      { usage: 'ownstack:set <app>|--global <key> [<value>]', description: 'Set or clear a setting: retention, lock-wait' },
    ],
  },
  pipeline: {
    summary: 'Pipelines of apps and promotion of the exact tested image',
    entries: [
      { usage: 'pipeline:create <production-app> [--name <pipeline>]', description: 'Create a pipeline whose production stage holds the app' },
      { usage: 'pipeline:add-staging <production-app> <staging-app>', description: "Add a staging app to the production app's pipeline" },
      { usage: 'pipeline:add <pipeline> <app> --stage <stage>', description: 'Add an app to a stage: review, development, staging, production' },
      { usage: 'pipeline:remove <app>', description: 'Remove an app from its pipeline' },
      { usage: 'pipeline:info <pipeline|app> [--format stdout|json]', description: 'Show the stages and apps of a pipeline' },
      { usage: 'pipeline:list [--format stdout|json]', description: 'List pipelines' },
      { usage: 'pipeline:destroy <pipeline>', description: 'Delete a pipeline (its apps are left alone)' },
      { usage: 'pipeline:promote <app> [--to <app>[,<app>…]] [--lock-wait <seconds>]', description: "Deploy the app's current release to the next stage, without a rebuild" },
      { usage: 'pipeline:set <pipeline> <key> [<value>]', description: 'Set or clear a pipeline setting: review-apps, review-apps-parent, review-apps-limit, review-apps-stale-days' },
      { usage: 'pipeline:report <pipeline> [--format stdout|json] [--pipeline-<key>]', description: 'Display the settings of a pipeline' },
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
