import { describe, expect, it } from 'vitest';
import { runningTimeSignal } from '../../src/lib/notifications/running-timeout.js';

// The notification sender's timeout counts the time it runs, not the time a busy host keeps it
// waiting for CPU (running-timeout.ts): a starved sender must not abort an answer that arrived.

const busyFor = (ms: number) => {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    // a process that gets no CPU looks like this from the inside: time passes, no callback runs
  }
};
const turn = () => new Promise<void>((resolve) => setTimeout(() => setImmediate(resolve), 0));

describe('runningTimeSignal', () => {
  it('does not count a stall longer than the budget as the receiver taking that long', async () => {
    const timeout = runningTimeSignal(500);
    busyFor(1500);
    await turn();
    await turn();
    expect(timeout.signal.aborted).toBe(false);
    timeout.clear();
  });

  it('fires with a TimeoutError once the budget has passed while the process ran', async () => {
    const timeout = runningTimeSignal(300);
    const reason = await new Promise<unknown>((resolve) => timeout.signal.addEventListener('abort', () => resolve(timeout.signal.reason)));
    expect((reason as DOMException).name).toBe('TimeoutError');
    expect((reason as DOMException).message).toBe('no answer within 0.3 s');
  });

  it('clear() stops it: a delivered answer is never aborted afterwards', async () => {
    const timeout = runningTimeSignal(100);
    timeout.clear();
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(timeout.signal.aborted).toBe(false);
  });
});
