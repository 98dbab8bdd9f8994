import type { DisplayStatus, ReleaseRecord, TaskOutcome } from './record.js';

// The public release object: what `--format json` prints and what integrations (webhooks,
// dashboards, CI steps) may build on. A stored record holds process bookkeeping (pid, pid_start,
// dokku_pid, the log path, the holding container, events, the never-applied image_tag); none of it
// is here. docs/json.md documents this shape and its compatibility promise; a unit test pins the
// key set, so a field can neither appear nor vanish by accident.
//
// Anchored on Heroku's release object, keeping the names ownstack 0.1.0 already printed (0.1.0
// promised never to rename a field): Heroku's `version` is `id`, `user` is `who`, `created_at` is
// `started_at`, `updated_at` is `finished_at`, and the slug is the image, `image_id`.

export interface PublicRelease {
  id: number;
  app: string;
  kind: ReleaseRecord['kind'];
  status: ReleaseRecord['status'];
  /** `status`, or `expired` for a succeeded release that is not current and whose image is gone. */
  display_status: DisplayStatus;
  current: boolean;
  expired: boolean;
  phase: ReleaseRecord['phase'];
  reason: string | null;
  description: string;
  git_sha: string | null;
  source: string | null;
  source_metadata: string | null;
  image_id: string | null;
  image_digest: string | null;
  builder: string | null;
  who: string;
  started_at: string;
  finished_at: string | null;
  build_id: string | null;
  promoted_from: { app: string; id: number; host: string | null } | null;
  rollback_of: number | null;
  tasks: TaskOutcome[];
  config_keys: string[] | null;
  forced: { by: string; guards: string[] } | null;
  approval: { request: number; requested_by: string; approved_by: string } | null;
}

/** What the caller knows beyond the record: which release serves, and whether its image is gone. */
export interface PublicReleaseContext {
  currentId: number | undefined;
  /** The image of this (succeeded, not current) release no longer exists; false when unknown. */
  expired: boolean;
}

/** The public shape of a record: a pure function, so every caller (and a webhook) prints the same. */
export function publicRelease(record: ReleaseRecord, ctx: PublicReleaseContext): PublicRelease {
  const current = record.id === ctx.currentId;
  const expired = ctx.expired && record.status === 'succeeded' && !current;
  return {
    id: record.id,
    app: record.app,
    kind: record.kind,
    status: record.status,
    display_status: expired ? 'expired' : record.status,
    current,
    expired,
    phase: record.phase,
    reason: record.reason,
    description: record.description,
    git_sha: record.git_sha,
    source: record.source,
    source_metadata: record.source_metadata,
    image_id: record.image_id,
    image_digest: record.image_digest ?? null,
    builder: record.builder,
    who: record.who,
    started_at: record.started_at,
    finished_at: record.finished_at,
    build_id: record.build_id,
    promoted_from: record.promoted_from && { app: record.promoted_from.app, id: record.promoted_from.id, host: record.promoted_from.host ?? null },
    rollback_of: record.rollback_of,
    tasks: record.tasks.map((task) => ({ name: task.name, status: task.status, exit_code: task.exit_code, command: task.command })),
    config_keys: record.config_keys ? [...record.config_keys] : null,
    forced: record.forced ? { by: record.forced.by, guards: [...record.forced.guards] } : null,
    approval: record.approval ? { ...record.approval } : null,
  };
}

/** The keys of a public release, in order: docs/json.md and the key-set tests hold to this list. */
export const PUBLIC_RELEASE_KEYS = [
  'id', 'app', 'kind', 'status', 'display_status', 'current', 'expired', 'phase', 'reason', 'description',
  'git_sha', 'source', 'source_metadata', 'image_id', 'image_digest', 'builder', 'who', 'started_at', 'finished_at',
  'build_id', 'promoted_from', 'rollback_of', 'tasks', 'config_keys', 'forced', 'approval',
] as const satisfies readonly (keyof PublicRelease)[];
