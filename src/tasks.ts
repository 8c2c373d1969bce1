/**
 * Work that runs after a request was answered (Slack side effects, slow follow-ups).
 * Every such promise is tracked, so SIGTERM can wait for it and tests can await quiescence,
 * and every failure reaches the logger instead of vanishing.
 */
export interface Tasks {
  defer(label: string, fn: () => Promise<unknown>): void;
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
    async idle() {
      while (running.size > 0) await Promise.allSettled([...running]);
    },
    get inFlight() {
      return running.size;
    },
  };
}
