import { createContext, type Context } from '../lib/context.js';
import { log } from '../lib/output/log.js';
import { VERSION } from '../lib/version.js';
import { reportError } from '../lib/output/errors.js';
import { runInTriggerScope } from '../lib/dokku/trigger-scope.js';
import { answerRelayedTriggersWith, type RelayRequest, type RelayWrite } from '../lib/dokku/trigger-relay.js';
import { replayTriggerNotes, type TriggerNote } from '../lib/dokku/trigger-notes.js';
import { keepingStoreLocks } from '../lib/releases/store.js';
import install from './install.js';
import buildsRecordStart from './builds-record-start.js';
import preReceiveApp from './pre-receive-app.js';
import preReleaseBuilder from './pre-release-builder.js';
import postReleaseBuilder from './post-release-builder.js';
import postDeploy from './post-deploy.js';
import buildsRecordFinalize from './builds-record-finalize.js';
import deploySourceSet from './deploy-source-set.js';
import postAppRenameSetup from './post-app-rename-setup.js';
import postDelete from './post-delete.js';
import postAppCloneSetup from './post-app-clone-setup.js';
import preDelete from './pre-delete.js';
import cronEntries from './cron-entries.js';
import uninstall from './uninstall.js';

// One module per Dokku trigger we implement (each has a shim in triggers/ and a link at the
// plugin root). A handler returns the exit code Dokku sees; non-zero stops Dokku's trigger chain,
// so only a handler that must stop a deploy ever returns one.
export type TriggerHandler = (ctx: Context, args: string[]) => Promise<number>;

const HANDLERS: Record<string, TriggerHandler> = {
  install,
  'builds-record-start': buildsRecordStart,
  'pre-receive-app': preReceiveApp,
  'pre-release-builder': preReleaseBuilder,
  'post-release-builder': postReleaseBuilder,
  'post-deploy': postDeploy,
  'builds-record-finalize': buildsRecordFinalize,
  'deploy-source-set': deploySourceSet,
  'post-app-rename-setup': postAppRenameSetup,
  'post-delete': postDelete,
  'post-app-clone-setup': postAppCloneSetup,
  'pre-delete': preDelete,
  'cron-entries': cronEntries,
  uninstall,
};

/** The triggers we implement; each must have a shim in triggers/ and a link at the plugin root. */
export function implementedTriggers(): string[] {
  return Object.keys(HANDLERS).sort();
}

/**
 * What Dokku's release-and-deploy fires in ownstack's own deploys; the ownstack process running
 * the deploy answers these itself when their shims relay them (src/lib/dokku/trigger-relay.ts).
 */
const RELAYED_TRIGGERS = new Set(['builds-record-start', 'pre-release-builder', 'post-release-builder', 'post-deploy', 'builds-record-finalize']);

export function relayedTriggers(): string[] {
  return [...RELAYED_TRIGGERS].sort();
}

/** A relayed trigger, answered as its own process would: its environment, its output, one error line. */
export function runRelayedTrigger(request: RelayRequest, write: RelayWrite): Promise<number> | undefined {
  if (!RELAYED_TRIGGERS.has(request.name)) return undefined;
  return runInTriggerScope({ env: request.env, write }, async () => {
    try {
      return await runTriggerHandler(createContext(request.env), request.name, request.args);
    } catch (error) {
      return reportError(error);
    }
  });
}

/**
 * What a shim may only note, for the next start of the binary to replay (trigger-notes.ts,
 * triggers/note-functions, which says when each one notes): facts about a deploy in progress
 * that no later step waits for. Each is idempotent: replayed twice, it records the same.
 */
const NOTED_TRIGGERS = new Set(['builds-record-start', 'pre-receive-app', 'pre-release-builder', 'post-release-builder', 'builds-record-finalize', 'deploy-source-set']);

export function notedTriggers(): string[] {
  return [...NOTED_TRIGGERS].sort();
}

/** A noted trigger, run now as it would have run then: its environment, its clock, its WHO. */
export async function runNotedTrigger(note: TriggerNote): Promise<void> {
  const write: RelayWrite = (_stream, text) => void process.stderr.write(text);
  if (!NOTED_TRIGGERS.has(note.name)) {
    write('stderr', ` !     ownstack: ignored a note of the ${note.name} trigger, which is never noted\n`);
    return;
  }
  const env = { ...withoutNotedVariables(process.env), ...note.env };
  await runInTriggerScope({ env, write, notedAt: note.at, notedPidStart: note.pidStart, notedFiles: note.files }, async () => {
    try {
      await HANDLERS[note.name](createContext(env, note.loginUid), note.args);
    } catch (error) {
      reportError(error);
    }
  });
}

/** The variables a shim notes (note-functions): the replaying process's own never stand in for them. */
function withoutNotedVariables(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const NOTED = /^(DOKKU_|SSH_|OWNSTACK_|DOCKER_|GIT_)|^(PATH|HOME|USER|LOGNAME|SUDO_USER)$/;
  return Object.fromEntries(Object.entries(env).filter(([name]) => !NOTED.test(name)));
}

/** Every start of the binary first replays what the shims noted, so nothing reads a history without it. */
export function replayNotedTriggers(ctx: Context, options: { makeDir?: boolean; asRoot?: boolean } = {}): Promise<void> {
  return replayTriggerNotes(ctx.paths.ownstackRoot, runNotedTrigger, options);
}

/** `ownstack trigger NAME ARGS…`, as Dokku's shims run it (src/cli.ts starts it without the program). */
export function runTriggerCommand(name: string, args: string[]): Promise<number> {
  // as buildProgram does: a deploy this trigger starts answers its own triggers in this process
  answerRelayedTriggersWith(runRelayedTrigger);
  return runTriggerHandler(createContext(), name, args);
}

export async function runTriggerHandler(ctx: Context, name: string, args: string[]): Promise<number> {
  const handler = Object.hasOwn(HANDLERS, name) ? HANDLERS[name] : undefined;
  if (!handler) {
    // A shim this version does not ship (an older ownstack's file left in the plugin directory):
    // its logic is gone with the old binary, and it must not fail Dokku's command either.
    log.warn(`ownstack ${VERSION} has no ${name} trigger (a file left by an older ownstack? plugin:install removes it); nothing was done`);
    return 0;
  }
  // the replayed triggers only record facts: each store's lock is taken once for all of them
  if (name !== 'install') await keepingStoreLocks(() => replayNotedTriggers(ctx, { makeDir: true }));
  return handler(ctx, args);
}
