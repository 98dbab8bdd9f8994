import fs from 'node:fs';
import path from 'node:path';
import * as z from 'zod/mini';
import type { DokkuPaths } from '../dokku/env.js';
import { UserError } from '../output/errors.js';
import { readSecretJson, writeSecretJson } from './secret-files.js';

// The dashboard as a Dokku app (`ownstack:dashboard:enable`): what the image holds and how the app
// is set up. Pure decisions live here; building, docker and `dokku` calls are in lib/dokku/dashboard-app.ts.

export const DEFAULT_DASHBOARD_APP = 'ownstack';
export const DASHBOARD_IMAGE_REPO = 'ownstack/dashboard';
/** Every dashboard image carries it, so disable finds them all (also those of older versions). */
export const DASHBOARD_IMAGE_LABEL = 'com.ownstack.dashboard';
/** Where the binary sits in the image; nothing else is there but its shared libraries. */
export const BINARY_IN_IMAGE = '/ownstack';
/** The host's ssh client, with which the dashboard acts (lib/dashboard/ssh.ts). */
export const SSH_IN_IMAGE = '/usr/bin/ssh';

/** `ownstack/dashboard:<version>-<commit>`: a plugin upgrade gives a new tag, so a redeploy. */
export function dashboardImageTag(version: string, commit: string): string {
  const clean = (value: string) => value.replace(/[^A-Za-z0-9_.-]/g, '-').slice(0, 60);
  return `${DASHBOARD_IMAGE_REPO}:${clean(version)}-${clean(commit)}`;
}

/**
 * The files `ldd` says a binary loads: every absolute path, the dynamic loader included. A binary
 * that ldd calls static needs none. linux-vdso is in the kernel, not a file.
 */
export function sharedLibraries(lddOutput: string): string[] {
  if (/not a dynamic executable|statically linked/.test(lddOutput)) return [];
  const libraries = new Set<string>();
  for (const line of lddOutput.split('\n')) {
    if (/=>\s*not found/.test(line)) throw new UserError(`The binary needs a library that is missing on this host: ${line.trim().split(/\s/)[0]}`);
    const match = /=>\s*(\/\S+)/.exec(line) ?? /^\s*(\/\S+)/.exec(line);
    if (match) libraries.add(match[1]);
  }
  return [...libraries].sort();
}

export interface ImageSpec {
  uid: number;
  gid: number;
  version: string;
  commit: string;
}

/** The image: the binary and its libraries on an empty root, run as the store's owner. No shell. */
export function dashboardDockerfile(spec: ImageSpec): string {
  return [
    'FROM scratch',
    'COPY rootfs/ /',
    `USER ${spec.uid}:${spec.gid}`,
    'EXPOSE 5000',
    `LABEL ${DASHBOARD_IMAGE_LABEL}="true" com.ownstack.version=${JSON.stringify(spec.version)} com.ownstack.commit=${JSON.stringify(spec.commit)}`,
    `ENTRYPOINT ["${BINARY_IN_IMAGE}", "dashboard", "serve"]`,
    '',
  ].join('\n');
}

/** The one user of the image (ssh refuses to run as a uid without a passwd entry). */
export function imagePasswd(spec: Pick<ImageSpec, 'uid' | 'gid'>): string {
  return `ownstack:x:${spec.uid}:${spec.gid}:ownstack dashboard:/nonexistent:/nonexistent\n`;
}

export function imageGroup(spec: Pick<ImageSpec, 'gid'>): string {
  return `ownstack:x:${spec.gid}:\n`;
}

/** Host path -> container path, the same on both sides so every path the code computes holds. */
export interface Mount {
  hostPath: string;
  readOnly: boolean;
}

export function dashboardMounts(paths: DokkuPaths): Mount[] {
  return [
    { hostPath: paths.ownstackRoot, readOnly: true },
    { hostPath: paths.dashboardRoot, readOnly: false },
  ];
}

/** The colon form Dokku's storage:mount takes: `/host:/container[:ro]`. */
export function mountSpec(mount: Mount): string {
  return `${mount.hostPath}:${mount.hostPath}${mount.readOnly ? ':ro' : ''}`;
}

// Which app is the dashboard: written before the app is created, so an app of that name that this
// file does not name was made by someone else and is never taken over.
// `deployed` is the image Dokku last deployed for us: git:from-image refuses the same image twice.
const Marker = z.object({ app: z.string(), image: z.optional(z.string()), deployed: z.optional(z.string()) });
export type DashboardMarker = z.infer<typeof Marker>;

const markerFile = (paths: DokkuPaths) => path.join(paths.dashboardRoot, 'app.json');

export function readDashboardMarker(paths: DokkuPaths): DashboardMarker | undefined {
  return readSecretJson(markerFile(paths), Marker);
}

export async function writeDashboardMarker(paths: DokkuPaths, marker: DashboardMarker): Promise<void> {
  await writeSecretJson(markerFile(paths), marker);
}

export function removeDashboardMarker(paths: DokkuPaths): void {
  fs.rmSync(markerFile(paths), { force: true });
}

/** Refuses to take over an app that is not the dashboard, or to enable a second one. */
export function assertDashboardAppIsOurs(app: string, appExists: boolean, marker: DashboardMarker | undefined): void {
  if (marker && marker.app !== app) {
    throw new UserError(`The dashboard is already enabled as app ${marker.app}; run ownstack:dashboard:disable first`);
  }
  if (appExists && !marker) throw new UserError(`App ${app} exists and is not the ownstack dashboard; choose another name with --app`);
}

/** The container runs as the store's owner; a root-owned store would make it run as root. */
export function assertUnprivilegedOwner(uid: number, store: string): void {
  if (uid === 0) throw new UserError(`${store} belongs to root: the dashboard would run as root; run this as Dokku's system user (dokku)`);
}
