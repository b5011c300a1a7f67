// Abortable waiting shared by the client (retry backoff) and the task poller (poll intervals, budgets).

/** The reason to reject with when a signal fired (DOMException AbortError unless the caller gave one). */
export function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('This operation was aborted', 'AbortError');
}

/**
 * The longest delay a Node timer holds: a longer one fires after 1 ms (TimeoutOverflowWarning), which would turn
 * every wait into a busy loop. Every timer of the action goes through `timerMs`.
 */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** A delay a timer can hold: finite, at least 0, at most MAX_TIMER_MS. */
export const timerMs = (ms: number): number => (Number.isFinite(ms) ? Math.min(Math.max(0, ms), MAX_TIMER_MS) : MAX_TIMER_MS);

/** Resolves after `ms`, or rejects with the signal's reason as soon as it aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(abortReason(signal));
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(abortReason(signal!));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, timerMs(ms));
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * A signal that aborts when any input does (AbortSignal.any is missing on early Node 20 releases).
 * `dispose` detaches the listeners so long-lived caller signals do not accumulate them.
 */
export function anySignal(signals: (AbortSignal | undefined)[]): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController();
  const inputs = signals.filter((s): s is AbortSignal => s !== undefined);
  const detach: (() => void)[] = [];
  for (const s of inputs) {
    if (s.aborted) {
      controller.abort(s.reason);
      break;
    }
    const onAbort = (): void => controller.abort(s.reason);
    s.addEventListener('abort', onAbort, { once: true });
    detach.push(() => s.removeEventListener('abort', onAbort));
  }
  return { signal: controller.signal, dispose: () => detach.forEach((d) => d()) };
}

/** Milliseconds on a monotonic clock, for durations (the `performance` global loads perf_hooks on first use: start-up time). */
export function monotonicMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}
