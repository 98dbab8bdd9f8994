import type { CommandModule } from '../../program.js';
import { assertAppExists, type Context } from '../../lib/context.js';
import { deployImage } from '../../lib/deploy/deploy-image.js';
import { parseNonNegativeInt } from '../../lib/dokku/validate.js';
import { assertImageReference } from '../../lib/images/reference.js';
import { UserError } from '../../lib/output/errors.js';
import { log } from '../../lib/output/log.js';
import { openStore } from '../../lib/releases/store.js';
import { settingNumber } from '../../lib/settings/settings.js';

interface DeployImageOptions {
  lockWait?: string;
}

async function deployImageCommand(ctx: Context, appArg: string | undefined, refArg: string | undefined, options: DeployImageOptions): Promise<void> {
  const app = assertAppExists(ctx, appArg);
  const ref = assertImageReference(refArg);
  const lockWaitSeconds = options.lockWait === undefined
    ? settingNumber(ctx.paths, app, 'lock-wait')
    : parseNonNegativeInt(options.lockWait, 'lock wait', 86400);
  const before = openStore(ctx, app).currentId();

  const result = await deployImage(ctx, {
    app,
    ref,
    lockWaitSeconds,
  });
  if (!result.ok) {
    const still = before !== undefined ? `; v${before} is still the current release` : '';
    throw new UserError(`Deploy of ${refArg} to ${app} failed (recorded as v${result.record.id}): ${result.reason ?? 'unknown reason'}${still}`);
  }
  log.header(`${app} is now on v${result.record.id}, image ${result.record.image_digest ?? refArg}`);
  if (before !== undefined) log.out(`       To undo: dokku ownstack:rollback ${app} ${before}`);
}

const register: CommandModule = (program, ctx) => {
  program
    .command('ownstack:deploy-image')
    .description('deploy a pre-built image from a registry, without a rebuild')
    .argument('[app]')
    .argument('[image]', 'image reference, e.g. registry.example.com/team/app@sha256:…')
    .option('--lock-wait <seconds>', 'seconds to wait for the deploy lock')
    .action(async (app: string | undefined, image: string | undefined, options: DeployImageOptions) => {
      await deployImageCommand(ctx(), app, image, options);
    });
};

export default register;
