// User-facing failures. Everything the user should read is raised as a UserError by a small
// assert* guard and printed once, as one line, by the single handler in cli.ts.
export class UserError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message.replace(/\s*\n\s*/g, ' '));
    this.name = 'UserError';
  }
}

/** Exit 10 tells Dokku's dispatcher that a command is not ours (DOKKU_NOT_IMPLEMENTED_EXIT). */
export class NotOurCommand extends Error {
  readonly exitCode = Number(process.env.DOKKU_NOT_IMPLEMENTED_EXIT || 10);
}
