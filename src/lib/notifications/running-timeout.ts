// The sender runs at nice 19 (dokku/detached.ts), so on a busy host it may get no CPU for
// seconds at a time. A wall-clock timeout (AbortSignal.timeout) then measures our own starvation,
// not the receiver: the receiver answers in a millisecond, the answer waits in our socket while
// we are not scheduled, and the timer, run first when we are, aborts a request that succeeded.
// The retry then delivers the event a second time (measured: 8 nice-0 busy loops on 2 cores made
// a nice-19 fetch to a local listener time out at 5 s with the listener's answer already sent).
//
// So the receiver's time is counted in small ticks, each worth at most its own period: while we
// are starved the clock barely moves, while we run it keeps wall time. And the abort itself waits
// for the next check phase, after the poll phase has read whatever answer has arrived.

const TICK_MS = 100;

/** An AbortSignal that fires after `budgetMs` of time in which this process was running. */
export function runningTimeSignal(budgetMs: number): { signal: AbortSignal; clear(): void } {
  const controller = new AbortController();
  let counted = 0;
  let last = Date.now();
  let pending: NodeJS.Immediate | undefined;
  const timer = setInterval(() => {
    const now = Date.now();
    counted += Math.min(now - last, TICK_MS * 2);
    last = now;
    if (counted < budgetMs || pending) return;
    pending = setImmediate(() => {
      clearInterval(timer);
      controller.abort(new DOMException(`no answer within ${budgetMs / 1000} s`, 'TimeoutError'));
    });
  }, TICK_MS);
  timer.unref();
  return {
    signal: controller.signal,
    clear() {
      clearInterval(timer);
      if (pending) clearImmediate(pending);
    },
  };
}
