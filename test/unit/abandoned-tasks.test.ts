import { describe, expect, it } from 'vitest';
import { stopAbandonedTasks, tasksStartedSince, type TaskContainerSeam } from '../../src/lib/deploy/abandoned-tasks.js';
import type { TaskContainer } from '../../src/lib/dokku/docker.js';

// The task containers an abandoned deploy leaves behind: which are its own, and what is done with
// them (stopped, their output kept for the deploy log, removed).

const since = new Date('2026-12-03T14:00:00.250Z');
const task = (id: string, phase: string, created: string, running = true): TaskContainer => ({ id, phase, created, running });

describe('tasksStartedSince', () => {
  it('keeps the pre-switch tasks created once Dokku started, to the millisecond, whatever docker\'s precision', () => {
    const containers = [
      task('a'.repeat(64), 'release', '2026-12-03T14:00:00.250000001Z'),
      task('b'.repeat(64), 'predeploy', '2026-12-03T14:00:01Z'),
      task('c'.repeat(64), 'heroku.postdeploy', '2026-12-03T14:00:00.9Z'),
      task('d'.repeat(64), 'release', '2026-12-03T14:00:00.249999999Z'), // a moment before: an older deploy's
      task('e'.repeat(64), 'postdeploy', '2026-12-03T14:00:02Z'), // after the traffic switch: never abandoned
      task('f'.repeat(64), 'release', 'yesterday'),
      task('g'.repeat(64), 'release', '2026-12-03T15:00:00.5+01:00'), // the same instant as since + 250 ms
    ];
    expect(tasksStartedSince(containers, since).map((container) => container.id[0])).toEqual(['a', 'b', 'c', 'g']);
  });
});

describe('stopAbandonedTasks', () => {
  const stand = (containers: TaskContainer[], overrides: Partial<TaskContainerSeam> = {}) => {
    const calls: string[] = [];
    const seam: TaskContainerSeam = {
      taskContainers: async (app) => {
        calls.push(`list ${app}`);
        return containers;
      },
      stopContainer: async (id) => {
        calls.push(`stop ${id.slice(0, 4)}`);
        return { ok: true };
      },
      containerLogs: async (id) => {
        calls.push(`logs ${id.slice(0, 4)}`);
        return 'migrating 1 of 3\nmigrating 2 of 3\n';
      },
      removeContainer: async (id) => {
        calls.push(`rm ${id.slice(0, 4)}`);
        return true;
      },
      ...overrides,
    };
    return { calls, seam };
  };

  it('stops a running task first, keeps its output, then removes it; an ended one is only removed', async () => {
    const { calls, seam } = stand([
      task('1234567890ab', 'release', '2026-12-03T14:00:01Z'),
      task('abcd12345678', 'predeploy', '2026-12-03T14:00:00.5Z', false),
      task('ffff00000000', 'release', '2026-12-03T13:59:59Z'),
    ]);
    const lines = await stopAbandonedTasks('web', since, seam);
    expect(calls).toEqual(['list web', 'stop 1234', 'logs 1234', 'rm 1234', 'logs abcd', 'rm abcd']);
    expect(lines).toEqual([
      '-----> Stopped the release task (123456789) of web: its deploy was abandoned',
      '=====> Start of web release task (123456789) output',
      '       migrating 1 of 3',
      '       migrating 2 of 3',
      '=====> End of web release task (123456789) output',
      '=====> Start of web predeploy task (abcd12345) output',
      '       migrating 1 of 3',
      '       migrating 2 of 3',
      '=====> End of web predeploy task (abcd12345) output',
    ]);
  });

  it('a task docker cannot stop is named and left in place', async () => {
    const { calls, seam } = stand([task('1234567890ab', 'release', '2026-12-03T14:00:01Z')], {
      stopContainer: async () => ({ ok: false, error: 'Cannot connect to the Docker daemon' }),
    });
    expect(await stopAbandonedTasks('web', since, seam)).toEqual([' !     Could not stop the release task (123456789) of web: Cannot connect to the Docker daemon']);
    expect(calls).toEqual(['list web']);
  });

  it('a failure to list is one line, not a crash', async () => {
    const { seam } = stand([], {
      taskContainers: async () => {
        throw new Error('docker container ls failed: permission denied\nmore');
      },
    });
    expect(await stopAbandonedTasks('web', since, seam)).toEqual([' !     Could not list the deployment-task containers of web: docker container ls failed: permission denied']);
  });

  it('no task of its own: nothing to do, nothing said', async () => {
    const { calls, seam } = stand([task('ffff00000000', 'release', '2026-12-03T13:59:59Z')]);
    expect(await stopAbandonedTasks('web', since, seam)).toEqual([]);
    expect(calls).toEqual(['list web']);
  });
});
