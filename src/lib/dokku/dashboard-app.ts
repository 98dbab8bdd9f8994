import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BINARY_IN_IMAGE, DASHBOARD_IMAGE_LABEL, dashboardDockerfile, imageGroup, imagePasswd, sharedLibraries, SSH_IN_IMAGE, type ImageSpec } from '../dashboard/app.js';
import { DASHBOARD_KEY_NAME, DEFAULT_SSH_PORT, parseSshHost, type SshFiles } from '../dashboard/ssh.js';
import type { DokkuPaths } from './env.js';
import { readSetting } from '../settings/settings.js';
import { UserError } from '../output/errors.js';
import { findOnPath, runProgram } from './exec.js';

// The host side of `ownstack:dashboard:enable|disable|report`: building the image and asking Dokku
// and docker. Every program runs with an argument array; `dokku` is Dokku's own CLI.

/**
 * For the `dokku` commands we run: Dokku exports `--app X`, wherever it is on the command line, as
 * DOKKU_APP_NAME (common/functions parse_args), and a core plugin's command then gets X put before
 * its own arguments. `ownstack:dashboard:enable --app X` must not pass that on.
 */
export const NESTED_DOKKU_ENV = { DOKKU_APP_NAME: '', DOKKU_GLOBAL_FLAGS: '' };

/**
 * Builds the dashboard image from BINARY with no network: a context holding the binary and the
 * shared libraries ldd names (the loader included), `FROM scratch`. Nothing is pulled.
 */
export async function buildDashboardImage(binary: string, tag: string, spec: ImageSpec): Promise<void> {
  // The host's own ssh client, for the actions (lib/dashboard/ssh.ts): the image has no shell.
  const ssh = findOnPath('ssh');
  if (!ssh) throw new UserError("The dashboard's actions need the host's ssh client (openssh-client): ssh is not on the PATH");
  const programs: [string, string][] = [[binary, BINARY_IN_IMAGE], [ssh, SSH_IN_IMAGE]];
  const libraries = new Set<string>();
  for (const [program] of programs) {
    const ldd = await runProgram('ldd', [program]);
    // ldd exits 1 for a static binary ("not a dynamic executable"), which needs no libraries.
    for (const library of sharedLibraries(`${ldd.stdout}\n${ldd.stderr}`)) libraries.add(library);
  }
  const context = fs.mkdtempSync(path.join(os.tmpdir(), 'ownstack-dashboard-image-'));
  try {
    const rootfs = path.join(context, 'rootfs');
    // ssh asks who it runs as (getpwuid) and refuses a uid without a passwd entry.
    fs.mkdirSync(path.join(rootfs, 'etc'), { recursive: true });
    // Not state: files of the image, which COPY gives to root, so they must be world-readable there.
    for (const [name, text] of [['passwd', imagePasswd(spec)], ['group', imageGroup(spec)]]) {
      const file = path.join(rootfs, 'etc', name);
      fs.writeFileSync(file, text, { mode: 0o600 });
      fs.chmodSync(file, 0o644);
    }
    for (const file of [...[...libraries].sort().map((library) => [library, library]), ...programs]) {
      const target = path.join(rootfs, file[1]);
      fs.mkdirSync(path.dirname(target), { recursive: true });
      // copyFile follows symlinks: the image gets the library itself under the name the loader asks for.
      fs.copyFileSync(file[0], target);
      fs.chmodSync(target, 0o755);
    }
    fs.writeFileSync(path.join(context, 'Dockerfile'), dashboardDockerfile(spec), { mode: 0o600 });
    const result = await runProgram('docker', ['image', 'build', '--network', 'none', '--tag', tag, context]);
    if (result.exitCode !== 0) throw new Error(`docker image build failed: ${(result.stderr || result.stdout).trim().split('\n').pop() ?? ''}`);
  } finally {
    fs.rmSync(context, { recursive: true, force: true });
  }
}

/** Every dashboard image on the engine (`repo:tag`), found by our label. */
export async function dashboardImages(): Promise<string[]> {
  const result = await runProgram('docker', ['image', 'ls', '--filter', `label=${DASHBOARD_IMAGE_LABEL}=true`, '--format', '{{.Repository}}:{{.Tag}}']);
  if (result.exitCode !== 0) throw new Error(`docker image ls failed: ${result.stderr.trim()}`);
  return result.stdout.split('\n').map((line) => line.trim()).filter((line) => line && !line.includes('<none>'));
}

export async function removeImageByName(ref: string): Promise<boolean> {
  const result = await runProgram('docker', ['image', 'rm', ref]);
  return result.exitCode === 0;
}

/** The app's running containers (Dokku labels them with the app's name). */
export async function runningContainers(app: string): Promise<number> {
  const result = await runProgram('docker', ['container', 'ls', '--quiet', '--filter', `label=com.dokku.app-name=${app}`, '--filter', 'status=running']);
  if (result.exitCode !== 0) throw new Error(`docker container ls failed: ${result.stderr.trim()}`);
  return result.stdout.split('\n').filter((line) => line.trim()).length;
}

/** The container paths of the app's storage mounts, from Dokku's `storage:list --format json`. */
export async function storageMounts(app: string): Promise<{ host_path: string; container_path: string; readonly?: boolean }[]> {
  const result = await runProgram('dokku', ['storage:list', '--format', 'json', app], { env: NESTED_DOKKU_ENV });
  if (result.exitCode !== 0) throw new Error(`dokku storage:list ${app} failed: ${result.stderr.trim()}`);
  return JSON.parse(result.stdout.trim() || '[]') as { host_path: string; container_path: string; readonly?: boolean }[];
}

// ---- the dashboard's ssh key, registered with Dokku's ssh-keys -----------------------------------

/** The key pair, made once (ed25519, no passphrase, the private half 0600): re-enabling keeps it. */
export async function ensureDashboardKey(files: SshFiles): Promise<string> {
  fs.mkdirSync(files.dir, { recursive: true, mode: 0o700 });
  if (!fs.existsSync(files.privateKey) || !fs.existsSync(`${files.privateKey}.pub`)) {
    fs.rmSync(files.privateKey, { force: true });
    fs.rmSync(`${files.privateKey}.pub`, { force: true });
    const made = await runProgram('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', DASHBOARD_KEY_NAME, '-f', files.privateKey]);
    if (made.exitCode !== 0) throw new UserError(`ssh-keygen failed: ${(made.stderr || made.stdout).trim().split('\n')[0]}`);
  }
  // owner-only, as everything in the dashboard's directory
  fs.chmodSync(files.privateKey, 0o600);
  fs.chmodSync(`${files.privateKey}.pub`, 0o600);
  return `${files.privateKey}.pub`;
}

/** Whether Dokku has a key of that name (`ssh-keys:list` fails when there are none at all). */
async function dokkuHasKey(name: string): Promise<boolean> {
  const listed = await runProgram('dokku', ['ssh-keys:list', '--format', 'json', name], { env: NESTED_DOKKU_ENV });
  if (listed.exitCode !== 0) return false;
  try {
    return (JSON.parse(listed.stdout.trim() || '[]') as { name?: string }[]).some((key) => key.name === name);
  } catch {
    return false;
  }
}

/** `ssh-keys:add ownstack-dashboard <pub>`, replacing a key of that name (Dokku refuses duplicates). */
export async function registerDashboardKey(publicKey: string): Promise<void> {
  await unregisterDashboardKey();
  const added = await runProgram('dokku', ['ssh-keys:add', DASHBOARD_KEY_NAME, publicKey], { env: NESTED_DOKKU_ENV });
  if (added.exitCode !== 0) throw new UserError(`dokku ssh-keys:add ${DASHBOARD_KEY_NAME} failed: ${(added.stderr || added.stdout).trim().split('\n').pop() ?? ''}`);
}

export async function unregisterDashboardKey(): Promise<boolean> {
  if (!(await dokkuHasKey(DASHBOARD_KEY_NAME))) return false;
  const removed = await runProgram('dokku', ['ssh-keys:remove', DASHBOARD_KEY_NAME], { env: NESTED_DOKKU_ENV });
  if (removed.exitCode !== 0) throw new UserError(`dokku ssh-keys:remove ${DASHBOARD_KEY_NAME} failed: ${(removed.stderr || removed.stdout).trim().split('\n').pop() ?? ''}`);
  return true;
}

/** The host's sshd public keys, as its package installs them. */
export function hostPublicKeys(dir = '/etc/ssh'): string[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  return names.filter((name) => /^ssh_host_[a-z0-9]+_key\.pub$/.test(name)).sort().map((name) => fs.readFileSync(path.join(dir, name), 'utf8'));
}

/**
 * The gateway of Docker's bridge network: the host as the app's containers reach it. Docker names
 * it in the network's IPAM config on most engines, but not on all (a default bridge whose config
 * holds only the subnet, seen with Docker 20.10); then it is the address of the bridge's own
 * interface on this host (`com.docker.network.bridge.name`, usually docker0).
 */
export async function bridgeGateway(): Promise<string | undefined> {
  const result = await runProgram('docker', ['network', 'inspect', 'bridge', '--format', BRIDGE_FORMAT]);
  if (result.exitCode !== 0) return undefined;
  return gatewayFromInspect(result.stdout, os.networkInterfaces());
}

const BRIDGE_FORMAT = '{{range .IPAM.Config}}{{.Gateway}} {{end}}|{{index .Options "com.docker.network.bridge.name"}}';
const IPV4 = /^[0-9]{1,3}(\.[0-9]{1,3}){3}$/;

export function gatewayFromInspect(inspected: string, interfaces: NodeJS.Dict<os.NetworkInterfaceInfo[]>): string | undefined {
  const [gateways = '', bridgeName = ''] = inspected.trim().split('|');
  const named = gateways.split(/\s+/).find((address) => IPV4.test(address));
  if (named) return named;
  const own = interfaces[bridgeName.trim()]?.find((address) => address.family === 'IPv4' && !address.internal);
  return own && IPV4.test(own.address) ? own.address : undefined;
}

/** Where the app reaches this host's sshd: the `dashboard-ssh-host` setting, else the bridge's gateway, port 22. */
export async function dashboardSshHost(paths: DokkuPaths): Promise<{ host: string; port: number; from: 'setting' | 'default' }> {
  const set = readSetting(paths, undefined, 'dashboard-ssh-host').global;
  const parsed = set ? parseSshHost(set) : undefined;
  if (parsed) return { ...parsed, from: 'setting' };
  const gateway = await bridgeGateway();
  if (!gateway) throw new UserError("Could not find the gateway of Docker's bridge network; set where the dashboard reaches sshd: dokku ownstack:set --global dashboard-ssh-host <host>[:port]");
  return { host: gateway, port: DEFAULT_SSH_PORT, from: 'default' };
}
