import type { CommandModule } from '../../program.js';
import { VERSION } from '../../lib/version.js';
import { SCHEMA_VERSIONS } from '../../lib/schema-version.js';
import { versionWarnings } from '../../lib/stacks/versions.js';
import { UserError } from '../../lib/output/errors.js';
import { parseFormat } from '../../lib/output/format.js';
import { log } from '../../lib/output/log.js';
import { assertStackExists, assertStackName } from '../../lib/stacks/model.js';
import { checkStack } from '../../lib/stacks/remote.js';
import { readStacks } from '../../lib/stacks/store.js';

// Every stack (or one) in parallel: does it answer over ssh, and which ownstack does it run; a
// warning (not a failure) for each one whose version or file formats differ from this host's.
const register: CommandModule = (program, ctx) => {
  program
    .command('stacks:check')
    .description('check that stacks answer over ssh, and which ownstack they run')
    .argument('[name]')
    .option('--format <format>', 'stdout or json')
    .action(async (nameArg: string | undefined, options: { format?: string }) => {
      const format = parseFormat(options.format);
      const file = readStacks(ctx().paths);
      const stacks = nameArg === undefined ? file.stacks : [assertStackExists(file, assertStackName(nameArg))];
      const checks = await Promise.all(stacks.map((stack) => checkStack(ctx(), stack)));
      if (format === 'json') log.out(JSON.stringify(checks));
      else {
        log.out('=====> Stacks');
        const width = Math.max(0, ...checks.map((check) => check.stack.length));
        for (const check of checks) {
          log.out(`${check.stack.padEnd(width)}  ${check.status === 'ok' ? `ok, ownstack ${check.ownstack_version}` : check.message}`);
        }
      }
      const answered = checks.flatMap((check) =>
        check.status === 'ok' && check.ownstack_version !== null && check.schema_versions !== null
          ? [{ stack: check.stack, answer: { version: check.ownstack_version, commit: check.ownstack_commit, schema_versions: check.schema_versions } }]
          : [],
      );
      for (const line of versionWarnings({ version: VERSION, schema_versions: SCHEMA_VERSIONS }, answered)) log.warn(line);
      const bad = checks.filter((check) => check.status !== 'ok');
      if (bad.length > 0) throw new UserError(`${bad.length} of ${checks.length} stacks did not answer as expected`);
    });
};

export default register;
