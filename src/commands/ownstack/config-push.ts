import fs from 'node:fs';
import type { CommandModule } from '../../program.js';
import { assertAppExists } from '../../lib/context.js';
import { readAppConfig, setAppConfig } from '../../lib/dokku/config.js';
import { MAX_FILE_BYTES, parseConfigFile } from '../../lib/config-push/env-file.js';
import {
  diffConfig,
  diffLine,
  hasChanges,
  keysToSet,
  orderTargets,
  outcomeLine,
  pipelineTargets,
  type ConfigDiff,
  type PushOutcome,
  type PushTarget,
} from '../../lib/config-push/plan.js';
import { UserError } from '../../lib/output/errors.js';
import { log, printable } from '../../lib/output/log.js';
import { assertPipelineExists, assertStage, assertValidPipelineName, placeOfApp } from '../../lib/pipelines/model.js';
import { readPipelines } from '../../lib/pipelines/store.js';
import { CONFIG_KEYS_ENV } from '../../lib/releases/describe.js';
import { touchStore } from '../../lib/releases/trigger-support.js';

// The same config to many apps (issue 12, part 1). Values come from a dotenv file or standard
// input, never from argv, and are never printed: the plan and the summary name keys only. Each
// changed app gets one `config:set` (one `config` release, or none with --no-restart), one app
// after another in stage order; the first failed deploy stops the push.
const register: CommandModule = (program, ctx) => {
  program
    .command('ownstack:config-push')
    .description('set the same config on many apps, from a dotenv file or standard input')
    .argument('[apps...]')
    .option('--file <path>', 'a dotenv file, or - for standard input')
    .option('--pipeline <pipeline>', 'every app of a pipeline')
    .option('--stage <stage>', 'with --pipeline: only this stage')
    .option('--no-restart', 'set the values without redeploying')
    .option('--dry-run', 'print what would change, change nothing')
    .action(async (appArgs: string[], options: { file?: string; pipeline?: string; stage?: string; restart: boolean; dryRun?: boolean }) => {
      const context = ctx();
      if (options.file === undefined) throw new UserError('Please give the values with --file <path> or --file - (standard input); values are never taken from the command line');
      if (options.pipeline !== undefined && appArgs.length > 0) throw new UserError('Give apps or --pipeline, not both');
      if (options.stage !== undefined && options.pipeline === undefined) throw new UserError('--stage needs --pipeline');

      // Targets first, so a bad target is refused before the file is read.
      const pipelines = readPipelines(context.paths);
      let targets: PushTarget[];
      if (options.pipeline !== undefined) {
        const pipeline = assertPipelineExists(pipelines, assertValidPipelineName(options.pipeline));
        targets = pipelineTargets(pipeline, options.stage === undefined ? undefined : assertStage(options.stage));
        for (const target of targets) assertAppExists(context, target.app);
      } else {
        if (appArgs.length === 0) throw new UserError('Please specify the apps, or --pipeline <pipeline>');
        targets = orderTargets(appArgs.map((arg) => {
          const app = assertAppExists(context, arg);
          return { app, stage: placeOfApp(pipelines, app)?.stage };
        }));
      }

      const source = options.file === '-' ? 'standard input' : printable(options.file);
      const values = parseConfigFile(readInput(options.file, source), source);

      const plans: { target: PushTarget; diff: ConfigDiff }[] = [];
      for (const target of targets) plans.push({ target, diff: diffConfig(await readAppConfig(target.app), values) });
      log.header(`Config push of ${values.size} key${values.size === 1 ? '' : 's'} to ${targets.length} app${targets.length === 1 ? '' : 's'}${options.dryRun ? ' (dry run)' : ''}`);
      for (const { target, diff } of plans) log.out(`       ${target.app}${target.stage ? ` (${target.stage})` : ''}: ${diffLine(diff)}`);
      if (options.dryRun) {
        log.step('Dry run: nothing was changed');
        return;
      }

      const outcomes: PushOutcome[] = [];
      for (const { target, diff } of plans) {
        if (outcomes.some((outcome) => outcome.result === 'failed')) {
          outcomes.push({ app: target.app, result: 'skipped' });
          continue;
        }
        if (!hasChanges(diff)) {
          outcomes.push({ app: target.app, result: 'unchanged' });
          continue;
        }
        outcomes.push(await pushTo(target.app, keysToSet(diff), values, options.restart));
      }

      log.out(['=====> Config push results', ...outcomes.map((outcome) => `       ${outcomeLine(outcome)}`)].join('\n'));
      const failed = outcomes.find((outcome) => outcome.result === 'failed');
      if (failed) {
        const changed = outcomes.filter((outcome) => outcome.result === 'set').map((outcome) => outcome.app);
        const skipped = outcomes.filter((outcome) => outcome.result === 'skipped').map((outcome) => outcome.app);
        throw new UserError(
          `Config push stopped at ${failed.app}: changed ${changed.length > 0 ? changed.join(', ') : 'no app'}; ${failed.app} failed${skipped.length > 0 ? `; ${skipped.join(', ')} left untouched` : ''}`,
        );
      }
    });

  async function pushTo(app: string, keys: string[], values: Map<string, string>, restart: boolean): Promise<PushOutcome> {
    const context = ctx();
    const store = await touchStore(context, app);
    const before = store.newest(1).records[0]?.id ?? 0;
    log.step(`${app}: setting ${keys.join(', ')}${restart ? ' and redeploying' : ' (no restart)'}`);
    const run = await setAppConfig(app, new Map(keys.map((key) => [key, values.get(key)!])), { restart, env: { [CONFIG_KEYS_ENV]: keys.join(',') } });
    if (run.exitCode !== 0) return { app, result: 'failed', reason: `config:set failed (exit ${run.exitCode})${run.error ? `: ${run.error}` : ''}` };
    if (!restart) return { app, result: 'set', restarted: false };
    // Dokku's config:set exits 0 even when its redeploy fails: our own record of it decides.
    const after = await touchStore(context, app);
    const release = after.findRecent((record) => record.kind === 'config' && record.id > before, 10);
    if (!release) return { app, result: 'set', restarted: true };
    if (release.status === 'succeeded') return { app, result: 'set', releaseId: release.id, restarted: true };
    const reason = release.status === 'failed' ? `${release.reason ?? 'the redeploy failed'} (dokku ownstack:deploy-log ${app} v${release.id})` : 'the redeploy did not finish';
    return { app, result: 'failed', releaseId: release.id, reason };
  }
};

/** The whole input, refused beyond MAX_FILE_BYTES without reading on. */
function readInput(file: string, source: string): string {
  let fd: number;
  try {
    fd = file === '-' ? 0 : fs.openSync(file, 'r');
  } catch (error) {
    throw new UserError(`Cannot read ${source}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  try {
    if (file !== '-' && !fs.fstatSync(fd).isFile()) throw new UserError(`${source} is not a regular file`);
    const chunks: Buffer[] = [];
    let total = 0;
    const buffer = Buffer.alloc(64 * 1024);
    for (;;) {
      let read: number;
      try {
        read = fs.readSync(fd, buffer, 0, buffer.length, null);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'EAGAIN') continue;
        if (code === 'EOF') break;
        throw new UserError(`Cannot read ${source}: ${code ?? (error as Error).message}`);
      }
      if (read === 0) break;
      total += read;
      if (total > MAX_FILE_BYTES) throw new UserError(`${source} is larger than ${MAX_FILE_BYTES / 1024} KiB`);
      chunks.push(Buffer.from(buffer.subarray(0, read)));
    }
    return Buffer.concat(chunks).toString('utf8');
  } finally {
    if (file !== '-') fs.closeSync(fd);
  }
}

export default register;
