import { afterEach, describe, expect, it } from 'vitest';
import { WS } from '../../../sim/api.js';
import { METHOD_TIERS, POST_MESSAGE_LIMIT, RateLimiter, TIER_PER_MINUTE } from '../../../sim/rate-limits.js';
import { type SimulatorImpl, startSimulator } from '../../../sim/web-api.js';
import { FakeClock } from '../../../src/runtime/clock.js';

/**
 * Rule 5 of issue 11: Slack's per-method rate tiers (https://api.slack.com/docs/rate-limits), answered
 * with HTTP 429 and Retry-After when a test switches them on.
 */

let sim: SimulatorImpl | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

async function call(method: string, args: Record<string, string>) {
  if (!sim) throw new Error('no simulator');
  const res = await fetch(`${sim.apiUrl}${method}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${sim.token}` },
    body: new URLSearchParams(args),
  });
  return {
    status: res.status,
    retryAfter: res.headers.get('retry-after'),
    body: (await res.json()) as Record<string, unknown>,
  };
}

describe('the tier table', () => {
  it('gives every method the simulator implements a tier and the page that states it', () => {
    for (const [method, { tier, doc }] of Object.entries(METHOD_TIERS)) {
      expect(doc).toBe(`https://api.slack.com/methods/${method}`);
      expect([1, 2, 3, 4, 'special']).toContain(tier);
    }
    expect(TIER_PER_MINUTE).toEqual({ 1: 1, 2: 20, 3: 50, 4: 100 });
    expect(METHOD_TIERS['conversations.create']?.tier).toBe(2);
    expect(METHOD_TIERS['conversations.replies']?.tier).toBe(3);
    expect(METHOD_TIERS['views.open']?.tier).toBe(4);
    expect(METHOD_TIERS['chat.postMessage']?.tier).toBe('special');
  });
});

describe('RateLimiter', () => {
  it('admits a tier-2 method 20 times a minute, then names the seconds until a slot frees', () => {
    let now = 0;
    const limiter = new RateLimiter({ now: () => now });
    for (let i = 0; i < 20; i++) {
      expect(limiter.take('pins.add', {})).toBeUndefined();
      now += 1000;
    }
    // The first call was at 0 s; it leaves the window at 60 s; it is now 20 s.
    expect(limiter.take('pins.add', {})).toBe(40);
    // Other methods have their own budget (limits are per method).
    expect(limiter.take('chat.update', {})).toBeUndefined();
    now = 60_000;
    expect(limiter.take('pins.add', {})).toBeUndefined();
  });

  it('lets chat.postMessage burst a little per channel, then one a second, each channel apart', () => {
    let now = 0;
    const limiter = new RateLimiter({ now: () => now });
    for (let i = 0; i < POST_MESSAGE_LIMIT.burst; i++)
      expect(limiter.take('chat.postMessage', { channel: 'C1' })).toBeUndefined();
    expect(limiter.take('chat.postMessage', { channel: 'C1' })).toBe(1);
    expect(limiter.take('chat.postMessage', { channel: 'C2' })).toBeUndefined();
    now += 1000;
    expect(limiter.take('chat.postMessage', { channel: 'C1' })).toBeUndefined();
    expect(limiter.take('chat.postMessage', { channel: 'C1' })).toBe(1);
  });

  it('plays Slack’s minute faster with a time scale', () => {
    let now = 0;
    const limiter = new RateLimiter({ now: () => now, timeScale: 10 });
    for (let i = 0; i < 20; i++) expect(limiter.take('users.list', {})).toBeUndefined();
    expect(limiter.take('users.list', {})).toBe(6);
    now = 6_000;
    expect(limiter.take('users.list', {})).toBeUndefined();
  });

  it('on Slack’s clock, counts a minute of that clock however slowly the calls run, and opens once Retry-After has passed', () => {
    let real = 0;
    let slack = 0;
    const limiter = new RateLimiter({ now: () => real, slackNow: () => slack, timeScale: 10 });
    // 20 calls 2 Slack seconds apart, each taking a whole real second (a loaded machine): real time
    // alone (20 s × 10 = 200 Slack s) would spread them over three Slack minutes.
    for (let i = 0; i < 20; i++) {
      expect(limiter.take('users.list', {})).toBeUndefined();
      slack += 2000;
      real += 1000;
    }
    // The first call leaves Slack's window at 60 s; it is 40 s: 20 Slack s, told as 2 real s.
    expect(limiter.take('users.list', {})).toBe(2);
    // The scenario's clock stands still: until the 2 real s have passed, Slack's time has not moved;
    // once they have (the bot waited as told), it has moved on by the wait.
    real += 1999;
    expect(limiter.take('users.list', {})).toBe(2);
    real += 1;
    expect(limiter.take('users.list', {})).toBeUndefined();
    expect(limiter.take('users.list', {})).toBe(1);
  });

  it('on Slack’s clock, chat.postMessage’s per-channel second is Slack’s second too', () => {
    let real = 0;
    let slack = 0;
    const limiter = new RateLimiter({ now: () => real, slackNow: () => slack, timeScale: 10 });
    for (let i = 0; i < POST_MESSAGE_LIMIT.burst; i++)
      expect(limiter.take('chat.postMessage', { channel: 'C1' })).toBeUndefined();
    real += 10_000;
    expect(limiter.take('chat.postMessage', { channel: 'C1' })).toBe(1);
    slack += 1000;
    expect(limiter.take('chat.postMessage', { channel: 'C1' })).toBeUndefined();
  });

  it('does not limit special methods without a published figure', () => {
    const limiter = new RateLimiter({ now: () => 0 });
    for (let i = 0; i < 500; i++) expect(limiter.take('auth.test', {})).toBeUndefined();
  });
});

describe('the simulator with rate limits on', () => {
  it('answers 429 with Retry-After over a method’s tier, and does nothing', async () => {
    sim = await startSimulator({ clock: new FakeClock(), rateLimits: true });
    // The bot starts in no channel; setting a topic needs membership.
    await call('conversations.join', { channel: WS.channels.general });
    for (let i = 0; i < 20; i++) {
      const r = await call('conversations.setTopic', { channel: WS.channels.general, topic: `t${i}` });
      expect(r.status).toBe(200);
      expect(r.body.ok).toBe(true);
    }
    const refused = await call('conversations.setTopic', { channel: WS.channels.general, topic: 'late' });
    expect(refused.status).toBe(429);
    expect(refused.body).toEqual({ ok: false, error: 'ratelimited' });
    expect(Number(refused.retryAfter)).toBeGreaterThanOrEqual(1);
    expect(sim.topic(WS.channels.general)).toBe('t19');
    expect(sim.calls('conversations.setTopic').at(-1)).toMatchObject({ status: 429, error: 'ratelimited' });
    // Another method is not held back by this one's limit.
    expect(
      (await call('conversations.setPurpose', { channel: WS.channels.general, purpose: 'p' })).status,
    ).toBe(200);
  });

  it('limits chat.postMessage per channel', async () => {
    sim = await startSimulator({ clock: new FakeClock(), rateLimits: true });
    const statuses = [];
    for (let i = 0; i < POST_MESSAGE_LIMIT.burst + 1; i++)
      statuses.push((await call('chat.postMessage', { channel: WS.channels.general, text: `m${i}` })).status);
    expect(statuses).toEqual([...Array(POST_MESSAGE_LIMIT.burst).fill(200), 429]);
    expect((await call('chat.postMessage', { channel: WS.channels.announce, text: 'x' })).status).toBe(200);
    expect(sim.messages(WS.channels.general)).toHaveLength(POST_MESSAGE_LIMIT.burst);
  });

  it('is off by default', async () => {
    sim = await startSimulator({ clock: new FakeClock() });
    for (let i = 0; i < 30; i++)
      expect((await call('pins.list', { channel: WS.channels.general })).status).toBe(200);
  });
});
