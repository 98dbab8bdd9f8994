import * as z from 'zod/mini';

// One record per deploy attempt of an app (DESIGN.md §1). Stored as JSON, one file per release;
// this schema is the documented, stable JSON shape of `ownstack:history --format json`.
// Config values never appear in a record.

export const RELEASE_KINDS = ['push', 'image', 'rebuild', 'config', 'deploy', 'promote', 'rollback'] as const;
export const RELEASE_STATUSES = ['running', 'succeeded', 'failed'] as const;
export const PHASES = ['build', 'release', 'deploy', 'postdeploy'] as const;

export type ReleaseKind = (typeof RELEASE_KINDS)[number];
export type ReleaseStatus = (typeof RELEASE_STATUSES)[number];
export type Phase = (typeof PHASES)[number];

export const TaskOutcomeSchema = z.object({
  /** predeploy (app.json scripts.dokku.predeploy), release (Procfile), postdeploy (app.json
   * scripts.postdeploy, run once per app), dokku-postdeploy (scripts.dokku.postdeploy). */
  name: z.enum(['predeploy', 'release', 'postdeploy', 'dokku-postdeploy']),
  status: z.enum(['succeeded', 'failed', 'skipped']),
  exit_code: z.nullable(z.int()),
  /** The command as written in Procfile/app.json (no config values are substituted). */
  command: z.nullable(z.string()),
});
export type TaskOutcome = z.infer<typeof TaskOutcomeSchema>;

export const ReleaseRecordSchema = z.object({
  /** The format that wrote the record (src/lib/schema-version.ts); absent in 0.1.0's, which are 1. */
  schema_version: z.optional(z.int().check(z.positive())),
  id: z.int().check(z.positive()),
  app: z.string(),
  kind: z.enum(RELEASE_KINDS),
  status: z.enum(RELEASE_STATUSES),
  /** The furthest phase reached; for a failed record, the phase that failed. */
  phase: z.enum(PHASES),
  /** One line, for a failed record. */
  reason: z.nullable(z.string()),
  description: z.string(),
  git_sha: z.nullable(z.string()),
  /** Dokku's deploy source and its metadata (deploy-source-set), e.g. git-push + SHA. */
  source: z.nullable(z.string()),
  source_metadata: z.nullable(z.string()),
  /** `sha256:…` of the image the release deployed (or was about to deploy). */
  image_id: z.nullable(z.string()),
  /** `repository@sha256:…` of an image that came from a registry (image deploys, promotions
   * across hosts): the registry's name for exactly this image. Absent in records before 0.2. */
  image_digest: z.optional(z.nullable(z.string())),
  /** The immutable per-release name of the retained image, re-tagged from image_id when needed. */
  image_tag: z.nullable(z.string()),
  builder: z.nullable(z.string()),
  who: z.string(),
  started_at: z.string(),
  finished_at: z.nullable(z.string()),
  /** Dokku's DOKKU_BUILD_ID, linking to `builds:info`. */
  build_id: z.nullable(z.string()),
  /** Process whose death without finishing means the attempt failed. */
  pid: z.nullable(z.int()),
  /** /proc start time of that process, so a reused pid is not mistaken for it. */
  pid_start: z.nullable(z.string()),
  dokku_pid: z.nullable(z.string()),
  /** The source release; `host` when it came from another Dokku host (absent before 0.2). */
  promoted_from: z.nullable(z.object({ app: z.string(), id: z.int().check(z.positive()), host: z.optional(z.string()) })),
  rollback_of: z.nullable(z.int().check(z.positive())),
  tasks: z.array(TaskOutcomeSchema),
  /** Holding container that protects image_id from Dokku's prune and retire; null once released. */
  retained_by: z.nullable(z.string()),
  /** ps:restart and similar events on this release, newest last, bounded. */
  events: z.array(z.object({ at: z.string(), what: z.string(), who: z.string() })),
  /** Where our compressed copy of the deploy log is, relative to the app's store. */
  log: z.nullable(z.string()),
  /** A promotion that `--force` pushed past its guards: who forced it and which guards. */
  forced: z.optional(z.nullable(z.object({ by: z.string(), guards: z.array(z.string()) }))),
  /** A promotion carried out by `pipeline:approve`: the request, who asked and who approved. */
  approval: z.optional(
    z.nullable(z.object({ request: z.int().check(z.positive()), requested_by: z.string(), approved_by: z.string() })),
  ),
  /** A `config` release made by `ownstack:config-push`: the keys it set (names only, never values). */
  config_keys: z.optional(z.nullable(z.array(z.string()))),
});

export type ReleaseRecord = z.infer<typeof ReleaseRecordSchema>;

/**
 * The record of a deploy that an ownstack command ran itself (promote, rollback, an image
 * deploy), as opposed to one Dokku ran (push, git:from-image, config:set). Our commands hold
 * the deploy lock for their whole deploy and tag `latest` before Dokku starts. Only our image
 * deploys record the registry digest; Dokku's git:from-image never does.
 */
export function deployedByOwnstack(record: Pick<ReleaseRecord, 'kind' | 'image_digest'>): boolean {
  return record.kind === 'promote' || record.kind === 'rollback' || (record.kind === 'image' && Boolean(record.image_digest));
}

/** What history/info show: `expired` is derived (the image is gone), never stored. */
export type DisplayStatus = ReleaseStatus | 'expired';

/**
 * Whether a deploy from this DOKKU_BUILD_SOURCE runs outside Dokku's deploy lock: config:set's
 * redeploy, ps:restart, ps:start and `plugin:trigger release-and-deploy` (any other source). The
 * git ones and ps:rebuild hold it already (git_receive_app takes it).
 */
export function redeployOutsideDeployLock(source: string | undefined): boolean {
  const kind = kindForBuildSource(source);
  return kind === undefined || kind === 'config' || kind === 'deploy';
}

/** Whether Dokku fires builds-record-finalize for the deploy: never for ps:restart and ps:start. */
export function finalizedByDokku(source: string | undefined): boolean {
  return source !== 'ps:restart' && source !== 'ps:start';
}

/** Maps Dokku's DOKKU_BUILD_SOURCE (builds-record-start's 4th argument) to a release kind. */
export function kindForBuildSource(source: string | undefined): ReleaseKind | undefined {
  switch (source) {
    case 'git-hook':
    case 'git:sync':
    case 'git:from-archive':
      return 'push';
    case 'git:from-image':
    case 'git:load-image':
      return 'image';
    case 'ps:rebuild':
      return 'rebuild';
    case 'config-redeploy':
      return 'config';
    case 'ps:restart':
    case 'ps:start':
      return undefined; // not a release: an event on the current one
    default:
      return 'deploy';
  }
}
