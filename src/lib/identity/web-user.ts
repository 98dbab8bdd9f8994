import { UserError } from '../output/errors.js';
import { printable } from '../output/log.js';

// The dashboard acts through Dokku over ssh with its own key, registered as `ownstack-dashboard`
// (Dokku exports the key's name as SSH_NAME). It names the person who pressed the button with one
// global option, `--web-user NAME`, which only that key may give: from any other key, or locally,
// it is refused. The validated name travels to the command's triggers (and nested `dokku` calls)
// in OWNSTACK_WEB_USER, so the release's WHO is `NAME (dashboard)` wherever it is written.

export const DASHBOARD_KEY_NAME = 'ownstack-dashboard';
export const WEB_USER_OPTION = '--web-user';
export const WEB_USER_ENV = 'OWNSTACK_WEB_USER';
/** What WHO says after the web user's name: the action came from the dashboard. */
export const WEB_USER_SUFFIX = ' (dashboard)';

const MAX_NAME = 64;
// As Dokku's key names go through sshcommand's authorized_keys line: a word with no quotes,
// blanks or shell characters, so it also passes Dokku's re-parsing of SSH_ORIGINAL_COMMAND whole.
const NAME = /^[A-Za-z0-9][A-Za-z0-9._@+-]*$/;

export function assertWebUserName(raw: string | undefined): string {
  if (raw === undefined || raw === '') throw new UserError(`Please give a name: ${WEB_USER_OPTION} <name>`);
  if (!isWebUserName(raw)) {
    throw new UserError(`Invalid web user "${printable(raw, 64)}": up to ${MAX_NAME} letters, digits and . _ @ + -, starting with a letter or digit`);
  }
  return raw;
}

/** Whether a name could be given as a web user (the dashboard checks before it runs anything). */
export function isWebUserName(raw: string): boolean {
  return raw.length <= MAX_NAME && NAME.test(raw);
}

/**
 * Takes `--web-user NAME` (or `--web-user=NAME`, once, anywhere) off a command line. It is
 * refused unless the caller came through the dashboard's key.
 */
export function takeWebUserOption(args: string[], sshName: string | undefined): { args: string[]; webUser: string | undefined } {
  const rest: string[] = [];
  let webUser: string | undefined;
  let given = false;
  for (let index = 0; index < args.length; index += 1) {
    const arg = args[index];
    let value: string | undefined;
    if (arg === WEB_USER_OPTION) {
      value = args[index + 1] ?? '';
      index += 1;
    } else if (arg.startsWith(`${WEB_USER_OPTION}=`)) {
      value = arg.slice(WEB_USER_OPTION.length + 1);
    } else {
      rest.push(arg);
      continue;
    }
    if (sshName !== DASHBOARD_KEY_NAME) {
      throw new UserError(`${WEB_USER_OPTION} is accepted only from the dashboard's ssh key (${DASHBOARD_KEY_NAME})`);
    }
    if (given) throw new UserError(`${WEB_USER_OPTION} is given more than once`);
    given = true;
    webUser = assertWebUserName(value);
  }
  return { args: rest, webUser };
}

/** The web user a dashboard action names, when it came through the dashboard's key (else undefined). */
export function webUserOf(sshName: string | undefined, raw: string | undefined): string | undefined {
  if (sshName !== DASHBOARD_KEY_NAME || raw === undefined || !isWebUserName(raw)) return undefined;
  return raw;
}

// The provenances WHO adds after a name (who.ts, and the dashboard's): all the same person.
const PROVENANCE = / \((dashboard|sudo|login|local)\)$/;

/**
 * The person behind a WHO, for the four-eyes rule: `alice (dashboard)`, `alice (sudo)` and the
 * key `alice` are alice, so a request cannot be approved by its maker from another door.
 */
export function personOf(who: string): string {
  return who.replace(PROVENANCE, '');
}

/**
 * The name a dashboard session acts under: its person, so a link minted locally (`alice (sudo)`)
 * acts as `alice (dashboard)`; undefined when that is not a name Dokku can be given.
 */
export function webUserOfSession(sessionName: string): string | undefined {
  const person = personOf(sessionName);
  return isWebUserName(person) ? person : undefined;
}
