import type { CommandModule } from '../../program.js';
import { COMMIT, VERSION } from '../../lib/version.js';
import { parseFormat } from '../../lib/output/format.js';
import { log } from '../../lib/output/log.js';
import { SCHEMA_VERSIONS } from '../../lib/schema-version.js';

// What `stacks:check` asks another host over ssh, and what a user asks this one: the version, the
// commit it was built from, and the newest format of each file it reads.
const register: CommandModule = (program) => {
  program
    .command('ownstack:version')
    .description('print the ownstack version and the commit it was built from')
    .option('--format <format>', 'stdout or json')
    .action((options: { format?: string }) => {
      const format = parseFormat(options.format);
      log.out(
        format === 'json'
          ? JSON.stringify({ version: VERSION, commit: COMMIT, schema_versions: SCHEMA_VERSIONS })
          : `ownstack ${VERSION} (commit ${COMMIT})`,
      );
    });
};

export default register;
