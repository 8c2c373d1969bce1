/**
 * Work this app is doing right now, so calls for the same thing join or queue behind the running
 * one (one keyed effect at a time, one surface refresh per incident at a time). It lives in what
 * createDeps builds, never at module level: two apps in one process (tests, the demo) share nothing.
 */
export interface InProcess {
  /** The running call for `scope`/`key`, if any. */
  current<T>(scope: string, key: string | number): Promise<T> | undefined;
  /** Runs `fn` unless a call for `scope`/`key` is running; then answers with that call's result. */
  join<T>(scope: string, key: string | number, fn: () => Promise<T>): Promise<T>;
  /** Runs `fn` after every earlier call for `scope`/`key` has finished (a failure does not block the next). */
  serial<T>(scope: string, key: string | number, fn: () => Promise<T>): Promise<T>;
}

export function createInProcess(): InProcess {
  const running = new Map<string, Promise<unknown>>();
  const queues = new Map<string, Promise<unknown>>();
  return {
    current<T>(scope: string, key: string | number) {
      return running.get(`${scope}:${key}`) as Promise<T> | undefined;
    },
    async join<T>(scope: string, key: string | number, fn: () => Promise<T>) {
      const k = `${scope}:${key}`;
      const current = running.get(k);
      if (current !== undefined) return (await current) as T;
      const p = fn();
      running.set(k, p);
      try {
        return await p;
      } finally {
        running.delete(k);
      }
    },
    serial<T>(scope: string, key: string | number, fn: () => Promise<T>) {
      const k = `${scope}:${key}`;
      const next = (queues.get(k) ?? Promise.resolve()).catch(() => {}).then(fn);
      const tail = next.catch(() => {});
      queues.set(k, tail);
      void tail.then(() => {
        if (queues.get(k) === tail) queues.delete(k);
      });
      return next;
    },
  };
}
