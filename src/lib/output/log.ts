import { currentEnv, triggerScope } from '../dokku/trigger-scope.js';

// Dokku's output conventions: `=====>` headers and `----->` steps on stdout, ` !     ` for
// warnings and errors on stderr. DOKKU_QUIET_OUTPUT silences progress lines, never results.
// A relayed trigger's output goes back to its shim instead (trigger-scope.ts).
const quiet = () => Boolean(currentEnv().DOKKU_QUIET_OUTPUT);

// Whoever reads our output may go away: `| head`, or a host that asked over ssh and hung up.
// From then on nothing is written (a write would fail with EPIPE), and whoever registered to
// keep working without a reader is told.
let readerGone = false;
const readerGoneListeners = new Set<() => void>();

/** Our output's reader is gone (EPIPE). True when someone keeps working without it. */
export function outputReaderGone(): boolean {
  readerGone = true;
  for (const listener of readerGoneListeners) listener();
  return readerGoneListeners.size > 0;
}

/** Keep working when the reader goes away; the listener is told. Returns the undo. */
export function keepWorkingWithoutReader(listener: () => void): () => void {
  readerGoneListeners.add(listener);
  if (readerGone) listener();
  return () => readerGoneListeners.delete(listener);
}

const write = (stream: NodeJS.WriteStream, text: string) => {
  const scope = triggerScope();
  if (scope) scope.write(stream === process.stderr ? 'stderr' : 'stdout', text);
  else if (!readerGone) stream.write(text);
};

export const log = {
  header(message: string): void {
    if (!quiet()) write(process.stdout, `=====> ${message}\n`);
  },
  step(message: string): void {
    if (!quiet()) write(process.stdout, `-----> ${message}\n`);
  },
  detail(message: string): void {
    if (!quiet()) write(process.stdout, `       ${message}\n`);
  },
  warn(message: string): void {
    write(process.stderr, ` !     ${message}\n`);
  },
  /** A result the user asked for (tables, JSON, values): printed even when quiet. */
  out(text: string): void {
    write(process.stdout, text.endsWith('\n') ? text : `${text}\n`);
  },
  error(message: string): void {
    write(process.stderr, ` !     ${message}\n`);
  },
  /** Unformatted text on stderr: a stack trace under DOKKU_TRACE. */
  trace(text: string): void {
    write(process.stderr, text.endsWith('\n') ? text : `${text}\n`);
  },
};

/**
 * JSON that no terminal reads as a command: JSON.stringify escapes the C0 controls (ESC among
 * them) but leaves DEL and the C1 controls (U+009B is CSI on terminals that take 8-bit controls),
 * and the line and paragraph separators, raw; here they are escaped too. Still valid JSON.
 */
export function inertJson(value: unknown): string {
  return JSON.stringify(value).replace(/[\u007f-\u009f\u2028\u2029]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * Untrusted text kept as it reads (quotes and all), with every control character a terminal could
 * act on (C0 but tab, DEL, C1, the line and paragraph separators) shown as a \uXXXX escape.
 */
export function controlsEscaped(value: string): string {
  return value.replace(/[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u2028\u2029]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Printable form of untrusted text inside a one-line message: no newlines or control bytes. */
export function printable(value: string, max = 80): string {
  const inner = inertJson(value).slice(1, -1);
  return inner.length > max ? `${inner.slice(0, max)}…` : inner;
}
