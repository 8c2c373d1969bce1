/** Time is injected: domain code asks the clock, tests move a fake one. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** A clock that only moves when told to; for tests, the demo and benchmarks. */
export class FakeClock implements Clock {
  private t: number;
  constructor(start: Date | string | number = '2026-11-23T09:00:00.000Z') {
    this.t = new Date(start).getTime();
  }
  now(): Date {
    return new Date(this.t);
  }
  set(to: Date | string | number): void {
    this.t = new Date(to).getTime();
  }
  advance(ms: number): void {
    this.t += ms;
  }
}
