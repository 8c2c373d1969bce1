/** Time is injected: domain code asks the clock, tests move a fake one. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/**
 * Waiting for a while, as opposed to reading the time: what Slack's Retry-After is waited out on
 * (src/slack/rate-gate.ts). Production waits in real time; tests pass a FakeClock, whose waits cost no
 * real time, so a 429 is proven to be waited out without the test waiting a real second.
 */
export interface Waits extends Clock {
  sleep(ms: number): Promise<void>;
}

export const realWaits: Waits = {
  now: () => new Date(),
  sleep: (ms) => new Promise<void>((r) => setTimeout(r, ms)),
};

/** A clock that only moves when told to; for tests, the demo and benchmarks. */
export class FakeClock implements Waits {
  private t: number;
  /** Pending `sleep`s: each ends when the clock reaches `due`. */
  private sleepers: { due: number; wake: () => void }[] = [];
  private draining = false;
  constructor(start: Date | string | number = '2026-11-23T09:00:00.000Z') {
    this.t = new Date(start).getTime();
  }
  now(): Date {
    return new Date(this.t);
  }
  set(to: Date | string | number): void {
    this.t = new Date(to).getTime();
    this.wake();
  }
  advance(ms: number): void {
    this.t += ms;
    this.wake();
  }
  /**
   * Resolves once this clock has moved `ms` on. Nobody has to move it: once the current turn of the
   * event loop is done (the work the sleeper's caller started meanwhile has run as far as it can
   * without waiting), the clock jumps to the end of the earliest pending sleep, as real time would
   * have passed. Sleeps ending at the same time end together, in the order they began.
   */
  sleep(ms: number): Promise<void> {
    return new Promise<void>((wake) => {
      this.sleepers.push({ due: this.t + Math.max(0, ms), wake });
      this.drainSoon();
    });
  }
  private wake(): void {
    const due = this.sleepers.filter((s) => s.due <= this.t);
    if (due.length === 0) return;
    this.sleepers = this.sleepers.filter((s) => s.due > this.t);
    for (const s of due) s.wake();
  }
  private drainSoon(): void {
    if (this.draining) return;
    this.draining = true;
    setImmediate(() => {
      this.draining = false;
      if (this.sleepers.length === 0) return;
      const next = Math.min(...this.sleepers.map((s) => s.due));
      if (next > this.t) this.t = next;
      this.wake();
      if (this.sleepers.length > 0) this.drainSoon();
    });
  }
}
