/**
 * Work that runs after a request was answered (Slack side effects, slow follow-ups).
 * Every such promise is tracked, so SIGTERM can wait for it and tests can await quiescence,
 * and every failure reaches the logger instead of vanishing.
 */
export interface Tasks {
  defer(label: string, fn: () => Promise<unknown>): void;
  /**
   * Runs `fn` now, tracked like deferred work (idle() and shutdown wait for it), and returns its
   * result; unlike defer, a failure goes to the caller. Used for Events API listeners, which Bolt
   * runs after the 2xx, outside any request.
   */
  track<T>(fn: () => Promise<T>): Promise<T>;
  /** Resolves when nothing is in flight (including work deferred by work in flight). */
  idle(): Promise<void>;
  readonly inFlight: number;
}

export function createTasks(onError: (label: string, error: unknown) => void): Tasks {
  const running = new Set<Promise<unknown>>();
  return {
    defer(label, fn) {
      const p = (async () => {
        try {
          await fn();
        } catch (e) {
          onError(label, e);
        }
      })();
      running.add(p);
      void p.finally(() => running.delete(p));
    },
    track(fn) {
      const p = fn();
      const settled = p.then(
        () => {},
        () => {},
      );
      running.add(settled);
      void settled.finally(() => running.delete(settled));
      return p;
    },
    async idle() {
      while (running.size > 0) await Promise.allSettled([...running]);
    },
    get inFlight() {
      return running.size;
    },
  };
}

/**
 * At most `limit` calls of run() at a time; the rest wait in arrival order. Bounds how much work a
 * burst of events can start at once, so the CPU stays free to acknowledge new requests.
 */
export function createLimiter(limit: number): {
  run<T>(fn: () => Promise<T>): Promise<T>;
  readonly waiting: number;
} {
  let active = 0;
  const queue: (() => void)[] = [];
  const release = () => {
    active--;
    queue.shift()?.();
  };
  return {
    async run(fn) {
      if (active >= limit) await new Promise<void>((r) => queue.push(r));
      active++;
      try {
        return await fn();
      } finally {
        release();
      }
    },
    get waiting() {
      return queue.length;
    },
  };
}
