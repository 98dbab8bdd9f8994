import * as docker from '../dokku/docker.js';

// An abandoned deploy stops Dokku's process group, but a deployment task (predeploy, the Procfile
// release task, Heroku's postdeploy) runs in a container of its own that Dokku started and waits
// for: killing Dokku's waiting `docker container wait` leaves the container running, and nobody
// removes it afterwards. So the deploy that abandons stops and removes the task containers it
// started, and keeps what they printed in its deploy log.

/** The tasks app-json runs before the traffic switch (dokku-internals.md, section 2). */
const PHASES_BEFORE_SWITCH = new Set(['predeploy', 'release', 'heroku.postdeploy']);

export interface TaskContainerSeam {
  taskContainers: typeof docker.taskContainers;
  stopContainer: typeof docker.stopContainer;
  containerLogs: typeof docker.containerLogs;
  removeContainer: typeof docker.removeContainer;
}

const defaultSeam: TaskContainerSeam = {
  taskContainers: docker.taskContainers,
  stopContainer: docker.stopContainer,
  containerLogs: docker.containerLogs,
  removeContainer: docker.removeContainer,
};

/**
 * The containers of this deploy's own tasks: a pre-switch phase, created once Dokku's part had
 * started. Older ones are not ours to stop (config:set's redeploy takes no deploy lock).
 */
export function tasksStartedSince(containers: docker.TaskContainer[], since: Date): docker.TaskContainer[] {
  return containers.filter((container) => PHASES_BEFORE_SWITCH.has(container.phase) && createdAtOrAfter(container.created, since));
}

/** Docker's `Created` has nanoseconds; a Date has milliseconds. Unparseable: not ours. */
function createdAtOrAfter(created: string, since: Date): boolean {
  const match = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$/.exec(created);
  if (!match) return false;
  const millis = Date.parse(`${match[1]}.${(match[2] ?? '').padEnd(3, '0').slice(0, 3)}${match[3]}`);
  return Number.isFinite(millis) && millis >= Math.floor(since.getTime());
}

/**
 * Stops and removes the task containers the abandoned deploy of APP started (Dokku's part began
 * at SINCE). Returns the lines for its deploy log: each task, and what it printed until stopped.
 */
export async function stopAbandonedTasks(app: string, since: Date, seam: TaskContainerSeam = defaultSeam): Promise<string[]> {
  let containers: docker.TaskContainer[];
  try {
    containers = tasksStartedSince(await seam.taskContainers(app), since);
  } catch (error) {
    return [` !     Could not list the deployment-task containers of ${app}: ${(error as Error).message.split('\n')[0]}`];
  }
  const lines: string[] = [];
  for (const container of containers) {
    const short = container.id.slice(0, 9);
    if (container.running) {
      const stopped = await seam.stopContainer(container.id);
      if (!stopped.ok) {
        lines.push(` !     Could not stop the ${container.phase} task (${short}) of ${app}: ${stopped.error}`);
        continue;
      }
      lines.push(`-----> Stopped the ${container.phase} task (${short}) of ${app}: its deploy was abandoned`);
    }
    const output = (await seam.containerLogs(container.id)).replace(/\n+$/, '');
    lines.push(`=====> Start of ${app} ${container.phase} task (${short}) output`);
    if (output) lines.push(...output.split('\n').map((line) => `       ${line}`));
    lines.push(`=====> End of ${app} ${container.phase} task (${short}) output`);
    if (!(await seam.removeContainer(container.id))) lines.push(` !     Could not remove the ${container.phase} task container (${short}) of ${app}`);
  }
  return lines;
}
