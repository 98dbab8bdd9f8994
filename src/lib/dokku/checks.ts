import { spawn } from 'node:child_process';

// Dokku's own health checks of what runs now: `dokku checks:run <app>` sends each running
// container of the app's scale through Dokku's check-deploy again, with the app's app.json
// healthchecks. It is a command, not a trigger (no trigger checks an app's running containers),
// so this is the one place ownstack runs the dokku binary rather than plugn. Note Dokku's own
// behaviour: check-deploy stops a container that fails its checks, as during a deploy.

/** Exit code of `dokku checks:run <app>`; every output line goes to onLine. */
export async function runAppChecks(app: string, onLine: (line: string) => void): Promise<number> {
  const child = spawn('dokku', ['checks:run', app], { stdio: ['ignore', 'pipe', 'pipe'] });
  for (const stream of [child.stdout, child.stderr]) {
    let pending = '';
    stream.on('data', (chunk: Buffer) => {
      pending += chunk.toString('utf8');
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) onLine(line);
    });
    stream.on('end', () => {
      if (pending) onLine(pending);
    });
  }
  return new Promise<number>((resolve) => {
    child.on('error', () => resolve(127));
    child.on('close', (code) => resolve(code ?? 1));
  });
}
