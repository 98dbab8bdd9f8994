import os from 'node:os';
import path from 'node:path';
import { whoDeployed } from '../identity/who.js';
import { WEB_USER_ENV } from '../identity/web-user.js';
import { loginUserName } from './host-files.js';

// Everything we learn from Dokku's environment, read once. Paths follow Dokku 0.38's layout
// (dokku-internals.md §2, §3, §5); nothing else in the plugin builds a Dokku path by hand.
export interface DokkuEnv {
  dokkuRoot: string;
  libRoot: string;
  /** pid of the outermost dokku process: Dokku names per-deploy files `.<pid>` after it. */
  dokkuPid: string;
  buildId?: string;
  buildSource?: string;
  buildLogFile?: string;
  /** WHO of what this process records (src/lib/identity/who.ts). */
  who: string;
  systemUser?: string;
  systemGroup?: string;
}

export function readDokkuEnv(env: NodeJS.ProcessEnv = process.env, loginUid?: string): DokkuEnv {
  return {
    dokkuRoot: env.DOKKU_ROOT || '/home/dokku',
    libRoot: env.DOKKU_LIB_ROOT || '/var/lib/dokku',
    dokkuPid: env.DOKKU_PID || String(process.pid),
    buildId: env.DOKKU_BUILD_ID || undefined,
    buildSource: env.DOKKU_BUILD_SOURCE || undefined,
    buildLogFile: env.DOKKU_BUILD_LOG_FILE || undefined,
    who: whoDeployed({ sshName: env.SSH_NAME, webUser: env[WEB_USER_ENV], sshUser: env.SSH_USER, sudoUser: env.SUDO_USER, unixUser: safeUsername(), loginUser: () => loginUserName(loginUid) }),
    systemUser: env.DOKKU_SYSTEM_USER || undefined,
    systemGroup: env.DOKKU_SYSTEM_GROUP || undefined,
  };
}

function safeUsername(): string {
  try {
    return os.userInfo().username;
  } catch {
    return 'unknown';
  }
}

/** Dokku's own files for an app. App names must be validated before they reach here. */
export function dokkuPaths(env: DokkuEnv) {
  const data = (plugin: string, app: string) => path.join(env.libRoot, 'data', plugin, app);
  return {
    appRepo: (app: string) => path.join(env.dokkuRoot, app),
    containerFile: (app: string, proc = 'web', index = 1) =>
      path.join(env.dokkuRoot, app, `CONTAINER.${proc}.${index}`),
    deployLock: (app: string) => path.join(data('apps', app), '.deploy.lock'),
    procfile: (app: string, pid?: string) => path.join(data('ps', app), pid ? `Procfile.${pid}` : 'Procfile'),
    appJson: (app: string, pid?: string) => path.join(data('app-json', app), pid ? `app.json.${pid}` : 'app.json'),
    buildRecord: (app: string, buildId: string) => path.join(data('builds', app), `${buildId}.json`),
    buildLog: (app: string, buildId: string) => path.join(data('builds', app), `${buildId}.log`),
    /** Our own data: one directory per app, plus files whose names no app can take. */
    ownstackRoot: path.join(env.libRoot, 'data', 'ownstack'),
    ownstackApp: (app: string) => data('ownstack', app),
    pipelinesFile: path.join(env.libRoot, 'data', 'ownstack', '.pipelines.json'),
    /** Promotion requests waiting for (or decided by) an approval, every pipeline's. */
    requestsFile: path.join(env.libRoot, 'data', 'ownstack', '.promotion-requests.json'),
    /** The dashboard's own state (sign-in links, sessions): never inside the store it reads. */
    dashboardRoot: path.join(env.libRoot, 'data', 'ownstack-dashboard'),
    /** Our settings, in Dokku's property layout: config/<plugin>/<app|--global>/<key>. */
    ownstackConfigRoot: path.join(env.libRoot, 'config', 'ownstack'),
    property: (scope: string, key: string) => path.join(env.libRoot, 'config', 'ownstack', scope, key),
  };
}

export type DokkuPaths = ReturnType<typeof dokkuPaths>;

