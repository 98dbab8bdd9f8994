import fs from 'node:fs';
import os from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { spawnDetachedSelf } from '../../src/lib/dokku/detached.js';

// A real detached child (this same executable: node here, build/ownstack on a host). What a
// background sender must be: out of our session, and at the lowest priority both as a process and,
// where the kernel groups sessions for the scheduler (sched_autogroup), as a group.

const started: number[] = [];
afterEach(() => {
  for (const pid of started.splice(0)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});

// Kernels built with CONFIG_SCHED_AUTOGROUP (Debian's and Ubuntu's) have this file.
const kernelHasAutogroups = fs.existsSync('/proc/self/autogroup');

describe('spawnDetachedSelf', () => {
  it('starts a child in its own session at nice 19, and its autogroup at nice 19 where the kernel has autogroups', () => {
    const pid = spawnDetachedSelf(['-e', 'setTimeout(() => undefined, 20000)']);
    expect(pid).toBeTypeOf('number');
    started.push(pid!);

    expect(os.getPriority(pid!)).toBe(19);
    // field 6 of /proc/PID/stat is the session ID: the child leads its own
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const session = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[3]);
    expect(session).toBe(pid);

    if (kernelHasAutogroups) {
      const childGroup = fs.readFileSync(`/proc/${pid}/autogroup`, 'utf8').trim();
      const ourGroup = fs.readFileSync('/proc/self/autogroup', 'utf8').trim();
      expect(childGroup).toMatch(/ nice 19$/);
      expect(childGroup.split(' ')[0]).not.toBe(ourGroup.split(' ')[0]);
    }
  });
});
