import type net from 'node:net';
// node:net and node:crypto are loaded when a relay starts (ownstack's own deploys), not at every
// start of the binary, whose start pays for each module it loads.

// Inside ownstack's own deploys (promote, rollback, deploy-image), Dokku's release-and-deploy
// fires five of our triggers, and each would start the binary again: ~0.1 s apiece, most of it
// Node starting. The ownstack process running the deploy has started already, so while Dokku's
// part runs it listens on a loopback port (its address and a random token go to Dokku's part in
// OWNSTACK_TRIGGER_RELAY), and the trigger shims (relay-functions) hand it their trigger: name,
// arguments and environment. It answers in its own process, in a scope with the trigger's
// environment (trigger-scope.ts), and sends back the output and the exit code. The shim runs the
// binary as before whenever the relay does not answer (no listener, a wrong token, a trigger it
// does not take, a connection dropped before the exit code), so the relay saves time and
// changes nothing else.
//
// The exchange, NUL-terminated fields. Shim: MAGIC, token, trigger, argc, args…, "K=V"… (its
// exported environment), "". Relay: "1<text>" (stdout) and "2<text>" (stderr) frames, then
// "x<code>"; or only "f": run the binary.

export const RELAY_ENV = 'OWNSTACK_TRIGGER_RELAY';
export const RELAY_MAGIC = 'ownstack-relay-1';
const MAX_REQUEST_BYTES = 4 * 1024 * 1024;

export interface RelayRequest {
  token: string;
  name: string;
  args: string[];
  env: Record<string, string>;
}

export type RelayWrite = (stream: 'stdout' | 'stderr', text: string) => void;

/** Answers one relayed trigger with its exit code; undefined means "not here": the shim runs the binary. */
export type RelayedTriggerRunner = (request: RelayRequest, write: RelayWrite) => Promise<number> | undefined;

export interface TriggerRelay {
  /** Goes into the environment of the Dokku command whose triggers are relayed. */
  env: Record<string, string>;
  /** Stops listening and waits for the triggers being answered. */
  close(): Promise<void>;
}

let registeredRunner: RelayedTriggerRunner | undefined;

/** The program says who answers relayed triggers; without it no relay is opened. */
export function answerRelayedTriggersWith(runner: RelayedTriggerRunner): void {
  registeredRunner = runner;
}

/** A relay for one Dokku command, or undefined (none registered, or no port): triggers then start the binary. */
export async function openTriggerRelay(runner: RelayedTriggerRunner | undefined = registeredRunner): Promise<TriggerRelay | undefined> {
  if (!runner) return undefined;
  const token = process.getBuiltinModule('node:crypto').randomBytes(32).toString('hex');
  const answering = new Set<Promise<void>>();
  const server = process.getBuiltinModule('node:net').createServer((socket) => {
    const done = serve(socket, token, runner);
    answering.add(done);
    void done.finally(() => answering.delete(done));
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
  } catch {
    return undefined;
  }
  const port = (server.address() as net.AddressInfo).port;
  return {
    env: { [RELAY_ENV]: `${port}:${token}` },
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await Promise.all([...answering]);
    },
  };
}

/** A request from the bytes so far: complete, not yet complete, or not one at all. */
export function parseRelayRequest(data: Buffer): RelayRequest | 'incomplete' | 'malformed' {
  const fields: string[] = [];
  let start = 0;
  for (let i = 0; i < data.length; i++) {
    if (data[i] !== 0) continue;
    fields.push(data.toString('utf8', start, i));
    start = i + 1;
  }
  if (fields.length >= 1 && fields[0] !== RELAY_MAGIC) return 'malformed';
  if (fields.length < 4) return 'incomplete';
  const [, token, name, argcText] = fields;
  if (!/^[0-9]{1,4}$/.test(argcText)) return 'malformed';
  const envStart = 4 + Number(argcText);
  // Environment entries are never empty ("K=V"): the first empty field after the arguments ends the request.
  const end = fields.indexOf('', envStart);
  if (fields.length <= envStart || end === -1) return 'incomplete';
  const env: Record<string, string> = {};
  for (const entry of fields.slice(envStart, end)) {
    const eq = entry.indexOf('=');
    if (eq <= 0) return 'malformed';
    env[entry.slice(0, eq)] = entry.slice(eq + 1);
  }
  return { token, name, args: fields.slice(4, envStart), env };
}

function sameToken(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && process.getBuiltinModule('node:crypto').timingSafeEqual(a, b);
}

function serve(socket: net.Socket, token: string, runner: RelayedTriggerRunner): Promise<void> {
  return new Promise<void>((resolve) => {
    let received = Buffer.alloc(0);
    let answered = false;
    const send = (frame: string) => {
      if (!socket.destroyed) socket.write(`${frame.replaceAll('\0', '')}\0`);
    };
    socket.on('error', () => undefined);
    socket.on('close', () => {
      if (!answered) resolve();
    });
    socket.on('data', (chunk: Buffer) => {
      if (answered) return;
      received = Buffer.concat([received, chunk]);
      const request = received.length > MAX_REQUEST_BYTES ? 'malformed' : parseRelayRequest(received);
      if (request === 'incomplete') return;
      answered = true;
      if (request === 'malformed' || !sameToken(request.token, token)) {
        socket.destroy();
        resolve();
        return;
      }
      const answer = runner(request, (stream, text) => send(`${stream === 'stderr' ? '2' : '1'}${text}`));
      if (!answer) {
        send('f');
        socket.end();
        resolve();
        return;
      }
      void answer
        .catch(() => 1)
        .then((code) => {
          send(`x${code}`);
          socket.end();
          resolve();
        });
    });
  });
}
