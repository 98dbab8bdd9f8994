import fs from 'node:fs';
import path from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import { UserError } from '../output/errors.js';
import { printable } from '../output/log.js';
import type { DokkuPaths } from '../dokku/env.js';
import { validSshHostSetting } from '../dashboard/ssh.js';
import { isBranchName } from '../dashboard/github.js';

// Properties in Dokku's layout (config/ownstack/<app|--global>/<key>), like letsencrypt:set.
// Each key validates its value and has a default; the app value wins over the global one.
export const GLOBAL = '--global';

interface SettingSpec {
  description: string;
  defaultValue: string;
  validate(value: string): string | undefined;
  /** How `:report` and `:set` show the value, for settings that hold a secret. */
  mask?(value: string): string;
  /** Set with --global only: it describes the host, not an app. */
  globalOnly?: boolean;
  /** A refused value is not repeated (a URL may carry credentials by mistake). */
  quietRefusal?: boolean;
  /**
   * Set per app only, and kept in the app's own store directory (data/ownstack/<app>/<key>, 0600)
   * rather than in config/: the dashboard reads the store (its read-only mount) and nothing of
   * Dokku's config. It moves with apps:rename and goes with apps:destroy, as the app's history does.
   */
  inAppStore?: boolean;
  /**
   * A secret's value may be given on standard input (`-`), which keeps it out of argv (ps, shell
   * history); `only` refuses it anywhere else.
   */
  stdin?: 'allowed' | 'only';
}

const wholeNumber = (min: number, max: number) => (value: string) =>
  /^[0-9]{1,9}$/.test(value) && Number(value) >= min && Number(value) <= max
    ? undefined
    : `expected a whole number from ${min} to ${max}`;

export const SETTINGS: Record<string, SettingSpec> = {
  retention: {
    description: 'succeeded releases per app whose images are kept for rollback',
    defaultValue: '5',
    validate: wholeNumber(1, 1000),
  },
  'lock-wait': {
    description: 'seconds promote, rollback, config:set and ps:restart wait for the deploy lock',
    defaultValue: '600',
    validate: wholeNumber(0, 86400),
  },
  'notify-url': {
    description: 'where release notifications are POSTed (http or https)',
    defaultValue: '',
    validate: validUrl,
    mask: maskUrl,
  },
  'notify-format': {
    description: 'json (the release event) or slack (a Slack incoming-webhook message)',
    defaultValue: 'json',
    validate: (value) => (value === 'json' || value === 'slack' ? undefined : 'expected json or slack'),
  },
  'notify-secret': {
    description: 'signs each notification (Ownstack-Webhook-Hmac-SHA256 header)',
    defaultValue: '',
    validate: (value) => (/^[\x21-\x7e]{1,256}$/.test(value) ? undefined : 'expected 1 to 256 printable characters without spaces'),
    mask: (value) => (value ? '********' : ''),
    stdin: 'allowed',
  },
  'notify-timeout': {
    description: 'seconds each notification attempt may take (3 attempts at most)',
    defaultValue: '5',
    validate: wholeNumber(1, 60),
  },
  'dashboard-url': {
    description: 'the base URL of the dashboard, for the links ownstack:dashboard:login prints',
    defaultValue: '',
    validate: validDashboardUrl,
    globalOnly: true,
    quietRefusal: true,
  },
  'dashboard-ssh-host': {
    description: "where the dashboard app reaches this host's sshd to act (host[:port]; default the gateway of the bridge network, port 22)",
    defaultValue: '',
    validate: validSshHostSetting,
    globalOnly: true,
  },
  'github-webhook-secret': {
    description: "checks the X-Hub-Signature-256 of the app's GitHub push webhook (the dashboard's /hooks/github/<app>); given on standard input: ownstack:set <app> github-webhook-secret -",
    defaultValue: '',
    validate: (value) => (/^[\x21-\x7e]{16,256}$/.test(value) ? undefined : 'expected 16 to 256 printable characters without spaces'),
    mask: (value) => (value ? '********' : ''),
    inAppStore: true,
    stdin: 'only',
  },
  'github-branch': {
    description: "the branch whose GitHub pushes the webhook deploys (default: the repository's default branch, as the push names it)",
    defaultValue: '',
    validate: (value) => (isBranchName(value) ? undefined : 'expected a git branch name'),
    inAppStore: true,
  },
};

function validDashboardUrl(value: string): string | undefined {
  const problem = validUrl(value);
  if (problem) return problem;
  const url = new URL(value);
  if (url.username !== '' || url.password !== '') return 'expected a URL without credentials';
  if (url.search !== '' || url.hash !== '' || value.includes('?') || value.includes('#')) return 'expected a URL without a query or fragment';
  return undefined;
}

function validUrl(value: string): string | undefined {
  const problem = 'expected an http:// or https:// URL';
  if (value.length > 2048 || /[\s\x00-\x1f\x7f]/.test(value)) return problem;
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:' ? undefined : problem;
  } catch {
    return problem;
  }
}

/** Scheme, host and port only: webhook URLs (Slack's among them) carry their secret in the path. */
export function maskUrl(value: string): string {
  if (!value) return '';
  try {
    const url = new URL(value);
    const hidden = url.pathname !== '/' || url.search !== '' || url.username !== '' || url.hash !== '';
    return `${url.protocol}//${url.host}${hidden ? '/********' : '/'}`;
  } catch {
    return '********';
  }
}

/** A setting's value as it may be shown. */
export function shownValue(key: SettingKey, value: string | undefined): string {
  if (value === undefined) return '';
  return SETTINGS[key].mask?.(value) ?? value;
}

export type SettingKey = keyof typeof SETTINGS;

export function assertSettingKey(key: string | undefined): SettingKey {
  if (!key) throw new UserError(`Please specify a key: one of ${Object.keys(SETTINGS).join(', ')}`);
  if (!Object.hasOwn(SETTINGS, key)) {
    throw new UserError(`Invalid key "${printable(key)}": expected one of ${Object.keys(SETTINGS).join(', ')}`);
  }
  return key;
}

/** A global-only key refuses an app scope with one line. */
export function assertSettingScope(key: SettingKey, scope: string): void {
  if (SETTINGS[key].globalOnly && scope !== GLOBAL) throw new UserError(`${key} is a global setting: use ownstack:set --global ${key} <value>`);
  if (SETTINGS[key].inAppStore && scope === GLOBAL) throw new UserError(`${key} is set per app: use ownstack:set <app> ${key} …`);
}

/** Where a setting's value is kept for SCOPE (an app, or --global). */
function settingFile(paths: DokkuPaths, scope: string, key: SettingKey): string {
  return SETTINGS[key].inAppStore ? path.join(paths.ownstackApp(scope), key) : paths.property(scope, key);
}

export function assertSettingValue(key: SettingKey, value: string): string {
  const problem = SETTINGS[key].validate(value);
  if (problem) throw new UserError(`Invalid ${key}${SETTINGS[key].mask || SETTINGS[key].quietRefusal ? '' : ` "${printable(value)}"`}: ${problem}`);
  return value;
}

function readProperty(paths: DokkuPaths, scope: string, key: SettingKey): string | undefined {
  if (SETTINGS[key].inAppStore && scope === GLOBAL) return undefined;
  const file = settingFile(paths, scope, key);
  try {
    const value = fs.readFileSync(file, 'utf8').trim();
    return value === '' ? undefined : value;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new UserError(`Cannot read setting ${file}: ${(error as Error).message}`);
  }
}

export interface SettingValues {
  app?: string;
  global?: string;
  computed: string;
}

export function readSetting(paths: DokkuPaths, app: string | undefined, key: SettingKey): SettingValues {
  const global = readProperty(paths, GLOBAL, key);
  const own = app ? readProperty(paths, app, key) : undefined;
  // A hand-edited file with a bad value must not break deploys: fall back and say nothing here;
  // `ownstack:report` shows the raw value so the user can see and fix it.
  const valid = (value: string | undefined) => (value !== undefined && !SETTINGS[key].validate(value) ? value : undefined);
  return { app: own, global, computed: valid(own) ?? valid(global) ?? SETTINGS[key].defaultValue };
}

export function settingNumber(paths: DokkuPaths, app: string | undefined, key: SettingKey): number {
  return Number(readSetting(paths, app, key).computed);
}

export async function writeSetting(paths: DokkuPaths, scope: string, key: SettingKey, value: string | undefined) {
  const file = settingFile(paths, scope, key);
  if (value === undefined || value === '') {
    fs.rmSync(file, { force: true });
    return;
  }
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  await writeFileAtomic(file, `${value}\n`, { mode: 0o600, fsync: true });
}
