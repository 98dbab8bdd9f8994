import { refreshDescription } from './describe.js';
import type { Phase, ReleaseRecord, TaskOutcome } from './record.js';
import { commandFor, failedTaskIn, taskOutcomes, type TaskCommands } from './tasks.js';

// What each signal means for a record (DESIGN.md §1, architecture.md "Signals"). Pure functions
// on a draft record, called inside ReleaseStore.update by the trigger modules, which gather the
// facts (docker, Dokku's files) and pass them in.
//
// Plugins run alphabetically within a trigger and the first failure stops the chain; app-json
// sorts before ownstack. So reaching our pre-release-builder means the build and predeploy
// succeeded; reaching our post-release-builder means the release task (and Heroku's run-once
// postdeploy) succeeded; reaching our post-deploy means the traffic switched and
// scripts.dokku.postdeploy succeeded.

const TASK_ORDER: TaskOutcome['name'][] = ['predeploy', 'release', 'postdeploy', 'dokku-postdeploy'];

/** Outcomes by task name, later ones winning; always in task order. */
export function mergeTasks(existing: TaskOutcome[], updates: TaskOutcome[]): TaskOutcome[] {
  const byName = new Map(existing.map((task) => [task.name, task]));
  for (const task of updates) byName.set(task.name, task);
  return TASK_ORDER.flatMap((name) => (byName.has(name) ? [byName.get(name)!] : []));
}

const releasePhaseRan = (record: ReleaseRecord) => record.tasks.some((task) => task.name === 'release');
const predeployDone = (record: ReleaseRecord) => record.tasks.some((task) => task.name === 'predeploy');

export interface DeployFacts {
  commands: TaskCommands;
  /** The app had never been deployed: Heroku's scripts.postdeploy runs only then. */
  firstDeploy: boolean;
}

export function atGitRevision(record: ReleaseRecord, builder: string | null, sha: string | null): void {
  if (builder) record.builder = builder;
  if (sha) record.git_sha = sha;
  refreshDescription(record);
}

/** pre-release-builder: build and predeploy succeeded; the release phase begins. */
export function atReleasePhase(record: ReleaseRecord, facts: DeployFacts, builder: string | null): void {
  if (record.status !== 'running') return;
  record.phase = 'release';
  if (builder && !record.builder) record.builder = builder;
  record.tasks = mergeTasks(record.tasks, taskOutcomes(facts.commands, { through: 'predeploy', firstDeploy: facts.firstDeploy }).slice(0, 1));
}

/** post-release-builder: the release task and run-once postdeploy succeeded; deploy begins. */
export function atDeployPhase(record: ReleaseRecord, facts: DeployFacts, imageId: string | null): void {
  if (record.status !== 'running') return;
  record.phase = 'deploy';
  if (imageId) record.image_id = imageId;
  // When our pre-release-builder did not run (we were installed mid-deploy), predeploy still ran.
  record.tasks = mergeTasks([], taskOutcomes(facts.commands, { through: 'postdeploy', firstDeploy: facts.firstDeploy }).slice(0, 3));
}

/** post-deploy: the new containers serve and scripts.dokku.postdeploy succeeded. */
export function atSucceeded(record: ReleaseRecord, facts: DeployFacts, imageId: string | null, now: string): void {
  const skipped = (name: TaskOutcome['name'], command: string | null): TaskOutcome => ({ name, status: 'skipped', exit_code: null, command });
  const dokkuPostdeploy: TaskOutcome = facts.commands.dokkuPostdeploy
    ? { name: 'dokku-postdeploy', status: 'succeeded', exit_code: 0, command: facts.commands.dokkuPostdeploy }
    : skipped('dokku-postdeploy', null);
  // A deploy without a release phase (rollback --skip-release) ran none of the release tasks.
  const releaseTasks = releasePhaseRan(record)
    ? record.tasks
    : [skipped('predeploy', facts.commands.predeploy), skipped('release', facts.commands.release), skipped('postdeploy', facts.commands.postdeploy)];
  record.tasks = mergeTasks(releaseTasks, [dokkuPostdeploy]);
  record.status = 'succeeded';
  record.phase = 'postdeploy';
  record.reason = null;
  if (imageId) record.image_id = imageId;
  record.finished_at = now;
}

export interface FailureFacts extends DeployFacts {
  exitCode: number;
  /** The app's web container runs this record's image: the switch happened. */
  newImageServes: boolean;
}

/**
 * builds-record-finalize with a non-zero exit. Finalize only fires from release_and_deploy, so
 * the build itself succeeded; the phase reached tells what failed. Returns whether the release
 * is live anyway (a postdeploy failure after the switch), so the caller marks it current.
 */
export function atFailed(record: ReleaseRecord, facts: FailureFacts, now: string): { live: boolean } {
  if (record.status === 'failed') return { live: false }; // finalize fires twice
  const exit = ` (exit ${facts.exitCode})`;
  if (record.status === 'succeeded') {
    // Our post-deploy ran, then a later plugin's step failed: the release serves, the deploy failed.
    record.status = 'failed';
    record.reason = `a post-deploy step after the switch failed${exit}; this release is live`;
    record.finished_at = now;
    return { live: true };
  }
  let phase: Phase = record.phase === 'build' ? 'release' : record.phase;
  let live = false;
  if (phase === 'deploy' && facts.newImageServes) {
    phase = 'postdeploy';
    live = true;
  }
  const failed = failedTaskIn(phase, facts.commands, facts.firstDeploy, predeployDone(record));
  record.status = 'failed';
  record.phase = phase;
  record.finished_at = now;
  record.reason = failureReason(phase, failed) + exit;
  // Tasks earlier triggers saw succeed stay succeeded; the failing one is marked; the rest never ran.
  record.tasks = TASK_ORDER.map((name) => {
    const earlier = record.tasks.find((task) => task.name === name && task.status === 'succeeded');
    if (earlier) return earlier;
    const command = commandFor(facts.commands, name);
    return { name, status: name === failed ? 'failed' : 'skipped', exit_code: null, command };
  });
  return { live };
}

function failureReason(phase: Phase, task: TaskOutcome['name'] | undefined): string {
  switch (task) {
    case 'predeploy':
      return 'predeploy task failed (app.json scripts.dokku.predeploy)';
    case 'release':
      return 'release task failed (Procfile release)';
    case 'postdeploy':
      return "first-deploy postdeploy task failed (app.json scripts.postdeploy)";
    case 'dokku-postdeploy':
      return 'postdeploy task failed after the switch (app.json scripts.dokku.postdeploy); this release is live';
    default:
      break;
  }
  switch (phase) {
    case 'build':
      return 'build failed';
    case 'release':
      return 'release phase failed';
    case 'deploy':
      return 'deploy failed: the new containers did not start or did not pass their checks';
    case 'postdeploy':
      return 'post-deploy step failed after the switch; this release is live';
  }
}

/** What Dokku's `builds` plugin recorded for the same deploy (data/builds/APP/<id>.json). */
export interface DokkuBuildRecord {
  status: string;
  exit_code?: number;
}

/**
 * A running record whose process is gone: nothing will finish it. Build failures (Dokku exits
 * before finalize) and kill -9 land here. Failed at the phase it reached, unless Dokku's own
 * record says the deploy succeeded.
 */
export function atAbandoned(
  record: ReleaseRecord,
  dokku: DokkuBuildRecord | undefined,
  log: string | undefined,
  now: string,
  newImageServes = false,
): { live: boolean } {
  if (record.status !== 'running') return { live: false };
  record.finished_at = now;
  if (newImageServes && dokku?.status !== 'succeeded') {
    // The traffic switch happened, then everything died (kill -9 of the whole deploy): what
    // serves is this release, but its postdeploy never reported back.
    record.status = 'failed';
    record.phase = 'postdeploy';
    record.reason = 'the deploy process ended after the switch, before postdeploy finished (killed?); this release is live';
    return { live: true };
  }
  if (dokku?.status === 'succeeded') {
    record.status = 'succeeded';
    record.phase = 'postdeploy';
    record.reason = null;
    return { live: newImageServes };
  }
  record.status = 'failed';
  if (record.phase === 'build' && log && /^ ! +App build failed\s*$/m.test(log)) {
    record.reason = 'build failed';
  } else if (dokku?.status === 'failed' && typeof dokku.exit_code === 'number' && dokku.exit_code > 0) {
    record.reason = `${record.phase} phase failed (exit ${dokku.exit_code})`;
  } else if (dokku?.status === 'canceled') {
    record.reason = `deploy canceled during the ${record.phase} phase`;
  } else {
    record.reason = `the deploy process ended during the ${record.phase} phase without a result (killed?)`;
  }
  return { live: false };
}
