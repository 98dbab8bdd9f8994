import type { CommandModule } from '../../program.js';
import { assertAppExists } from '../../lib/context.js';
import { commitsBetween, countCommits, hasCommit } from '../../lib/dokku/git.js';
import { parseFormat } from '../../lib/output/format.js';
import { log } from '../../lib/output/log.js';
import { UserError } from '../../lib/output/errors.js';
import { diffJson, diffTarget, diffText, sourceProblem, type CommitRepository } from '../../lib/pipelines/diff.js';
import { collectTargets, parseTargetList, promotionTargets } from '../../lib/pipelines/model.js';
import { readPipelines } from '../../lib/pipelines/store.js';
import { touchStore } from '../../lib/releases/trigger-support.js';
import { parseAppRef } from '../../lib/stacks/model.js';
import { membersStatus } from '../../lib/stacks/status.js';

// What `pipeline:promote <app>` would bring to each target, as commits of the source's git
// repository between the two running releases. It changes nothing; targets on other stacks are
// asked for their release as `pipeline:info` asks them (ssh, `ownstack:info --format json`).
const register: CommandModule = (program, ctx) => {
  program
    .command('pipeline:diff')
    .description('list the commits a promotion of the app would bring to each target')
    .argument('<app>')
    .option('--to <apps>', 'comma-separated target apps in the same pipeline (default: every app of the next stage)', collectTargets, [])
    .option('--format <format>', 'stdout or json')
    .action(async (sourceArg: string, options: { to: string[]; format?: string }) => {
      const context = ctx();
      const format = parseFormat(options.format);
      const source = assertAppExists(context, sourceArg);
      const requested = options.to.length > 0 ? parseTargetList(options.to) : undefined;
      for (const target of requested ?? []) if (!parseAppRef(target).stack) assertAppExists(context, target);
      // The same targets a promotion would have, with the same refusals.
      const plan = promotionTargets(readPipelines(context.paths), source, requested);

      const store = await touchStore(context, source);
      const currentId = store.currentId();
      const record = currentId === undefined ? undefined : store.get(currentId);
      if (!record) throw new UserError(`App ${source} has no release yet; there is nothing to compare`);
      const release = { app: source, id: record.id, git_sha: record.git_sha, promoted_from: record.promoted_from };

      const repoPath = context.paths.appRepo(source);
      const repo: CommitRepository = {
        hasCommit: (sha) => hasCommit(repoPath, sha),
        countCommits: (include, exclude) => countCommits(repoPath, include, exclude),
        commitsBetween: (include, exclude, limit) => commitsBetween(repoPath, include, exclude, limit),
      };
      const problem = await sourceProblem(release, repo);
      const targets = await membersStatus(context, plan.targets);
      const diffs = await Promise.all(targets.map((target) => diffTarget(release, problem, target, repo)));
      log.out(format === 'json' ? diffJson(diffs) : diffText(release, diffs));
    });
};

export default register;
