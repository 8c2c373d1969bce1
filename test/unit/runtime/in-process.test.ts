import { describe, expect, it } from 'vitest';
import { createInProcess } from '../../../src/runtime/in-process.js';

const later = <T>(value: T, ms = 20) => new Promise<T>((r) => setTimeout(() => r(value), ms));

describe('in-process coordination (per app)', () => {
  it('a second call for the same key joins the running one; another key or another app does not', async () => {
    const a = createInProcess();
    const b = createInProcess();
    let runs = 0;
    const work = () => {
      runs++;
      return later(runs);
    };
    const [first, joined, otherKey, otherApp] = await Promise.all([
      a.join('effect', 'k', work),
      a.join('effect', 'k', work),
      a.join('effect', 'other', work),
      b.join('effect', 'k', work),
    ]);
    expect(joined).toBe(first);
    expect(runs).toBe(3);
    expect(new Set([first, otherKey, otherApp]).size).toBe(3);
    // Finished: the next call runs again.
    await a.join('effect', 'k', work);
    expect(runs).toBe(4);
  });

  it('serial calls for one key run one after another, a failure does not block the next', async () => {
    const q = createInProcess();
    const order: string[] = [];
    const step =
      (name: string, ms: number, fail = false) =>
      async () => {
        order.push(`start ${name}`);
        await later(null, ms);
        order.push(`end ${name}`);
        if (fail) throw new Error(name);
      };
    await Promise.allSettled([
      q.serial('surfaces', 1, step('a', 30, true)),
      q.serial('surfaces', 1, step('b', 5)),
    ]);
    expect(order).toEqual(['start a', 'end a', 'start b', 'end b']);
  });
});
