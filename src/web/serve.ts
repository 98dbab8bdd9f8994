import { serve } from '@hono/node-server';
import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context as HonoContext } from 'hono';
import type { Context } from '../lib/context.js';
import { now } from '../lib/clock.js';
import { requestIsHttps } from '../lib/dashboard/https.js';
import { createDashboardApp } from './app.js';

export interface ServeOptions {
  port: number;
  listen: string;
  /** Peers (Dokku's nginx) whose X-Forwarded-Proto says whether the browser used https. */
  trustedProxies: string[];
}

/** Runs until SIGTERM/SIGINT (Dokku stops an app's process with SIGTERM). One log line per request on stdout. */
export async function serveDashboard(ctx: Context, options: ServeOptions): Promise<void> {
  const trusted = new Set(options.trustedProxies);
  const isHttps = (c: HonoContext) => {
    let peer: string | undefined;
    try {
      peer = getConnInfo(c).remote.address;
    } catch {
      peer = undefined;
    }
    return requestIsHttps({ url: c.req.url, peer, forwardedProto: c.req.header('X-Forwarded-Proto') }, trusted);
  };
  const app = createDashboardApp({ ctx, now: () => now(), isHttps, log: (line) => process.stdout.write(`${line}\n`) });
  await new Promise<void>((resolve, reject) => {
    const server = serve({ fetch: app.fetch, port: options.port, hostname: options.listen }, (info) => {
      process.stdout.write(`-----> ownstack dashboard listening on ${info.address}:${info.port}, reading ${ctx.paths.ownstackRoot}\n`);
    });
    server.on('error', reject);
    const stop = () => server.close(() => resolve());
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
}
