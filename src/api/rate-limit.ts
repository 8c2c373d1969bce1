import type { Clock } from '../runtime/clock.js';

/**
 * A token bucket per bearer token: `burst` requests at once, refilled at `perMinute` a minute. Time
 * comes from the app's clock so tests move it instead of sleeping. The buckets are in memory: a
 * restart forgives, which is fine for a limit meant to stop a runaway script, not to bill anyone.
 */
export interface RateLimit {
  perMinute: number;
  burst: number;
}

export interface RateLimiter {
  /** Takes one request from `key`'s bucket: 0 if allowed, else the whole seconds until one is. */
  take(key: string): number;
}

export function createRateLimiter(limit: RateLimit, clock: Clock): RateLimiter {
  const perMs = limit.perMinute / 60_000;
  const buckets = new Map<string, { tokens: number; at: number }>();
  return {
    take(key) {
      const now = clock.now().getTime();
      const b = buckets.get(key) ?? { tokens: limit.burst, at: now };
      // A clock set backwards (tests, NTP) must not drain the bucket: no refill, no debt.
      b.tokens = Math.min(limit.burst, b.tokens + Math.max(0, now - b.at) * perMs);
      b.at = now;
      buckets.set(key, b);
      if (b.tokens >= 1) {
        b.tokens -= 1;
        return 0;
      }
      return Math.max(1, Math.ceil((1 - b.tokens) / perMs / 1000));
    },
  };
}
