import { runProgram } from './exec.js';

// The only module that runs docker. Arguments are always arrays; no shell is ever involved.
const docker = (args: string[]) => runProgram('docker', args);

export async function imageId(ref: string): Promise<string | undefined> {
  const result = await docker(['image', 'inspect', '--format', '{{.Id}}', ref]);
  return result.exitCode === 0 ? result.stdout.trim() : undefined;
}

export async function imageLabels(ref: string): Promise<Record<string, string> | undefined> {
  const result = await docker(['image', 'inspect', '--format', '{{json .Config.Labels}}', ref]);
  if (result.exitCode !== 0) return undefined;
  return (JSON.parse(result.stdout.trim() || 'null') as Record<string, string> | null) ?? {};
}

/** Every image ID on the engine, in one call, for marking expired releases. */
export async function allImageIds(): Promise<Set<string>> {
  const result = await docker(['image', 'ls', '--all', '--quiet', '--no-trunc']);
  if (result.exitCode !== 0) throw new Error(`docker image ls failed: ${result.stderr.trim()}`);
  return new Set(result.stdout.split('\n').map((line) => line.trim()).filter(Boolean));
}

export async function tagImage(source: string, target: string): Promise<void> {
  const result = await docker(['image', 'tag', source, target]);
  if (result.exitCode !== 0) throw new Error(`docker image tag ${source} ${target} failed: ${result.stderr.trim()}`);
}

/** The image a container runs, or undefined when the container is gone. */
export async function containerImage(containerId: string): Promise<string | undefined> {
  const result = await docker(['container', 'inspect', '--format', '{{.Image}}', containerId]);
  return result.exitCode === 0 ? result.stdout.trim() : undefined;
}

export interface CreatedContainer {
  id: string;
}

/**
 * Creates a container that is never started. Dokku's cleanup removes only exited and dead
 * containers, and neither its prune nor its retire removes an image a container references
 * (dokku-verified.md), so this keeps an image alive without turning Dokku's cleanup off.
 */
export async function createHoldingContainer(
  name: string,
  image: string,
  labels: Record<string, string>,
): Promise<CreatedContainer> {
  const labelArgs = Object.entries(labels).flatMap(([key, value]) => ['--label', `${key}=${value}`]);
  const result = await docker([
    'container', 'create', '--name', name, '--network', 'none', '--restart', 'no',
    '--entrypoint', '/ownstack-retained-image', ...labelArgs, image,
  ]);
  if (result.exitCode !== 0) throw new Error(`docker container create ${name} failed: ${result.stderr.trim()}`);
  return { id: result.stdout.trim() };
}

/** Plain removal, as Dokku's retire does: refused while a container or a child image uses it. */
export async function removeImage(id: string): Promise<boolean> {
  const result = await docker(['image', 'rm', id]);
  return result.exitCode === 0;
}

/**
 * Removes a holding container and the anonymous volumes `docker container create` made for the
 * image's VOLUME declarations, which a plain `rm --force` would leave behind on every release.
 */
export async function removeHoldingContainer(nameOrId: string): Promise<boolean> {
  const result = await docker(['container', 'rm', '--force', '--volumes', nameOrId]);
  return result.exitCode === 0;
}

export interface LabelledContainer {
  id: string;
  name: string;
  labels: Record<string, string>;
}

/** Containers carrying a label (`key` or `key=value`), with the values of the labels asked for. */
export async function containersWithLabels(filter: string, keys: string[]): Promise<LabelledContainer[]> {
  // Go templates quote the key, so any label name is safe here; tabs cannot occur in labels we set.
  const columns = ['{{.ID}}', '{{.Names}}', ...keys.map((key) => `{{.Label ${JSON.stringify(key)}}}`)];
  const result = await docker([
    'container', 'ls', '--all', '--no-trunc', '--filter', `label=${filter}`, '--format', columns.join('\t'),
  ]);
  if (result.exitCode !== 0) throw new Error(`docker container ls failed: ${result.stderr.trim()}`);
  return result.stdout
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [id, name, ...values] = line.split('\t');
      return { id, name, labels: Object.fromEntries(keys.map((key, i) => [key, values[i] ?? ''])) };
    });
}
