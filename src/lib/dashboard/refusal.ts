// A request the dashboard refuses: one line of text and an HTTP status (400 for a malformed
// parameter, 404 for something that does not exist). The web app's single error handler turns it
// into the answer; anything else is a 500 with one line and no stack.
export class Refusal extends Error {
  constructor(
    readonly status: 400 | 401 | 403 | 404 | 409 | 503,
    message: string,
  ) {
    super(message.replace(/\s*\n\s*/g, ' '));
    this.name = 'Refusal';
  }
}
