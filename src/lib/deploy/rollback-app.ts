import { assertAppExists, type Context } from '../context.js';
import { releaseImage, type ReleaseImageResult } from './release-image.js';
import { chooseRollbackTarget, expiredMessage, migrationWarning } from './rollback.js';
import { imageId } from '../dokku/docker.js';
import { queryTrigger } from '../dokku/plugn.js';
import { parseNonNegativeInt, parseReleaseId } from '../dokku/validate.js';
import { UserError } from '../output/errors.js';
import { log } from '../output/log.js';
import type { ReleaseRecord } from '../releases/record.js';
import type { ReleaseStore } from '../releases/store-api.js';
import { openStore } from '../releases/store.js';
import { settingNumber } from '../settings/settings.js';

// `ownstack:rollback` of one app, also run for each app of a stage by `pipeline:rollback`.

export interface RollbackOptions {
  skipRelease?: boolean;
  lockWait?: string;
  /** See ReleaseImageRequest.requesterGone (a host that asked over ssh and hung up). */
  requesterGone?: AbortSignal;
}

/**
 * Newest first, enough records to decide: down to the requested ID, or down to a succeeded one
 * before the current release. Reads grow geometrically, so a long history costs a few reads.
 */
function loadHistory(store: ReleaseStore, requestedId: number | undefined, currentId: number | undefined): ReleaseRecord[] {
  const enough = (records: ReleaseRecord[]) => {
    const oldest = records[records.length - 1]?.id ?? 0;
    if (requestedId !== undefined) return oldest <= requestedId;
    return currentId !== undefined && records.some((record) => record.id < currentId && record.status === 'succeeded');
  };
  for (let limit = 50; ; limit *= 4) {
    const { records, corrupt } = store.newest(limit);
    const bad = corrupt.find((entry) => entry.id === requestedId);
    if (bad) throw new UserError(`Release v${bad.id} of ${store.app} is unreadable: ${bad.file}: ${bad.problem}`);
    if (records.length < limit || enough(records)) return records;
  }
}

/** Dokku's deploy branch: the app's, else the global one, else git's default there (master). */
async function deployBranch(app: string): Promise<string> {
  return (
    (await queryTrigger('git-get-property', [app, 'deploy-branch'])) ||
    (await queryTrigger('git-get-property', ['--global', 'deploy-branch'])) ||
    'master'
  );
}

export interface RollbackOutcome {
  result: ReleaseImageResult;
  targetId: number;
  currentId: number;
}

/** Rolls the app back; throws a UserError for refusals and for a failed deploy. */
export async function rollbackApp(ctx: Context, appArg: string | undefined, idArg: string | undefined, options: RollbackOptions & { outputPrefix?: string }): Promise<RollbackOutcome> {
  const app = assertAppExists(ctx, appArg);
  const requestedId = idArg === undefined ? undefined : parseReleaseId(idArg);
  const lockWaitSeconds = options.lockWait === undefined
    ? settingNumber(ctx.paths, app, 'lock-wait')
    : parseNonNegativeInt(options.lockWait, 'lock wait', 86400);

  const store = openStore(ctx, app);
  const records = loadHistory(store, requestedId, store.currentId());
  const { target, currentId, passedReleaseTasks } = chooseRollbackTarget({ app, records, currentId: store.currentId(), requestedId });

  // The ID is what counts: Dokku's prune strips tags of retained images, never the image itself.
  if (!target.image_id || !(await imageId(target.image_id))) {
    throw new UserError(expiredMessage(app, target, await deployBranch(app)));
  }
  const snapshot = store.readSnapshot(target.id);
  if (!snapshot) {
    throw new UserError(`v${target.id} of ${app} has no saved Procfile and app.json, so it cannot be deployed again without a rebuild`);
  }

  const result = await releaseImage(ctx, {
    app,
    imageId: target.image_id,
    snapshot,
    release: {
      kind: 'rollback',
      description: `Rollback to v${target.id}`,
      git_sha: target.git_sha,
      builder: target.builder,
      rollback_of: target.id,
    },
    skipRelease: Boolean(options.skipRelease),
    lockWaitSeconds,
    outputPrefix: options.outputPrefix,
    requesterGone: options.requesterGone,
    onStart: (record) => {
      log.step(`${options.outputPrefix ?? ''}Rolling back ${app} to v${target.id} (${target.description}) as v${record.id}, without a rebuild`);
      if (passedReleaseTasks.length > 0) log.warn(migrationWarning(passedReleaseTasks));
      if (options.skipRelease) log.step('Skipping predeploy and the release task (--skip-release)');
    },
  });

  if (!result.ok) {
    throw new UserError(
      `Rollback of ${app} to v${target.id} failed (recorded as v${result.record.id}): ${result.reason ?? 'unknown reason'}; v${currentId} is still the current release`,
    );
  }
  return { result, targetId: target.id, currentId };
}

