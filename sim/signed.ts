import { createHmac } from 'node:crypto';
import { request } from 'node:http';

/**
 * Minimal signed-request client for the reliability tests and benchmarks: it signs exactly as Slack
 * does (v0 HMAC over `v0:<ts>:<body>`) and lets a test break any part of the request on purpose.
 * (The simulator's SlackSender does the same for feature tests; this one has no simulator dependency.)
 */
export function slackSignature(secret: string, timestamp: number, body: string): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
}

export interface RawResponse {
  status: number;
  body: string;
  ms: number;
}

export interface SignedRequestOptions {
  secret: string;
  /** Seconds; default real now (Bolt's staleness check uses the real clock). */
  timestamp?: number;
  contentType?: string;
  /** Override or drop (`null`) headers after signing. */
  headers?: Record<string, string | null>;
  /** Replace the body after it was signed (tampering). */
  tamperedBody?: string;
  agent?: import('node:http').Agent;
}

export function postRaw(
  url: string,
  body: string,
  headers: Record<string, string>,
  agent?: import('node:http').Agent,
): Promise<RawResponse> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        headers: { ...headers, 'content-length': Buffer.byteLength(body).toString() },
        agent,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            body: Buffer.concat(chunks).toString(),
            ms: performance.now() - started,
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

export function signedHeaders(opts: SignedRequestOptions, body: string): Record<string, string> {
  const ts = opts.timestamp ?? Math.floor(Date.now() / 1000);
  const headers: Record<string, string | null> = {
    'content-type': opts.contentType ?? 'application/x-www-form-urlencoded',
    'x-slack-request-timestamp': String(ts),
    'x-slack-signature': slackSignature(opts.secret, ts, body),
    ...opts.headers,
  };
  return Object.fromEntries(Object.entries(headers).filter((e): e is [string, string] => e[1] !== null));
}

export function postSigned(url: string, body: string, opts: SignedRequestOptions): Promise<RawResponse> {
  return postRaw(url, opts.tamperedBody ?? body, signedHeaders(opts, body), opts.agent);
}

let seq = 0;
/** A slash command body as Slack sends it (form fields). */
export function commandBody(
  text: string,
  over: { user?: string; channel?: string; command?: string; responseUrl?: string; triggerId?: string } = {},
): string {
  seq++;
  return new URLSearchParams({
    token: 'legacy-verification-token',
    team_id: 'T0FIREBRK',
    team_domain: 'firebreak-sim',
    channel_id: over.channel ?? 'C0GENERAL',
    channel_name: 'general',
    user_id: over.user ?? 'U0ALICE',
    user_name: 'alice',
    command: over.command ?? '/incident',
    text,
    api_app_id: 'A0FIREBRK',
    is_enterprise_install: 'false',
    response_url: over.responseUrl ?? `http://127.0.0.1:9/commands/T0FIREBRK/${seq}/x`,
    trigger_id: over.triggerId ?? `${seq}.0.trigger`,
  }).toString();
}

/** An Events API envelope (application/json). */
export function eventBody(
  event: Record<string, unknown>,
  eventId: string,
  eventTime = Math.floor(Date.now() / 1000),
): string {
  return JSON.stringify({
    token: 'legacy-verification-token',
    team_id: 'T0FIREBRK',
    api_app_id: 'A0FIREBRK',
    event,
    type: 'event_callback',
    event_id: eventId,
    event_time: eventTime,
    authorizations: [
      {
        enterprise_id: null,
        team_id: 'T0FIREBRK',
        user_id: 'U0FIREBRK',
        is_bot: true,
        is_enterprise_install: false,
      },
    ],
    is_ext_shared_channel: false,
  });
}
