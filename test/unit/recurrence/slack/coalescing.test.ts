import { describe, expect, it } from 'vitest';
import { coalescing } from '../../../../src/recurrence/slack/events.js';

describe('coalescing re-checks', () => {
  it('runs a burst as one run plus one trailing run that sees the latest context', async () => {
    const seen: string[] = [];
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const look = coalescing<string>(async (id, ctx) => {
      seen.push(`${id}:${ctx}`);
      if (seen.length === 1) await gate;
    }, 0);
    const calls = [look(1, 'a'), look(1, 'b'), look(1, 'c'), look(2, 'x')];
    release();
    await Promise.all(calls);
    expect(seen).toEqual(['1:a', '2:x', '1:c']);
    // Idle again: the next change runs at once.
    await look(1, 'd');
    expect(seen.at(-1)).toBe('1:d');
  });

  it('starts the queued run no sooner than the gap after the previous start', async () => {
    const starts: number[] = [];
    const look = coalescing<null>(async () => {
      starts.push(Date.now());
    }, 150);
    await look(1, null);
    await Promise.all([look(1, null), look(1, null), look(1, null)]);
    const [, second = 0, third = 0] = starts;
    expect(starts).toHaveLength(3);
    expect(third - second).toBeGreaterThanOrEqual(140);
  });

  it('with a quiet period, a burst of notes is one look after the burst, seeing the last one', async () => {
    const seen: string[] = [];
    const look = coalescing<string>(async (id, ctx) => {
      seen.push(`${id}:${ctx}`);
    }, 0);
    const calls = ['a', 'b', 'c', 'd'].map((ctx) => look(1, ctx, 30));
    // Nothing runs while the burst is still arriving.
    expect(seen).toEqual([]);
    await Promise.all(calls);
    expect(seen).toEqual(['1:d']);
  });
});
