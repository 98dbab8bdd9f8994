import type { CommandModule } from '../../program.js';
import { assertAppExists, type Context } from '../../lib/context.js';
import { deployImage } from '../../lib/deploy/deploy-image.js';
import { parseNonNegativeInt } from '../../lib/dokku/validate.js';
import { assertDigestReference, assertImageReference } from '../../lib/images/reference.js';
import { assertGitSha, MAX_FILES_BYTES, parseFiles, parsePromotedFrom, remotePromotionRelease } from '../../lib/deploy/promotion-request.js';
import { UserError } from '../../lib/output/errors.js';
import { log } from '../../lib/output/log.js';
import { openStore } from '../../lib/releases/store.js';
import { settingNumber } from '../../lib/settings/settings.js';
import { watchRequester } from '../../lib/stacks/requester.js';

interface DeployImageOptions {
  lockWait?: string;
  promotedFrom?: string;
  gitSha?: string;
  filesFromStdin?: boolean;
  abandonOnHangup?: boolean;
}

async function readStdin(limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of process.stdin as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new UserError(`The Procfile and app.json on standard input are over ${limit} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

async function deployImageCommand(ctx: Context, appArg: string | undefined, refArg: string | undefined, options: DeployImageOptions): Promise<void> {
  const app = assertAppExists(ctx, appArg);
  // A promotion from another host addresses the image only by digest; a tag could have moved.
  const source = options.promotedFrom === undefined ? undefined : parsePromotedFrom(options.promotedFrom);
  const ref = source ? assertDigestReference(refArg) : assertImageReference(refArg);
  const gitSha = options.gitSha === undefined ? null : assertGitSha(options.gitSha);
  const lockWaitSeconds = options.lockWait === undefined
    ? settingNumber(ctx.paths, app, 'lock-wait')
    : parseNonNegativeInt(options.lockWait, 'lock wait', 86400);
  // A requester that waits on the other end of ssh keeps standard input open (after the files, on
  // their own line); its end means the requester is gone.
  const requester = options.abandonOnHangup ? watchRequester(process.stdin, options.filesFromStdin ? { firstLineLimit: MAX_FILES_BYTES } : {}) : undefined;
  let result;
  let before: number | undefined;
  try {
    const files = !options.filesFromStdin ? undefined : requester ? await requester.firstLine : await readStdin(MAX_FILES_BYTES);
    const snapshot = files === undefined ? undefined : parseFiles(files);
    before = openStore(ctx, app).currentId();
    result = await deployImage(ctx, {
      app,
      ref,
      lockWaitSeconds,
      snapshot,
      release: source ? remotePromotionRelease(source, gitSha) : gitSha ? { git_sha: gitSha } : undefined,
      requesterGone: requester?.gone,
    });
  } finally {
    requester?.release();
  }
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
    .option('--promoted-from <source>', 'record a promotion from <app>@<host>/v<id> (digest references only)')
    .option('--git-sha <sha>', 'the git SHA of the image')
    .option('--files-from-stdin', 'the Procfile and app.json as JSON on standard input, instead of from the image')
    .option('--abandon-on-hangup', 'standard input stays open while the requester waits; if it closes before the traffic switch, the deploy is abandoned')
    .action(async (app: string | undefined, image: string | undefined, options: DeployImageOptions) => {
      await deployImageCommand(ctx(), app, image, options);
    });
};

export default register;
