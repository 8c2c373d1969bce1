import { describe, expect, it } from 'vitest';
import { createRateLimiter } from '../../../src/api/rate-limit.js';
import { loadConfig } from '../../../src/config.js';
import { FakeClock } from '../../../src/runtime/clock.js';

const config = (env: Record<string, string>) =>
  loadConfig({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 'secret', ...env });

describe('API rate limit', () => {
  it('a burst at once, then one per refill interval, with the seconds to wait; buckets apart per key', () => {
    const clock = new FakeClock();
    const limiter = createRateLimiter({ perMinute: 30, burst: 2 }, clock);
    expect([limiter.take('a'), limiter.take('a'), limiter.take('a')]).toEqual([0, 0, 2]);
    expect(limiter.take('b')).toBe(0);
    clock.advance(1000);
    expect(limiter.take('a')).toBe(1);
    clock.advance(1000);
    expect(limiter.take('a')).toBe(0);
    // Idle for long: refilled to the burst, no more.
    clock.advance(600_000);
    expect([limiter.take('a'), limiter.take('a'), limiter.take('a')]).toEqual([0, 0, 2]);
    // A clock set back neither refills nor drains.
    clock.advance(-60_000);
    expect(limiter.take('a')).toBe(2);
  });

  it('API_RATE_LIMIT: default 600 a minute with a burst of 100; `rate:burst`; 0 = off; nonsense refused', () => {
    expect(config({}).API_RATE_LIMIT).toEqual({ perMinute: 600, burst: 100 });
    expect(config({ API_RATE_LIMIT: '120:5' }).API_RATE_LIMIT).toEqual({ perMinute: 120, burst: 5 });
    expect(config({ API_RATE_LIMIT: '0' }).API_RATE_LIMIT).toBeUndefined();
    expect(() => config({ API_RATE_LIMIT: 'lots' })).toThrow(/API_RATE_LIMIT/);
  });
});
