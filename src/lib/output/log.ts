// Dokku's output conventions: `=====>` headers and `----->` steps on stdout, ` !     ` for
// warnings and errors on stderr. DOKKU_QUIET_OUTPUT silences progress lines, never results.
const quiet = () => Boolean(process.env.DOKKU_QUIET_OUTPUT);

export const log = {
  header(message: string): void {
    if (!quiet()) process.stdout.write(`=====> ${message}\n`);
  },
  step(message: string): void {
    if (!quiet()) process.stdout.write(`-----> ${message}\n`);
  },
  detail(message: string): void {
    if (!quiet()) process.stdout.write(`       ${message}\n`);
  },
  warn(message: string): void {
    process.stderr.write(` !     ${message}\n`);
  },
  /** A result the user asked for (tables, JSON, values): printed even when quiet. */
  out(text: string): void {
    process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
  },
  error(message: string): void {
    process.stderr.write(` !     ${message}\n`);
  },
};

/** Printable form of untrusted text inside a one-line message: no newlines or control bytes. */
export function printable(value: string, max = 80): string {
  const json = JSON.stringify(value);
  const inner = json.slice(1, -1);
  return inner.length > max ? `${inner.slice(0, max)}…` : inner;
}
