/**
 * Slack's Web API rate limits, as data, and the limiter the simulator applies when a test switches
 * them on (`startSimulator({ rateLimits: true })`).
 *
 * Source: https://api.slack.com/docs/rate-limits — limits apply "per API method per app per
 * workspace"; Tier 1 is 1+ per minute, Tier 2 20+, Tier 3 50+, Tier 4 100+; a limited call is
 * answered HTTP 429 with a `Retry-After` header (seconds) and nothing is done. Special tier:
 * chat.postMessage "generally allows posting one message per second per channel, while also
 * maintaining a workspace-wide limit" ("several hundred messages per minute"), "short bursts >1
 * allowed". Each method's tier is stated on its own page, https://api.slack.com/methods/<method>
 * (linked per row below). The simulator allows exactly the documented minimum ("20+" → 20), so a bot
 * that stays under it here stays under it in Slack.
 */

export type Tier = 1 | 2 | 3 | 4 | 'special';

/** Calls per minute each numbered tier guarantees (https://api.slack.com/docs/rate-limits). */
export const TIER_PER_MINUTE: Record<1 | 2 | 3 | 4, number> = { 1: 1, 2: 20, 3: 50, 4: 100 };

/**
 * chat.postMessage (special tier, https://api.slack.com/methods/chat.postMessage#rate_limiting):
 * about one message per second per channel with short bursts, and a workspace-wide ceiling of
 * "several hundred" a minute (taken here as 300).
 */
export const POST_MESSAGE_LIMIT = { perChannelPerSecond: 1, burst: 3, workspacePerMinute: 300 } as const;

const doc = (method: string) => `https://api.slack.com/methods/${method}`;

/**
 * The tier of every method the simulator implements, each from its page's "Rate limits" line.
 * `special` without a figure in the docs (auth.test, chat.getPermalink) is not limited here.
 */
export const METHOD_TIERS: Record<string, { tier: Tier; doc: string }> = Object.fromEntries(
  (
    [
      ['auth.test', 'special'],
      ['bookmarks.add', 2],
      ['bookmarks.list', 3],
      ['canvases.access.set', 3],
      ['canvases.create', 2],
      ['canvases.delete', 3],
      ['canvases.edit', 3],
      ['chat.delete', 3],
      ['chat.getPermalink', 'special'],
      ['chat.postEphemeral', 4],
      ['chat.postMessage', 'special'],
      ['chat.update', 3],
      ['conversations.archive', 2],
      ['conversations.canvases.create', 2],
      ['conversations.create', 2],
      ['conversations.history', 3],
      ['conversations.info', 3],
      ['conversations.invite', 3],
      ['conversations.join', 3],
      ['conversations.kick', 3],
      ['conversations.list', 2],
      ['conversations.members', 4],
      ['conversations.open', 3],
      ['conversations.rename', 2],
      ['conversations.replies', 3],
      ['conversations.setPurpose', 2],
      ['conversations.setTopic', 2],
      ['conversations.unarchive', 2],
      ['files.completeUploadExternal', 4],
      ['files.getUploadURLExternal', 4],
      ['pins.add', 2],
      ['pins.list', 2],
      ['pins.remove', 2],
      ['reactions.add', 3],
      ['reactions.get', 3],
      ['reactions.remove', 2],
      ['users.info', 4],
      ['users.list', 2],
      ['views.open', 4],
      ['views.publish', 4],
      ['views.push', 4],
      ['views.update', 4],
    ] as [string, Tier][]
  ).map(([method, tier]) => [method, { tier, doc: doc(method) }]),
);

/** Calls a method may make per Slack minute; undefined when the simulator does not limit it. */
export function perMinuteLimit(method: string): number | undefined {
  const t = METHOD_TIERS[method]?.tier;
  if (t === undefined) return undefined;
  if (t === 'special')
    return method === 'chat.postMessage' ? POST_MESSAGE_LIMIT.workspacePerMinute : undefined;
  return TIER_PER_MINUTE[t];
}

export interface RateLimitOptions {
  /**
   * How many times faster than real time Slack's minute passes: 1 (default) is Slack's own rates;
   * 10 lets a test play ten minutes of traffic in one. Retry-After is given in real seconds.
   */
  timeScale?: number;
  /** Real-time source in milliseconds (tests of the limiter pass their own). */
  now?: () => number;
  /**
   * Slack's time in milliseconds, e.g. the harness's FakeClock, which a scenario moves as its people
   * act. When given, Slack's minute is measured on it instead of on real time × timeScale, so how many
   * of the bot's calls fall into one Slack minute does not depend on how fast the machine runs them.
   * Retry-After stays real seconds (the Slack wait ÷ timeScale): once that much real time has passed,
   * Slack's time is taken to have moved on by the wait, so a call that waited as told gets through
   * even when the scenario's clock stands still.
   */
  slackNow?: () => number;
}

/**
 * Sliding one-minute windows per method (and a token bucket per channel for chat.postMessage).
 * `take` either admits a call (and counts it) or says how many real seconds to wait.
 */
export class RateLimiter {
  private readonly scale: number;
  private readonly now: () => number;
  private readonly slackNow: (() => number) | undefined;
  /** Slack milliseconds added to `slackNow` for the Retry-After waits that have run out. */
  private waitedMs = 0;
  /** Refusals given on Slack's time: when (real ms) their wait ends, and Slack's time by then. */
  private waits: { realDue: number; slackDue: number }[] = [];
  private readonly windows = new Map<string, number[]>();
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(opts: RateLimitOptions = {}) {
    this.scale = opts.timeScale ?? 1;
    this.now = opts.now ?? (() => performance.now());
    this.slackNow = opts.slackNow;
  }

  /**
   * The limiter's time in its own milliseconds: real time (the windows are then scaled), or Slack's
   * time when `slackNow` is given (the windows are Slack's own minute and second).
   */
  time(): number {
    if (!this.slackNow) return this.now();
    const real = this.now();
    const slack = this.slackNow();
    this.waits = this.waits.filter((w) => {
      if (real < w.realDue) return true;
      this.waitedMs = Math.max(this.waitedMs, w.slackDue - slack);
      return false;
    });
    return slack + this.waitedMs;
  }

  /** How many times faster than the limiter's time Slack's clock runs: timeScale on real time, 1 on Slack's. */
  private get unit(): number {
    return this.slackNow ? 1 : this.scale;
  }

  /** undefined: allowed (counted). A number: refused, retry after that many seconds. */
  take(method: string, args: Record<string, unknown>): number | undefined {
    const now = this.time();
    const wait = this.check(method, args, now);
    if (wait === undefined || !this.slackNow) return wait === undefined ? undefined : seconds(wait);
    // Slack's wait, told in real seconds; the window opens on Slack's time once they have passed.
    this.waits.push({ realDue: this.now() + wait / this.scale, slackDue: now + wait });
    return seconds(wait / this.scale);
  }

  /** undefined: allowed (counted). A number: refused, Slack's wait in limiter milliseconds. */
  private check(method: string, args: Record<string, unknown>, now: number): number | undefined {
    if (method === 'chat.postMessage') {
      const channel = typeof args.channel === 'string' ? args.channel : '';
      const wait = this.bucketWait(`chat.postMessage:${channel}`, now);
      if (wait !== undefined) return wait;
    }
    const limit = perMinuteLimit(method);
    if (limit !== undefined) {
      const wait = this.windowWait(method, limit, now);
      if (wait !== undefined) return wait;
    }
    if (method === 'chat.postMessage') {
      const channel = typeof args.channel === 'string' ? args.channel : '';
      const b = this.buckets.get(`chat.postMessage:${channel}`);
      if (b) b.tokens -= 1;
    }
    if (limit !== undefined) this.windows.get(method)?.push(now);
    return undefined;
  }

  private windowWait(key: string, limit: number, now: number): number | undefined {
    const windowMs = 60_000 / this.unit;
    const calls = (this.windows.get(key) ?? []).filter((t) => now - t < windowMs);
    this.windows.set(key, calls);
    if (calls.length < limit) return undefined;
    const oldest = calls[calls.length - limit] ?? now;
    return oldest + windowMs - now;
  }

  private bucketWait(key: string, now: number): number | undefined {
    const refillMs = 1000 / POST_MESSAGE_LIMIT.perChannelPerSecond / this.unit;
    const b = this.buckets.get(key) ?? { tokens: POST_MESSAGE_LIMIT.burst, at: now };
    b.tokens = Math.min(POST_MESSAGE_LIMIT.burst, b.tokens + (now - b.at) / refillMs);
    b.at = now;
    this.buckets.set(key, b);
    if (b.tokens >= 1) return undefined;
    return (1 - b.tokens) * refillMs;
  }
}

/** Retry-After is whole seconds, at least 1 (Slack never answers 0). */
const seconds = (ms: number): number => Math.max(1, Math.ceil(ms / 1000));
