import fs from 'node:fs';
import path from 'node:path';

// Docker's Engine API over its unix socket, for the short questions and changes ownstack makes
// on every deploy (inspect an image or a container, list and create the containers that hold
// images, tag, remove). Each `docker` CLI run is a process start, 30–50 ms on the machines we
// measured, and a git push made four of them inside its triggers; one request on the socket
// takes 2–5 ms once the first has been made. The CLI stays for everything else (pull, push, cp,
// logs, stop, build) and for every docker target that is not plainly the local socket: a
// DOCKER_HOST over tcp or ssh, a docker context, an unreadable CLI config. There it is what
// Dokku itself runs, so we reach exactly the engine Dokku reaches. (dockerode, the maintained
// client, was measured too: its transport pulls in ssh2, whose native addons cannot live in the
// single binary, and gRPC, which loads more code than these few requests need.)

const DEFAULT_SOCKET = '/var/run/docker.sock';

/**
 * The unix socket the docker CLI would talk to with this environment, or undefined when it would
 * talk to something else (or we cannot tell): then ownstack runs the CLI, as before.
 */
export function engineSocketFor(env: NodeJS.ProcessEnv, readText: (file: string) => string | undefined = readIfPresent): string | undefined {
  if (env.DOCKER_CONTEXT !== undefined && env.DOCKER_CONTEXT !== '' && env.DOCKER_CONTEXT !== 'default') return undefined;
  const host = env.DOCKER_HOST;
  if (host !== undefined && host !== '') {
    if (!host.startsWith('unix://')) return undefined;
    const socket = host.slice('unix://'.length);
    return socket.startsWith('/') ? socket : undefined;
  }
  if (env.DOCKER_CONTEXT === undefined || env.DOCKER_CONTEXT === '') {
    // `docker context use` writes currentContext into the CLI's config file
    const dir = env.DOCKER_CONFIG || (env.HOME ? path.join(env.HOME, '.docker') : undefined);
    const text = dir === undefined ? undefined : readText(path.join(dir, 'config.json'));
    if (text !== undefined && text.trim() !== '') {
      try {
        const current = (JSON.parse(text) as { currentContext?: unknown } | null)?.currentContext;
        if (current !== undefined && current !== '' && current !== 'default') return undefined;
      } catch {
        return undefined;
      }
    }
  }
  return DEFAULT_SOCKET;
}

function readIfPresent(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (error) {
    // absent: the CLI's defaults; unreadable: we cannot tell what the CLI would do
    return (error as NodeJS.ErrnoException).code === 'ENOENT' ? undefined : '{"currentContext":"(unreadable)"}';
  }
}

export interface EngineAnswer {
  status: number;
  body: string;
}

/** The engine could not be reached at all (no socket, no permission): the caller runs the CLI. */
export class EngineUnreachable extends Error {}

// Decided once per process, from its environment: the one the CLI would run with (runProgram).
let chosen: { socket: string | undefined } | undefined;

/** The socket to use now, or undefined for the CLI. */
export function engineSocket(): string | undefined {
  chosen ??= { socket: engineSocketFor(process.env) };
  return chosen.socket;
}

/** After a connection failure, the rest of this process uses the CLI (it reports what failed). */
function giveUpOnSocket(): void {
  chosen = { socket: undefined };
}

/** For tests: decide again from the environment. */
export function resetEngineChoice(): void {
  chosen = undefined;
}

/** One request on the socket; throws EngineUnreachable when no connection could be made. */
export function engineRequest(socket: string, method: string, urlPath: string, body?: unknown): Promise<EngineAnswer> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    let connected = false;
    // node:http and node:net are loaded at the first request, not at every start of the binary
    const request = process.getBuiltinModule('node:http').request(
      {
        // a connection of its own, without an Agent: the agent's bookkeeping for TLS server names
        // compiles net's IPv6 expression (~7 ms of a trigger's CPU) for a socket that has no host
        createConnection: () => process.getBuiltinModule('node:net').createConnection(socket),
        method,
        path: urlPath,
        headers: { Host: 'docker', ...(payload === undefined ? {} : { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(payload) }) },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        response.on('error', reject);
      },
    );
    request.on('socket', (sock) => sock.once('connect', () => (connected = true)));
    request.on('error', (error: NodeJS.ErrnoException) => {
      if (!connected && ['ENOENT', 'EACCES', 'ECONNREFUSED', 'ENOTSOCK', 'EPERM'].includes(error.code ?? '')) {
        giveUpOnSocket();
        reject(new EngineUnreachable(`${socket}: ${error.code}`));
      } else {
        reject(error);
      }
    });
    request.end(payload);
  });
}

/** Docker's own error text for an answer, as the CLI prints it. */
export function engineError(answer: EngineAnswer): string {
  let message = answer.body.trim();
  try {
    const parsed = JSON.parse(answer.body) as { message?: unknown };
    if (typeof parsed.message === 'string') message = parsed.message;
  } catch {
    // not JSON: the raw text
  }
  return `Error response from daemon: ${message.split('\n')[0] || `status ${answer.status}`}`;
}

/**
 * An image or container reference in a URL path, as the CLI writes it (slashes, colons and @
 * kept); undefined for anything a reference cannot be, which the CLI then refuses in its words.
 */
export function refPath(ref: string): string | undefined {
  return /^[A-Za-z0-9][A-Za-z0-9._/:@-]{0,511}$/.test(ref) && !ref.includes('..') ? ref : undefined;
}

/** The query string of a `filters` parameter: `{"label": [...]}`. */
export function labelFilters(labels: string[]): string {
  return `filters=${encodeURIComponent(JSON.stringify({ label: labels }))}`;
}
