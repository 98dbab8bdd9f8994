import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  assertDashboardAppIsOurs,
  assertUnprivilegedOwner,
  dashboardDockerfile,
  dashboardImageTag,
  dashboardMounts,
  mountSpec,
  readDashboardMarker,
  removeDashboardMarker,
  sharedLibraries,
  writeDashboardMarker,
} from '../../src/lib/dashboard/app.js';
import { DEFAULT_TRUSTED_PROXIES, trustedProxyList } from '../../src/commands/dashboard/serve.js';
import { dokkuPaths, readDokkuEnv } from '../../src/lib/dokku/env.js';
import { gatewayFromInspect } from '../../src/lib/dokku/dashboard-app.js';
import { refusal } from './support.js';

// ownstack:dashboard:enable's decisions: what goes into the image, what is mounted how, and which
// app may be taken as the dashboard.

// `ldd build/ownstack` on Debian 12 (the SEA binary).
const LDD = `\tlinux-vdso.so.1 (0x00007ffd3b5e5000)
\tlibdl.so.2 => /lib/x86_64-linux-gnu/libdl.so.2 (0x00007f432a1d6000)
\tlibstdc++.so.6 => /lib/x86_64-linux-gnu/libstdc++.so.6 (0x00007f4329e00000)
\tlibm.so.6 => /lib/x86_64-linux-gnu/libm.so.6 (0x00007f432a0f6000)
\tlibgcc_s.so.1 => /lib/x86_64-linux-gnu/libgcc_s.so.1 (0x00007f432a0d6000)
\tlibpthread.so.0 => /lib/x86_64-linux-gnu/libpthread.so.0 (0x00007f432a0d1000)
\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007f4329c1e000)
\t/lib64/ld-linux-x86-64.so.2 (0x00007f432a1ef000)
`;

describe('the image', () => {
  it('holds every library ldd names and the dynamic loader, never the vdso', () => {
    expect(sharedLibraries(LDD)).toEqual([
      '/lib/x86_64-linux-gnu/libc.so.6',
      '/lib/x86_64-linux-gnu/libdl.so.2',
      '/lib/x86_64-linux-gnu/libgcc_s.so.1',
      '/lib/x86_64-linux-gnu/libm.so.6',
      '/lib/x86_64-linux-gnu/libpthread.so.0',
      '/lib/x86_64-linux-gnu/libstdc++.so.6',
      '/lib64/ld-linux-x86-64.so.2',
    ]);
  });

  it('needs no library for a static binary, and refuses when one is missing on the host', () => {
    expect(sharedLibraries('\tnot a dynamic executable\n')).toEqual([]);
    expect(refusal(() => sharedLibraries('\tlibfoo.so.1 => not found\n'))).toBe('The binary needs a library that is missing on this host: libfoo.so.1');
  });

  it('is tagged by version and commit, so an upgrade is a new tag; odd characters never reach the tag', () => {
    expect(dashboardImageTag('0.2.0', 'caf7869')).toBe('ownstack/dashboard:0.2.0-caf7869');
    expect(dashboardImageTag('0.2.0', 'caf7869-dirty')).toBe('ownstack/dashboard:0.2.0-caf7869-dirty');
    expect(dashboardImageTag('1.0.0+x', 'a b/c')).toBe('ownstack/dashboard:1.0.0-x-a-b-c');
  });

  it('is FROM scratch with the binary as the entrypoint, run as the given user, labelled', () => {
    const dockerfile = dashboardDockerfile({ uid: 999, gid: 998, version: '0.2.0', commit: 'caf7869' });
    expect(dockerfile.split('\n')[0]).toBe('FROM scratch');
    expect(dockerfile).toContain('USER 999:998\n');
    expect(dockerfile).toContain('ENTRYPOINT ["/ownstack", "dashboard", "serve"]');
    expect(dockerfile).toContain('com.ownstack.dashboard="true" com.ownstack.version="0.2.0" com.ownstack.commit="caf7869"');
    expect(dockerfile).not.toMatch(/^RUN /m);
  });

  it('never runs as root: a root-owned store is refused', () => {
    expect(refusal(() => assertUnprivilegedOwner(0, '/var/lib/dokku/data/ownstack'))).toBe(
      "/var/lib/dokku/data/ownstack belongs to root: the dashboard would run as root; run this as Dokku's system user (dokku)",
    );
    expect(() => assertUnprivilegedOwner(998, '/var/lib/dokku/data/ownstack')).not.toThrow();
  });
});

describe('mounts and ownership', () => {
  let libRoot: string;
  let paths: ReturnType<typeof dokkuPaths>;
  beforeEach(() => {
    libRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'ownstack-dashboard-app-'));
    paths = dokkuPaths(readDokkuEnv({ DOKKU_LIB_ROOT: libRoot, DOKKU_ROOT: path.join(libRoot, 'home') }));
  });
  afterEach(() => fs.rmSync(libRoot, { recursive: true, force: true }));

  it('mounts the store read-only and the dashboard directory read-write, at the same paths', () => {
    expect(dashboardMounts(paths).map(mountSpec)).toEqual([
      `${libRoot}/data/ownstack:${libRoot}/data/ownstack:ro`,
      `${libRoot}/data/ownstack-dashboard:${libRoot}/data/ownstack-dashboard`,
    ]);
  });

  it('takes an app only when the marker names it; a foreign app or a second dashboard is refused', async () => {
    expect(refusal(() => assertDashboardAppIsOurs('ownstack', true, undefined))).toBe('App ownstack exists and is not the ownstack dashboard; choose another name with --app');
    expect(() => assertDashboardAppIsOurs('ownstack', false, undefined)).not.toThrow();
    await writeDashboardMarker(paths, { app: 'dash', image: 'ownstack/dashboard:1-a' });
    const marker = readDashboardMarker(paths);
    expect(marker).toEqual({ app: 'dash', image: 'ownstack/dashboard:1-a' });
    expect(fs.statSync(path.join(paths.dashboardRoot, 'app.json')).mode & 0o777).toBe(0o600);
    expect(() => assertDashboardAppIsOurs('dash', true, marker)).not.toThrow();
    expect(refusal(() => assertDashboardAppIsOurs('other', false, marker))).toBe('The dashboard is already enabled as app dash; run ownstack:dashboard:disable first');
    removeDashboardMarker(paths);
    expect(readDashboardMarker(paths)).toBeUndefined();
  });

  it('a damaged marker names no app, so nothing is taken over', () => {
    fs.mkdirSync(paths.dashboardRoot, { recursive: true });
    fs.writeFileSync(path.join(paths.dashboardRoot, 'app.json'), '{"app":');
    expect(readDashboardMarker(paths)).toBeUndefined();
    expect(refusal(() => assertDashboardAppIsOurs('ownstack', true, readDashboardMarker(paths)))).toContain('is not the ownstack dashboard');
  });
});

describe('the proxy the app trusts', () => {
  it('is --trust-proxy, else OWNSTACK_DASHBOARD_TRUST_PROXY (Dokku config), else loopback', () => {
    expect(trustedProxyList('10.0.0.1', { OWNSTACK_DASHBOARD_TRUST_PROXY: '172.17.0.1' })).toEqual(['10.0.0.1']);
    expect(trustedProxyList(undefined, { OWNSTACK_DASHBOARD_TRUST_PROXY: '172.17.0.1, 172.18.0.1' })).toEqual(['172.17.0.1', '172.18.0.1']);
    expect(trustedProxyList(undefined, {})).toEqual(DEFAULT_TRUSTED_PROXIES);
    expect(refusal(() => trustedProxyList(undefined, { OWNSTACK_DASHBOARD_TRUST_PROXY: 'nginx' }))).toBe('Invalid OWNSTACK_DASHBOARD_TRUST_PROXY "nginx": expected IP addresses separated by commas');
  });
});

describe("the Docker bridge's gateway (where the app reaches this host's sshd)", () => {
  const docker0 = (address: string): os.NetworkInterfaceInfo => ({ address, netmask: '255.255.0.0', family: 'IPv4', mac: '02:42:00:00:00:00', internal: false, cidr: `${address}/16` });
  it("is the IPAM config's gateway when Docker names one", () => {
    expect(gatewayFromInspect('172.18.0.1 |docker0\n', { docker0: [docker0('172.17.0.1')] })).toBe('172.18.0.1');
  });
  it("is the bridge interface's own address when the config holds only the subnet", () => {
    expect(gatewayFromInspect(' |docker0\n', { docker0: [docker0('172.17.0.1')] })).toBe('172.17.0.1');
    expect(gatewayFromInspect('|docker0', { lo: [docker0('127.0.0.1')] })).toBeUndefined();
    expect(gatewayFromInspect('<no value>|', {})).toBeUndefined();
  });
});
