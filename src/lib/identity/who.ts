// WHO of a release or event: the most specific identity of the person behind the command.
//
// Dokku exports SSH_NAME (the name the pusher's key was added under, `ssh-keys:add NAME`) and
// SSH_USER. A local caller gets SSH_NAME=default, which names nobody, and a root caller is
// re-run as the system user through `sudo -u dokku -E`, which overwrites SUDO_USER with `root`:
// so after the key name, the sudo user (when sudo changed who we are), then the login user of the
// session (the kernel's audit loginuid, which sudo and su leave alone), then the caller itself.
// Anything but a key name says where it came from: `alice (sudo)`, `alice (login)`, `root (local)`.
// The dashboard's key names the person who pressed the button: `alice (dashboard)` (web-user.ts).

import { WEB_USER_SUFFIX, webUserOf } from './web-user.js';

/** Dokku's SSH_NAME for a caller that did not come through an ssh key. */
export const DOKKU_LOCAL_SSH_NAME = 'default';

export interface CallerFacts {
  sshName?: string;
  /** The web user a dashboard action names (OWNSTACK_WEB_USER), honoured only with the dashboard's key. */
  webUser?: string;
  /** Dokku's SSH_USER: the unix user that ran `dokku` (before the switch to the system user). */
  sshUser?: string;
  sudoUser?: string;
  /** The user this process runs as. */
  unixUser: string;
  /** The session's login user, looked up only when it can matter. */
  loginUser?: () => string | undefined;
}

export function whoDeployed(facts: CallerFacts): string {
  const webUser = webUserOf(facts.sshName, facts.webUser);
  if (webUser) return `${webUser}${WEB_USER_SUFFIX}`;
  if (facts.sshName && facts.sshName !== DOKKU_LOCAL_SSH_NAME) return facts.sshName;
  const caller = facts.sshUser || facts.unixUser;
  if (facts.sudoUser && facts.sudoUser !== caller) return `${facts.sudoUser} (sudo)`;
  const login = facts.loginUser?.();
  if (login && login !== caller) return `${login} (login)`;
  return `${caller} (local)`;
}
