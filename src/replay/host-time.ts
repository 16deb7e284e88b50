/**
 * The only place rvrr reads host time (design invariant 1). Used for the idle warp of a live
 * interactive session (logged, so replay never reads it), for cooperative yielding and for
 * throttling progress reports — never for anything that changes guest state unlogged.
 */
import { performance } from 'node:perf_hooks';

/** Host monotonic time in milliseconds (fractional). */
export function hostNowMs(): number {
  return performance.now();
}

/** Let the Node event loop run (sockets, Ctrl-C) before continuing. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Wait up to `ms` of host time, or less when `wake` is triggered (input arrived, interrupt).
 * Returns the host milliseconds actually waited.
 */
export function waitHost(ms: number, wake: { onWake: (() => void) | null }): Promise<number> {
  const start = hostNowMs();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      wake.onWake = null;
      resolve(hostNowMs() - start);
    };
    const timer = setTimeout(done, Math.max(0, Math.min(ms, 2 ** 31 - 1)));
    wake.onWake = done;
  });
}
