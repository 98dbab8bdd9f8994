import type { Phase, TaskOutcome } from './record.js';

// Which release tasks a deploy has, read from the Procfile and app.json it deploys (Dokku reads
// them from `.<DOKKU_PID>` copies first, then the plain files), and what became of each.
// Only the commands as written are kept: never their output or the config they run with.

export interface TaskCommands {
  /** app.json scripts.dokku.predeploy, run in pre-release-builder. */
  predeploy: string | null;
  /** Procfile `release:`, run in post-release-builder. */
  release: string | null;
  /** app.json scripts.postdeploy (Heroku's), run once per app, in post-release-builder. */
  postdeploy: string | null;
  /** app.json scripts.dokku.postdeploy, run in post-deploy after the traffic switch. */
  dokkuPostdeploy: string | null;
}

export const NO_TASKS: TaskCommands = { predeploy: null, release: null, postdeploy: null, dokkuPostdeploy: null };

const TASK_ORDER = ['predeploy', 'release', 'postdeploy', 'dokku-postdeploy'] as const;
export type TaskName = (typeof TASK_ORDER)[number];

export const commandFor = (commands: TaskCommands, name: TaskName): string | null =>
  name === 'dokku-postdeploy' ? commands.dokkuPostdeploy : commands[name];

/** The `release:` line of a Procfile (procfile-util's `name: command` lines; `#` comments). */
export function procfileReleaseCommand(procfile: string | null): string | null {
  if (!procfile) return null;
  for (const line of procfile.split(/\r?\n/)) {
    const match = /^\s*release\s*:\s*(.*?)\s*$/.exec(line);
    if (match && match[1] !== '') return match[1];
  }
  return null;
}

/** app.json scripts; Dokku accepts JSONC, so comments and trailing commas are tolerated. */
export function appJsonScripts(appJson: string | null): Pick<TaskCommands, 'predeploy' | 'postdeploy' | 'dokkuPostdeploy'> {
  const none = { predeploy: null, postdeploy: null, dokkuPostdeploy: null };
  if (!appJson || appJson.trim() === '') return none;
  let data: unknown;
  try {
    data = JSON.parse(stripJsonComments(appJson));
  } catch {
    return none;
  }
  const scripts = (data as { scripts?: Record<string, unknown> } | null)?.scripts;
  if (!scripts || typeof scripts !== 'object') return none;
  const dokku = (scripts.dokku ?? {}) as Record<string, unknown>;
  const text = (value: unknown) => (typeof value === 'string' && value.trim() !== '' ? value : null);
  return { predeploy: text(dokku.predeploy), postdeploy: text(scripts.postdeploy), dokkuPostdeploy: text(dokku.postdeploy) };
}

export function taskCommands(procfile: string | null, appJson: string | null): TaskCommands {
  return { ...appJsonScripts(appJson), release: procfileReleaseCommand(procfile) };
}

/** Removes // and /* *\/ comments and trailing commas outside strings. */
export function stripJsonComments(text: string): string {
  let out = '';
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (inString) {
      out += char;
      if (char === '\\') out += text[++i] ?? '';
      else if (char === '"') inString = false;
    } else if (char === '"') {
      inString = true;
      out += char;
    } else if (char === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') i++;
      out += '\n';
    } else if (char === '/' && text[i + 1] === '*') {
      i += 2;
      while (i < text.length && !(text[i] === '*' && text[i + 1] === '/')) i++;
      i++;
    } else {
      out += char;
    }
  }
  return out.replace(/,(\s*[}\]])/g, '$1');
}

/**
 * Outcomes of the tasks that ran before a point: every task up to `through` that exists
 * succeeded; the one named `failed` failed; the rest were skipped (absent or never reached).
 * Heroku's scripts.postdeploy only runs on an app's first deploy.
 */
export function taskOutcomes(
  commands: TaskCommands,
  options: { through?: TaskName; failed?: TaskName; firstDeploy: boolean; exitCode?: number | null },
): TaskOutcome[] {
  const reachedIndex = options.through ? TASK_ORDER.indexOf(options.through) : -1;
  return TASK_ORDER.map((name, index) => {
    const command = commandFor(commands, name);
    const runs = command !== null && (name !== 'postdeploy' || options.firstDeploy);
    let status: TaskOutcome['status'] = 'skipped';
    if (runs && name === options.failed) status = 'failed';
    else if (runs && index <= reachedIndex) status = 'succeeded';
    return {
      name,
      status,
      exit_code: status === 'succeeded' ? 0 : status === 'failed' ? (options.exitCode ?? null) : null,
      command,
    };
  });
}

/** The task that failed when a deploy stopped in `phase`, judged by which tasks exist. */
export function failedTaskIn(phase: Phase, commands: TaskCommands, firstDeploy: boolean, predeployDone: boolean): TaskName | undefined {
  if (phase === 'release') {
    if (!predeployDone && commands.predeploy) return 'predeploy';
    if (commands.release) return 'release';
    if (commands.postdeploy && firstDeploy) return 'postdeploy';
    return undefined;
  }
  if (phase === 'postdeploy') return commands.dokkuPostdeploy ? 'dokku-postdeploy' : undefined;
  return undefined;
}
