import fs from 'node:fs';
import { dokkuPaths, readDokkuEnv, type DokkuEnv, type DokkuPaths } from './dokku/env.js';
import { assertValidAppName } from './dokku/validate.js';
import { UserError } from './output/errors.js';

// What every command and trigger receives: Dokku's environment and paths, read once.
export interface Context {
  env: DokkuEnv;
  paths: DokkuPaths;
}

/** loginUid: the login uid of a noted trigger's shim (trigger-notes.ts), instead of ours. */
export function createContext(processEnv: NodeJS.ProcessEnv = process.env, loginUid?: string): Context {
  const env = readDokkuEnv(processEnv, loginUid);
  return { env, paths: dokkuPaths(env) };
}

/** Dokku's verify_app_name: a valid name whose app directory exists. */
export function assertAppExists(ctx: Context, app: string | undefined): string {
  const name = assertValidAppName(app);
  if (!fs.existsSync(ctx.paths.appRepo(name))) throw new UserError(`App ${name} does not exist`);
  return name;
}
