import { createContext, type Context } from '../lib/context.js';
import { log } from '../lib/output/log.js';
import { VERSION } from '../lib/version.js';
import { reportError } from '../lib/output/errors.js';
import { runInTriggerScope } from '../lib/dokku/trigger-scope.js';
import { answerRelayedTriggersWith, type RelayRequest, type RelayWrite } from '../lib/dokku/trigger-relay.js';
import { replayTriggerNotes, type TriggerNote } from '../lib/dokku/trigger-notes.js';
import { keepingStoreLocks } from '../lib/releases/store.js';

// One module per Dokku trigger we implement (each has a shim in triggers/ and a link at the
// plugin root). A handler returns the exit code Dokku sees; non-zero stops Dokku's trigger chain,
// so only a handler that must stop a deploy ever returns one.
export type TriggerHandler = (ctx: Context, args: string[]) => Promise<number>;

// Each handler's module is loaded when its trigger runs: a start for one trigger evaluates only
// that trigger's code (and the noted ones it replays), not install's or apps:rename's.
interface HandlerModule {
  default: TriggerHandler;
  /**
   * The handler's work keeps the store locks it takes until it ends (keepingStoreLocks: it starts
   * no process that could want them); the locks the replay of notes took before it are kept for it.
   */
  keepsStoreLocks?: boolean;
}
const HANDLERS: Record<string, () => Promise<HandlerModule>> = {
  install: () => import('./install.js'),
  'builds-record-start': () => import('./builds-record-start.js'),
  'pre-receive-app': () => import('./pre-receive-app.js'),
  'pre-release-builder': () => import('./pre-release-builder.js'),
  'post-release-builder': () => import('./post-release-builder.js'),
  'post-deploy': () => import('./post-deploy.js'),
  'builds-record-finalize': () => import('./builds-record-finalize.js'),
  'deploy-source-set': () => import('./deploy-source-set.js'),
  'post-app-rename-setup': () => import('./post-app-rename-setup.js'),
  'post-delete': () => import('./post-delete.js'),
  'post-app-clone-setup': () => import('./post-app-clone-setup.js'),
  'pre-delete': () => import('./pre-delete.js'),
  'cron-entries': () => import('./cron-entries.js'),
  uninstall: () => import('./uninstall.js'),
};

async function handlerModule(name: string): Promise<HandlerModule | undefined> {
  return Object.hasOwn(HANDLERS, name) ? HANDLERS[name]() : undefined;
}

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
      await (await handlerModule(note.name))!.default(createContext(env, note.loginUid), note.args);
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
  const handler = await handlerModule(name);
  if (!handler) {
    // A shim this version does not ship (an older ownstack's file left in the plugin directory):
    // its logic is gone with the old binary, and it must not fail Dokku's command either.
    log.warn(`ownstack ${VERSION} has no ${name} trigger (a file left by an older ownstack? plugin:install removes it); nothing was done`);
    return 0;
  }
  if (name === 'install') return handler.default(ctx, args);
  const replayThenRun = async () => {
    // the replayed triggers only record facts: each store's lock is taken once for all of them
    await keepingStoreLocks(() => replayNotedTriggers(ctx, { makeDir: true }));
    return handler.default(ctx, args);
  };
  // inside the handler's scope, the replay's scope is the same one (its locks are kept, not taken again)
  return handler.keepsStoreLocks ? keepingStoreLocks(replayThenRun) : replayThenRun();
}
