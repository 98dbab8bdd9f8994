import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BINARY_IN_IMAGE, DASHBOARD_IMAGE_LABEL, dashboardDockerfile, sharedLibraries, type ImageSpec } from '../dashboard/app.js';
import { runProgram } from './exec.js';

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
  const ldd = await runProgram('ldd', [binary]);
  // ldd exits 1 for a static binary ("not a dynamic executable"), which needs no libraries.
  const libraries = sharedLibraries(`${ldd.stdout}\n${ldd.stderr}`);
  const context = fs.mkdtempSync(path.join(os.tmpdir(), 'ownstack-dashboard-image-'));
  try {
    const rootfs = path.join(context, 'rootfs');
    for (const file of [...libraries.map((library) => [library, library]), [binary, BINARY_IN_IMAGE]]) {
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
