import net from 'node:net';
import v8 from 'node:v8';
import type { CommandModule } from '../../program.js';
import { UserError } from '../../lib/output/errors.js';
import { printable } from '../../lib/output/log.js';

// `ownstack dashboard serve`: the dashboard's web process (hidden; not a Dokku command). The web
// code is imported only here, so no other command pays for loading it.

export const DEFAULT_TRUSTED_PROXIES = ['127.0.0.1', '::1', '::ffff:127.0.0.1'];

export function parsePort(raw: string | undefined, env: NodeJS.ProcessEnv = process.env): number {
  const value = raw ?? (env.PORT || '5000');
  if (!/^[0-9]{1,5}$/.test(value) || Number(value) < 1 || Number(value) > 65535) {
    throw new UserError(`Invalid port "${printable(value)}": expected a number from 1 to 65535`);
  }
  return Number(value);
}

export function parseAddressList(raw: string, what: string): string[] {
  const parts = raw.split(',').map((part) => part.trim());
  for (const part of parts) if (net.isIP(part) === 0) throw new UserError(`Invalid ${what} "${printable(part)}": expected IP addresses separated by commas`);
  return parts;
}

/**
 * --trust-proxy, else OWNSTACK_DASHBOARD_TRUST_PROXY: as a Dokku app the dashboard's command is the
 * image's, and its config is how it is told which peer is Dokku's nginx (the docker bridge's gateway).
 */
export function trustedProxyList(raw: string | undefined, env: NodeJS.ProcessEnv = process.env): string[] {
  if (raw !== undefined) return parseAddressList(raw, '--trust-proxy');
  if (env.OWNSTACK_DASHBOARD_TRUST_PROXY) return parseAddressList(env.OWNSTACK_DASHBOARD_TRUST_PROXY, 'OWNSTACK_DASHBOARD_TRUST_PROXY');
  return DEFAULT_TRUSTED_PROXIES;
}

const register: CommandModule = (program, ctx) => {
  const dashboard = program.command('dashboard', { hidden: true }).description('the dashboard web process').helpOption(false);
  dashboard
    .command('serve')
    .description('serve the dashboard over http')
    .option('--port <n>', 'port (default $PORT, else 5000)')
    .option('--listen <address>', 'address to listen on', '0.0.0.0')
    .option('--trust-proxy <addresses>', 'peers whose X-Forwarded-Proto counts (comma-separated IPs; default $OWNSTACK_DASHBOARD_TRUST_PROXY, else loopback)')
    .helpOption(false)
    .exitOverride()
    .configureOutput({ writeErr: () => undefined, outputError: () => undefined })
    .action(async (options: { port?: string; listen: string; trustProxy?: string }) => {
      const port = parsePort(options.port);
      const [listen] = parseAddressList(options.listen, 'listen address');
      const trustedProxies = trustedProxyList(options.trustProxy);
      // A long-lived process on a small host: V8's default heap growth let each request's garbage
      // pile up between collections, and the RSS climbed with the requests served (171 MiB after
      // 3,000 against a 100k-release store). Sizing the heap for memory keeps it near the live
      // set (118 MiB, pages still ~15 ms at the 95th percentile: BENCHMARKS.md). V8 reads this flag
      // at each heap-sizing decision, so setting it now, before any page, is enough; the other
      // commands are short and keep V8's defaults (and the code cache built for them).
      v8.setFlagsFromString('--optimize-for-size');
      const { serveDashboard } = await import('../../web/serve.js');
      await serveDashboard(ctx(), { port, listen, trustedProxies });
    });
};

export default register;
