import { type Logger, WebClient, type WebClientOptions } from '@slack/web-api';
import type { Waits } from '../runtime/clock.js';
import { createRateGate, type RateGate } from './rate-gate.js';

/**
 * The Web API clients. Slack's limits are per method (rate-gate.ts), and a person must never wait on
 * the bot's background work, so:
 * - every client waits out a 429 for that method alone (`rejectRateLimitedCalls` + the gate's fetch),
 *   never pausing its whole queue as @slack/web-api does by default;
 * - calls a person is waiting on — opening a modal (trigger_id lives 3 s), an ephemeral answer — go
 *   through `interactive`, a client of their own, so they are never queued behind background calls
 *   (Bolt's client runs channel setup, captures, digests, which may wait minutes on a busy method or
 *   a slow Slack). `response_url` replies do not use a WebClient at all (Bolt's `respond`, plain fetch).
 */
export interface SlackClients {
  /** For views.open / views.push / views.update and chat.postEphemeral on a person's path. */
  interactive: WebClient;
  /** Per-method Retry-After state shared by all clients (Slack counts per app and workspace). */
  gate: RateGate;
  /** Options for Bolt's own client (and every client Bolt makes per request). */
  options: WebClientOptions;
}

export function createSlackClients(
  token: string,
  base: {
    slackApiUrl: string;
    retryConfig: WebClientOptions['retryConfig'];
    logger: Logger;
    /** The fetch under the gate (app.ts: the one that counts calls for GET /metrics). */
    fetch?: typeof fetch;
    /** What Retry-After is waited out on (default real time). */
    waits?: Waits;
  },
): SlackClients {
  const { fetch: underneath, waits, ...rest } = base;
  const gate = createRateGate({
    onLimited: (key, seconds) =>
      base.logger.info(`Slack rate-limited ${key}: that method waits ${seconds}s, others go on`),
    ...(underneath ? { fetch: underneath } : {}),
    ...(waits ? { waits } : {}),
  });
  const options: WebClientOptions = { ...rest, fetch: gate.fetch, rejectRateLimitedCalls: true };
  return { interactive: new WebClient(token, options), gate, options };
}
