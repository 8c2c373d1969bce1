import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Db } from '../db/client.js';
import { bearerMatches, sendJson } from '../ops/routes.js';
import type { Clock } from '../runtime/clock.js';
import { ALERT_SOURCES, type AlertSource, PayloadError } from './model.js';
import { PARSERS } from './parse.js';
import type { AlertRouting } from './routes.js';
import { type IngestResult, ingestAlerts } from './store.js';

/**
 * POST /alerts/<sender>: Bolt custom routes beside Slack's, so they answer in HTTP and Socket Mode
 * alike. Order of refusals: no ALERTS_TOKEN → 404 (the endpoints do not exist); wrong or missing
 * bearer token → 401 before the body is read; body over the limit → 413; PagerDuty signature
 * wrong (when PAGERDUTY_WEBHOOK_SECRET is set) → 401; unreadable payload → 400 naming the field.
 * The alerts are stored (one transaction) before the 2xx; cards follow after the answer.
 */

export interface AlertRoute {
  path: string;
  method: string[];
  handler: (req: IncomingMessage, res: ServerResponse) => void;
}

export interface AlertEndpointOptions {
  db: Db;
  clock: Clock;
  token: string | undefined;
  pagerDutySecret: string | undefined;
  routing: AlertRouting;
  /** Largest body accepted, in bytes. */
  bodyLimit: number;
  /** Called after the 2xx with what was stored (the Slack side edits cards from here). */
  onStored: (result: IngestResult) => void;
  onError: (message: string, error: unknown) => void;
  /** Counts each request once its answer is sent (metrics; fixed names only, see src/ops/metrics.ts). */
  observe?: AlertObserver;
}

/** What a request came to, for /metrics. */
export type AlertOutcome = 'stored' | 'duplicate' | 'unrouted' | 'ignored' | 'refused' | 'failed';

export interface AlertObserver {
  request(source: AlertSource, outcome: AlertOutcome, status: number): void;
  stored(source: AlertSource, result: IngestResult): void;
}

class TooLarge extends Error {}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) {
      reject(new TooLarge());
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        req.removeAllListeners('data');
        req.resume();
        reject(new TooLarge());
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/**
 * PagerDuty v3: `X-PagerDuty-Signature: v1=<hex HMAC-SHA256 of the raw body>[,v1=…]`, one per
 * active secret; any match is enough (https://developer.pagerduty.com/docs/webhooks/webhook-signatures/).
 */
export function pagerDutySignatureValid(
  header: string | string[] | undefined,
  body: Buffer,
  secret: string,
): boolean {
  const value = Array.isArray(header) ? header.join(',') : (header ?? '');
  const expected = createHmac('sha256', secret).update(body).digest();
  for (const part of value.split(',')) {
    const m = /^\s*v1=([0-9a-f]{64})\s*$/i.exec(part);
    if (!m?.[1]) continue;
    const given = Buffer.from(m[1], 'hex');
    if (given.length === expected.length && timingSafeEqual(given, expected)) return true;
  }
  return false;
}

/** A 2xx's outcome, set by the handler before it answers (4xx/5xx are told by their status). */
const outcomes = new WeakMap<ServerResponse, AlertOutcome>();

export function alertEndpoints(opts: AlertEndpointOptions): AlertRoute[] {
  return ALERT_SOURCES.map((source) => ({
    path: `/alerts/${source}`,
    method: ['POST'],
    handler: (req, res) => {
      const observe = opts.observe;
      if (observe) {
        res.once('finish', () => {
          const status = res.statusCode;
          const outcome: AlertOutcome =
            status >= 500 ? 'failed' : status >= 400 ? 'refused' : (outcomes.get(res) ?? 'stored');
          observe.request(source, outcome, status);
        });
      }
      handle(opts, source, req, res).catch((e: unknown) => {
        opts.onError(`POST /alerts/${source} failed`, e);
        if (!res.headersSent)
          sendJson(res, 500, { error: 'the alerts could not be stored; nothing was kept, send them again' });
      });
    },
  }));
}

async function handle(
  opts: AlertEndpointOptions,
  source: AlertSource,
  req: IncomingMessage,
  res: ServerResponse,
) {
  if (opts.token === undefined) {
    req.resume();
    sendJson(res, 404, { error: 'alert webhooks are off: set ALERTS_TOKEN to enable POST /alerts/*' });
    return;
  }
  if (!bearerMatches(req.headers.authorization, opts.token)) {
    req.resume();
    sendJson(
      res,
      401,
      { error: 'Authorization: Bearer <ALERTS_TOKEN> required' },
      { 'www-authenticate': 'Bearer realm="firebreak-alerts"' },
    );
    return;
  }
  let body: Buffer;
  try {
    body = await readBody(req, opts.bodyLimit);
  } catch (e) {
    if (e instanceof TooLarge) {
      sendJson(
        res,
        413,
        { error: `the payload is larger than ${opts.bodyLimit} bytes; send fewer alerts per request` },
        { connection: 'close' },
      );
      return;
    }
    throw e;
  }
  if (source === 'pagerduty' && opts.pagerDutySecret !== undefined) {
    if (!pagerDutySignatureValid(req.headers['x-pagerduty-signature'], body, opts.pagerDutySecret)) {
      sendJson(res, 401, { error: 'X-PagerDuty-Signature does not match PAGERDUTY_WEBHOOK_SECRET' });
      return;
    }
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch (e) {
    sendJson(res, 400, { error: `the body is not JSON: ${(e as Error).message}` });
    return;
  }
  let payload: ReturnType<(typeof PARSERS)[AlertSource]>;
  try {
    payload = PARSERS[source](parsed);
  } catch (e) {
    if (e instanceof PayloadError) {
      sendJson(res, 400, { error: `not a valid ${source} payload: ${e.message}` });
      return;
    }
    throw e;
  }
  if (payload.alerts.length === 0) {
    outcomes.set(res, 'ignored');
    sendJson(res, 200, { stored: 0, ignored: payload.ignored ?? 'no alerts in the payload' });
    return;
  }
  const result = ingestAlerts(opts.db, opts.clock, payload.alerts, (a) => opts.routing.route(a));
  // Only repeats of what was already stored (the sender's resend), or nowhere to send any of it.
  // Only priority changes of alerts not stored or no longer firing: answered, nothing changed.
  outcomes.set(
    res,
    result.changes.duplicate === result.received
      ? 'duplicate'
      : result.unrouted === result.received
        ? 'unrouted'
        : result.changes.unchanged === result.received
          ? 'ignored'
          : 'stored',
  );
  opts.observe?.stored(source, result);
  sendJson(res, 200, {
    stored: result.received - result.unrouted - result.changes.unchanged,
    new: result.changes.new,
    resolved: result.changes.resolved,
    refired: result.changes.refired,
    updated: result.changes.updated,
    duplicates: result.changes.duplicate,
    ...(result.changes.unchanged
      ? {
          unchanged: result.changes.unchanged,
          reason:
            'a priority change for an alert Firebreak does not hold, or that is no longer firing, changes nothing',
        }
      : {}),
    ...(result.unrouted
      ? { unrouted: result.unrouted, warning: 'no route or ALERT_CHANNEL gives these alerts a channel' }
      : {}),
  });
  opts.onStored(result);
}
