import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../../src/runtime/clock.js';

/** FakeClock.sleep: waits on the fake clock end without real time passing, in the order they end. */
describe('FakeClock.sleep', () => {
  it('moves the clock to the end of the wait once the current turn is done, costing no real time', async () => {
    const clock = new FakeClock('2026-11-23T09:00:00Z');
    const real = performance.now();
    let woke = false;
    const wait = clock.sleep(60_000).then(() => {
      woke = true;
    });
    // Work started in the same turn runs before the clock moves.
    expect(woke).toBe(false);
    expect(clock.now().toISOString()).toBe('2026-11-23T09:00:00.000Z');
    await wait;
    expect(clock.now().toISOString()).toBe('2026-11-23T09:01:00.000Z');
    expect(performance.now() - real).toBeLessThan(1000);
  });

  it('ends concurrent waits in the order they end, each at its own time', async () => {
    const clock = new FakeClock(0);
    const seen: [string, number][] = [];
    const at = (name: string, ms: number) =>
      clock.sleep(ms).then(() => {
        seen.push([name, clock.now().getTime()]);
      });
    await Promise.all([at('long', 3000), at('short', 1000), at('same', 1000)]);
    expect(seen).toEqual([
      ['short', 1000],
      ['same', 1000],
      ['long', 3000],
    ]);
  });

  it('ends a wait early when the test moves the clock past it, and never moves the clock back', async () => {
    const clock = new FakeClock(0);
    const wait = clock.sleep(1000);
    clock.advance(5000);
    await wait;
    expect(clock.now().getTime()).toBe(5000);
  });
});
