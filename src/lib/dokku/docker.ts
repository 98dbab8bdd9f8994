import fs from 'node:fs';
import { runProgram } from './exec.js';
import { engineError, engineRequest, engineSocket, labelFilters, refPath, type EngineAnswer } from './engine.js';

// The only module that talks to docker: through the Engine API's socket where that is the CLI's
// own target (engine.ts says when, and why), otherwise by running the CLI. Arguments are always
// arrays; no shell is ever involved.
const docker = (args: string[]) => runProgram('docker', args);

/**
 * `viaEngine` on the socket when it is the CLI's target; the CLI (`viaCli`) otherwise, and when
 * the request fails before an answer (the socket missing or refused, the connection cut): the
 * CLI then gives its own answer or error, as it always did.
 */
async function either<T>(viaEngine: (socket: string) => Promise<T>, viaCli: () => Promise<T>): Promise<T> {
  const socket = engineSocket();
  if (socket !== undefined) {
    try {
      return await viaEngine(socket);
    } catch {
      // fall through to the CLI
    }
  }
  return viaCli();
}

/** GET of one image's or container's inspect document; undefined when docker knows no such thing. */
async function inspectDocument(socket: string, kind: 'images' | 'containers', ref: string): Promise<Record<string, unknown> | undefined> {
  const answer = await engineRequest(socket, 'GET', `/${kind}/${ref}/json`);
  if (answer.status === 404) return undefined;
  if (answer.status !== 200) throw new Error(engineError(answer));
  return JSON.parse(answer.body) as Record<string, unknown>;
}

/** The CLI for a reference the socket's URL cannot carry as is (the CLI refuses it in its words). */
function withRef<T>(ref: string, viaEngine: (socket: string, ref: string) => Promise<T>, viaCli: () => Promise<T>): Promise<T> {
  const safe = refPath(ref);
  return safe === undefined ? viaCli() : either((socket) => viaEngine(socket, safe), viaCli);
}

const config = (doc: Record<string, unknown> | undefined) => (doc?.Config ?? {}) as { Labels?: Record<string, string> | null; WorkingDir?: string };

export async function imageId(ref: string): Promise<string | undefined> {
  return withRef(
    ref,
    async (socket, safe) => (await inspectDocument(socket, 'images', safe))?.Id as string | undefined,
    async () => {
      const result = await docker(['image', 'inspect', '--format', '{{.Id}}', ref]);
      return result.exitCode === 0 ? result.stdout.trim() : undefined;
    },
  );
}

export async function imageLabels(ref: string): Promise<Record<string, string> | undefined> {
  return withRef(
    ref,
    async (socket, safe) => {
      const doc = await inspectDocument(socket, 'images', safe);
      return doc === undefined ? undefined : (config(doc).Labels ?? {});
    },
    async () => {
      const result = await docker(['image', 'inspect', '--format', '{{json .Config.Labels}}', ref]);
      if (result.exitCode !== 0) return undefined;
      return (JSON.parse(result.stdout.trim() || 'null') as Record<string, string> | null) ?? {};
    },
  );
}

/** Every image ID on the engine, in one call, for marking expired releases. */
export async function allImageIds(): Promise<Set<string>> {
  return either(
    async (socket) => {
      const answer = await engineRequest(socket, 'GET', '/images/json?all=1');
      if (answer.status !== 200) throw new Error(`docker image ls failed: ${engineError(answer)}`);
      return new Set((JSON.parse(answer.body) as { Id: string }[]).map((image) => image.Id));
    },
    async () => {
      const result = await docker(['image', 'ls', '--all', '--quiet', '--no-trunc']);
      if (result.exitCode !== 0) throw new Error(`docker image ls failed: ${result.stderr.trim()}`);
      return new Set(result.stdout.split('\n').map((line) => line.trim()).filter(Boolean));
    },
  );
}

export async function tagImage(source: string, target: string): Promise<void> {
  const viaCli = async () => {
    const result = await docker(['image', 'tag', source, target]);
    if (result.exitCode !== 0) throw new Error(`docker image tag ${source} ${target} failed: ${result.stderr.trim()}`);
  };
  // repository[:tag]: the tag is what follows the last colon after the last slash
  const slash = target.lastIndexOf('/');
  const colon = target.lastIndexOf(':');
  const [repo, tag] = colon > slash ? [target.slice(0, colon), target.slice(colon + 1)] : [target, 'latest'];
  if (refPath(target) === undefined || target.includes('@')) return viaCli();
  let answer: EngineAnswer | undefined;
  await withRef(
    source,
    async (socket, safe) => {
      answer = await engineRequest(socket, 'POST', `/images/${safe}/tag?repo=${encodeURIComponent(repo)}&tag=${encodeURIComponent(tag)}`);
    },
    viaCli,
  );
  if (answer !== undefined && answer.status !== 201 && answer.status !== 200) {
    throw new Error(`docker image tag ${source} ${target} failed: ${engineError(answer)}`);
  }
}

/** The image a container runs, or undefined when the container is gone. */
export async function containerImage(containerId: string): Promise<string | undefined> {
  return withRef(
    containerId,
    async (socket, safe) => (await inspectDocument(socket, 'containers', safe))?.Image as string | undefined,
    async () => {
      const result = await docker(['container', 'inspect', '--format', '{{.Image}}', containerId]);
      return result.exitCode === 0 ? result.stdout.trim() : undefined;
    },
  );
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
  const viaCli = async () => {
    const labelArgs = Object.entries(labels).flatMap(([key, value]) => ['--label', `${key}=${value}`]);
    const result = await docker([
      'container', 'create', '--name', name, '--network', 'none', '--restart', 'no',
      '--entrypoint', '/ownstack-retained-image', ...labelArgs, image,
    ]);
    if (result.exitCode !== 0) throw new Error(`docker container create ${name} failed: ${result.stderr.trim()}`);
    return { id: result.stdout.trim() };
  };
  let answer: EngineAnswer | undefined;
  const created = await withRef(
    image,
    async (socket, safe) => {
      // what the CLI sends for those flags (docker's own anonymous volumes for VOLUME included)
      answer = await engineRequest(socket, 'POST', `/containers/create?name=${encodeURIComponent(name)}`, {
        Image: safe,
        Entrypoint: ['/ownstack-retained-image'],
        Labels: labels,
        HostConfig: { NetworkMode: 'none', RestartPolicy: { Name: 'no' } },
      });
      return answer.status === 201 ? { id: String((JSON.parse(answer.body) as { Id: unknown }).Id) } : undefined;
    },
    viaCli,
  );
  if (created) return created;
  throw new Error(`docker container create ${name} failed: ${answer ? engineError(answer) : 'no answer'}`);
}

/** DELETE of a container with its anonymous volumes (`rm --force --volumes`); false when it was not removed. */
function removeContainerWithVolumes(nameOrId: string): Promise<boolean> {
  return withRef(
    nameOrId,
    async (socket, safe) => (await engineRequest(socket, 'DELETE', `/containers/${safe}?force=1&v=1`)).status === 204,
    async () => (await docker(['container', 'rm', '--force', '--volumes', nameOrId])).exitCode === 0,
  );
}

/** Plain removal, as Dokku's retire does: refused while a container or a child image uses it. */
export async function removeImage(id: string): Promise<boolean> {
  return withRef(
    id,
    async (socket, safe) => (await engineRequest(socket, 'DELETE', `/images/${safe}`)).status === 200,
    async () => (await docker(['image', 'rm', id])).exitCode === 0,
  );
}

/**
 * Removes a holding container and the anonymous volumes `docker container create` made for the
 * image's VOLUME declarations, which a plain `rm --force` would leave behind on every release.
 */
export async function removeHoldingContainer(nameOrId: string): Promise<boolean> {
  return removeContainerWithVolumes(nameOrId);
}

export interface LabelledContainer {
  id: string;
  name: string;
  labels: Record<string, string>;
}

/** Containers carrying a label (`key` or `key=value`), with the values of the labels asked for. */
export async function containersWithLabels(filter: string, keys: string[]): Promise<LabelledContainer[]> {
  return either(
    async (socket) => {
      const answer = await engineRequest(socket, 'GET', `/containers/json?all=1&${labelFilters([filter])}`);
      if (answer.status !== 200) throw new Error(engineError(answer));
      const listed = JSON.parse(answer.body) as { Id: string; Names?: string[] | null; Labels?: Record<string, string> | null }[];
      // as the CLI's {{.Names}} prints them: without the leading slash, comma-separated
      return listed.map((container) => ({
        id: container.Id,
        name: (container.Names ?? []).map((name) => name.replace(/^\//, '')).join(','),
        labels: Object.fromEntries(keys.map((key) => [key, container.Labels?.[key] ?? ''])),
      }));
    },
    async () => {
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
    },
  );
}

// ---- Dokku's deployment-task containers --------------------------------------------------------

export interface TaskContainer {
  id: string;
  /** `dokku_phase_script`: predeploy, release, heroku.postdeploy or postdeploy. */
  phase: string;
  running: boolean;
  /** When docker created it (RFC 3339, nanoseconds). */
  created: string;
}

/**
 * The app's deployment-task containers, whatever their state. app-json's executeScript creates
 * each one unnamed, labelled `com.dokku.app-name=<app>` and `dokku_phase_script=<phase>`, and
 * removes it itself once `docker container wait` has returned (dokku-internals.md, section 2).
 */
export async function taskContainers(app: string): Promise<TaskContainer[]> {
  return either(
    async (socket) => {
      const answer = await engineRequest(socket, 'GET', `/containers/json?all=1&${labelFilters([`com.dokku.app-name=${app}`, 'dokku_phase_script'])}`);
      if (answer.status !== 200) throw new Error(engineError(answer));
      const found: TaskContainer[] = [];
      for (const { Id } of JSON.parse(answer.body) as { Id: string }[]) {
        // One that went away between the two requests is simply not there.
        const doc = await inspectDocument(socket, 'containers', Id);
        if (doc === undefined) continue;
        const state = (doc.State ?? {}) as { Running?: unknown };
        found.push({ id: String(doc.Id), created: String(doc.Created), running: state.Running === true, phase: String(config(doc).Labels?.dokku_phase_script ?? '') });
      }
      return found;
    },
    () => taskContainersViaCli(app),
  );
}

async function taskContainersViaCli(app: string): Promise<TaskContainer[]> {
  const listed = await docker(['container', 'ls', '--all', '--quiet', '--no-trunc', '--filter', `label=com.dokku.app-name=${app}`, '--filter', 'label=dokku_phase_script']);
  if (listed.exitCode !== 0) throw new Error(`docker container ls failed: ${lastLine(listed.stderr)}`);
  const ids = listed.stdout.split('\n').map((line) => line.trim()).filter(Boolean);
  if (ids.length === 0) return [];
  const format = '{{json .Id}}\t{{json .Created}}\t{{json .State.Running}}\t{{json (index .Config.Labels "dokku_phase_script")}}';
  const inspected = await docker(['container', 'inspect', '--format', format, ...ids]);
  // One that went away between the two calls is simply not there: inspect prints the others.
  return inspected.stdout
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [id, created, running, phase] = line.split('\t').map((part) => JSON.parse(part) as unknown);
      return { id: String(id), created: String(created), running: running === true, phase: String(phase ?? '') };
    });
}

/** `docker container stop`: SIGTERM, then SIGKILL after Docker's grace period (10 s). */
export async function stopContainer(id: string): Promise<{ ok: boolean; error?: string }> {
  const result = await docker(['container', 'stop', id]);
  return result.exitCode === 0 ? { ok: true } : { ok: false, error: lastLine(result.stderr) || `docker container stop exited with code ${result.exitCode}` };
}

/** What a container printed: its standard output, then its standard error. */
export async function containerLogs(id: string): Promise<string> {
  const result = await docker(['container', 'logs', id]);
  return result.exitCode === 0 ? [result.stdout, result.stderr].filter(Boolean).join('\n') : '';
}

/** Removes a container, as Dokku's cleanupDeploymentContainer does after a task. */
export async function removeContainer(id: string): Promise<boolean> {
  return removeContainerWithVolumes(id);
}

// ---- images from a registry (image deploys, cross-host promotion) ------------------------------

export interface ImageFacts {
  id: string;
  /** `repository@sha256:…` for every registry the image was pushed to or pulled from. */
  repoDigests: string[];
  workingDir: string;
  labels: Record<string, string>;
}

export async function inspectImage(ref: string): Promise<ImageFacts | undefined> {
  return withRef(
    ref,
    async (socket, safe) => {
      const doc = await inspectDocument(socket, 'images', safe);
      if (doc === undefined) return undefined;
      const digests = doc.RepoDigests;
      const { WorkingDir: workingDir, Labels: labels } = config(doc);
      return {
        id: String(doc.Id),
        repoDigests: Array.isArray(digests) ? digests.map(String) : [],
        workingDir: typeof workingDir === 'string' ? workingDir : '',
        labels: labels ?? {},
      };
    },
    () => inspectImageViaCli(ref),
  );
}

async function inspectImageViaCli(ref: string): Promise<ImageFacts | undefined> {
  const result = await docker(['image', 'inspect', '--format', '{{json .Id}}\t{{json .RepoDigests}}\t{{json .Config.WorkingDir}}\t{{json .Config.Labels}}', ref]);
  if (result.exitCode !== 0) return undefined;
  const [id, digests, workingDir, labels] = result.stdout.trim().split('\t').map((part) => JSON.parse(part) as unknown);
  return {
    id: String(id),
    repoDigests: Array.isArray(digests) ? digests.map(String) : [],
    workingDir: typeof workingDir === 'string' ? workingDir : '',
    labels: (labels as Record<string, string> | null) ?? {},
  };
}

/**
 * `docker pull` with the Dokku user's docker config, where `registry:login` keeps the
 * credentials: they never pass through us. Returns docker's last error line on failure.
 */
export async function pullImage(ref: string): Promise<{ ok: boolean; error?: string }> {
  const result = await docker(['image', 'pull', '--quiet', ref]);
  if (result.exitCode === 0) return { ok: true };
  return { ok: false, error: lastLine(result.stderr) || `docker pull exited with code ${result.exitCode}` };
}

/** `docker push`; the digest the registry answered with, from docker's own output. */
export async function pushImage(ref: string): Promise<{ ok: boolean; digest?: string; error?: string }> {
  const result = await docker(['image', 'push', ref]);
  if (result.exitCode !== 0) return { ok: false, error: lastLine(result.stderr) || `docker push exited with code ${result.exitCode}` };
  const digest = /digest: (sha256:[a-f0-9]{64})/.exec(result.stdout)?.[1];
  return digest ? { ok: true, digest } : { ok: false, error: 'docker push did not report a digest' };
}

/**
 * A file of an image (relative paths are read from its WORKDIR), as Dokku's CopyFromImage reads
 * a Procfile or app.json from an image: through a created, never-started container labelled for
 * the app, so Dokku's cleanup removes it should we die first. undefined when the file is absent.
 */
export async function readFileFromImage(app: string, image: string, workingDir: string, file: string, scratchDir: string): Promise<string | undefined> {
  const created = await docker(['container', 'create', '--label', `com.dokku.app-name=${app}`, '--label', 'dokku', '--network', 'none', '--entrypoint', '/ownstack-read-file', image]);
  if (created.exitCode !== 0) throw new Error(`docker container create failed: ${lastLine(created.stderr)}`);
  const id = created.stdout.trim();
  try {
    const source = file.startsWith('/') ? file : `${(workingDir || '/').replace(/\/+$/, '')}/${file}`;
    const target = `${scratchDir}/${file.replace(/[^A-Za-z0-9.]/g, '_')}`;
    const copied = await docker(['container', 'cp', `${id}:${source}`, target]);
    if (copied.exitCode !== 0) return undefined;
    try {
      return fs.readFileSync(target, 'utf8');
    } catch {
      return undefined; // a directory or something else that is not a readable file
    }
  } finally {
    await docker(['container', 'rm', '--force', '--volumes', id]);
  }
}

const lastLine = (text: string) => text.trim().split('\n').pop()?.trim() ?? '';
