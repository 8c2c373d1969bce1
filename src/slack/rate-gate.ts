/**
 * Rate limits per method, not per client.
 *
 * @slack/web-api answers a 429 by pausing its whole request queue for the Retry-After (SLACK.md), so
 * one rate-limited method — chat.postMessage into a busy incident channel, say — holds back every
 * later call of that client: the modal someone asked for meanwhile outlives its 3-second trigger_id,
 * another incident's setup waits on a channel it has nothing to do with. Slack limits each method
 * separately, and chat.postMessage per channel (https://api.slack.com/docs/rate-limits), so Firebreak's
 * clients run with `rejectRateLimitedCalls` (the client never pauses) and with this `fetch`, which:
 * - remembers each 429's Retry-After for its method (and channel, for chat.postMessage) only;
 * - makes a later call of that method wait until then, and repeats a refused call once it may
 *   (a 429 means Slack did nothing, so repeating is safe), for up to `maxWaitMs` in all;
 * - queues chat.postMessage calls for a channel Slack rate-limited and sends them a second apart;
 * - lets `views.open` / `views.push` wait only as long as their trigger_id can outlive (it is dead 3 s
 *   after the click): a Retry-After within TRIGGER_WAIT_MS is waited out and the call repeated, a
 *   longer one goes straight back to the caller, who tells the person to try again.
 * Calls of other methods go out at once. Person-facing calls also use their own client (clients.ts),
 * so background calls waiting here never fill the queue in front of them.
 */

import { realWaits, type Waits } from '../runtime/clock.js';

/** Methods whose calls are worthless after a short wait (trigger_id lives 3 s). */
export const TRIGGER_METHODS: ReadonlySet<string> = new Set(['views.open', 'views.push']);
/** The most a trigger method waits in all: the trigger is a few hundred ms old when it is called. */
export const TRIGGER_WAIT_MS = 2000;

/** How long, in all, background work keeps waiting out 429s before the call fails to its caller. */
export const DEFAULT_MAX_WAIT_MS = 5 * 60_000;

export interface RateGateOptions {
  maxWaitMs?: number;
  /** Told once per 429, with the key and the seconds Slack asked for. */
  onLimited?: (key: string, retryAfterSeconds: number) => void;
  /** The fetch underneath (tests). */
  fetch?: typeof fetch;
  /** What Retry-After is measured and waited out on: real time, or a test's FakeClock. */
  waits?: Waits;
}

export interface RateGate {
  /** A fetch for WebClient's `fetch` option. */
  fetch: typeof fetch;
  /** When each method (or method:channel) may be called again, epoch ms; past entries are stale. */
  readonly until: ReadonlyMap<string, number>;
  /** 429s seen per key since start. */
  readonly limited: ReadonlyMap<string, number>;
}

/** `chat.postMessage` from `https://slack.com/api/chat.postMessage`; undefined for other URLs (uploads). */
export function apiMethodOf(url: string): string | undefined {
  const m = /\/api\/([a-zA-Z]+(?:\.[a-zA-Z]+)+)$/.exec(url.split('?')[0] ?? '');
  return m?.[1];
}

/** The field `name` of a WebClient request body (urlencoded string or FormData). */
function field(body: unknown, name: string): string | undefined {
  if (typeof body === 'string') return new URLSearchParams(body).get(name) ?? undefined;
  if (body instanceof URLSearchParams) return body.get(name) ?? undefined;
  if (body instanceof FormData) {
    const v = body.get(name);
    return typeof v === 'string' ? v : undefined;
  }
  return undefined;
}

/** What a 429 holds back: the method, and for chat.postMessage the channel too. */
export function gateKey(method: string, body: unknown): string {
  if (method !== 'chat.postMessage') return method;
  return `${method}:${field(body, 'channel') ?? ''}`;
}

/** Spacing of chat.postMessage calls queued for one rate-limited channel (Slack: ~1 a second). */
const PACE_MS = 1000;

/** One call at a time per key: `enter` resolves once the calls ahead have left, with `leave`. */
function createLanes() {
  const tails = new Map<string, Promise<void>>();
  return {
    busy: (key: string): boolean => tails.has(key),
    async enter(key: string): Promise<() => void> {
      const ahead = tails.get(key) ?? Promise.resolve();
      let done = () => {};
      const mine = new Promise<void>((r) => {
        done = r;
      });
      tails.set(key, mine);
      await ahead;
      return () => {
        done();
        if (tails.get(key) === mine) tails.delete(key);
      };
    },
  };
}

/** The waits of each gate's fetch, so code holding only a client (post-once.ts) waits on the same time. */
const gateWaits = new WeakMap<object, Waits>();

/** What a client whose fetch is `fetchFn` waits out Retry-After on: its gate's waits, or real time. */
export function waitsOfFetch(fetchFn: unknown): Waits {
  return (typeof fetchFn === 'function' ? gateWaits.get(fetchFn) : undefined) ?? realWaits;
}

export function createRateGate(opts: RateGateOptions = {}): RateGate {
  const maxWaitMs = opts.maxWaitMs ?? DEFAULT_MAX_WAIT_MS;
  const base = opts.fetch ?? globalThis.fetch;
  const waits = opts.waits ?? realWaits;
  const now = () => waits.now().getTime();
  const until = new Map<string, number>();
  const limited = new Map<string, number>();
  /**
   * chat.postMessage into a channel that was rate-limited: waiting calls go one at a time, a second
   * apart (Slack allows about one a second per channel), instead of all at the end of the
   * Retry-After, when Slack would refuse all but one of them again.
   */
  const lanes = createLanes();

  const gated: typeof fetch = async (input, init) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const method = apiMethodOf(url);
    if (method === undefined) return base(input, init);
    const key = gateKey(method, init?.body);
    const budget = TRIGGER_METHODS.has(method) ? TRIGGER_WAIT_MS : maxWaitMs;
    const paced = method === 'chat.postMessage';
    let leave: (() => void) | undefined;
    try {
      if (paced && lanes.busy(key)) leave = await lanes.enter(key);
      let waited = 0;
      for (;;) {
        const openAt = until.get(key) ?? 0;
        if (openAt > now()) {
          const ms = openAt - now();
          if (waited + ms > budget) break;
          await waits.sleep(ms);
          waited += ms;
        }
        const res = await base(input, init);
        if (res.status !== 429) {
          // Calls queued behind this one go a second later.
          if (leave) until.set(key, Math.max(until.get(key) ?? 0, now() + PACE_MS));
          return res;
        }
        const seconds = Number.parseInt(res.headers.get('retry-after') ?? '', 10);
        const retryAfter = Number.isFinite(seconds) && seconds > 0 ? seconds : 1;
        until.set(key, Math.max(until.get(key) ?? 0, now() + retryAfter * 1000));
        limited.set(key, (limited.get(key) ?? 0) + 1);
        opts.onLimited?.(key, retryAfter);
        if (waited + retryAfter * 1000 > budget) return res;
        // Free the connection before waiting; the body is Slack's `ratelimited` and says nothing more.
        await res.arrayBuffer().catch(() => undefined);
        if (paced && !leave) leave = await lanes.enter(key);
      }
      // Waited as long as allowed: let Slack answer (a 429 now reaches the caller as an error).
      return await base(input, init);
    } finally {
      leave?.();
    }
  };
  gateWaits.set(gated, waits);
  return { fetch: gated, until, limited };
}
