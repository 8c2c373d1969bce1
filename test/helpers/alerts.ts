import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { type Harness, startHarness, WS } from './harness.js';

/** The alert senders' side of the integration tests: their real payloads over real HTTP. */

export const ALERTS_TOKEN = 'alerts-token-0123456789abcdef';
export const PD_SECRET = 'pd-webhook-secret-abc';
export const ALERT_CHANNEL = 'C0ALERTS';

/** A bot with the alert endpoints on (PagerDuty's signature checked) and an alert channel everyone is in. */
export async function startAlertHarness(env: Record<string, string> = {}): Promise<Harness> {
  const h = await startHarness({
    now: '2026-11-23T09:00:00Z',
    env: { ALERTS_TOKEN, ALERT_CHANNEL, PAGERDUTY_WEBHOOK_SECRET: PD_SECRET, ...env },
  });
  h.sim.ws.addChannel(ALERT_CHANNEL, 'alerts', Object.values(WS.users));
  return h;
}

export function fixture<T = Record<string, unknown>>(path: string): T {
  return JSON.parse(readFileSync(new URL(`../fixtures/${path}`, import.meta.url), 'utf8')) as T;
}

export interface PostResult {
  status: number;
  body: Record<string, unknown>;
}

export async function postAlert(
  h: Harness,
  source: string,
  payload: unknown,
  opts: { token?: string | null; headers?: Record<string, string>; raw?: string } = {},
): Promise<PostResult> {
  const url = h.botUrl.replace('/slack/events', `/alerts/${source}`);
  const token = opts.token === undefined ? ALERTS_TOKEN : opts.token;
  const body = opts.raw ?? JSON.stringify(payload);
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token !== null ? { authorization: `Bearer ${token}` } : {}),
      ...opts.headers,
    },
    body,
  });
  const text = await res.text();
  let parsed: Record<string, unknown> = {};
  try {
    parsed = JSON.parse(text) as Record<string, unknown>;
  } catch {
    parsed = { text };
  }
  return { status: res.status, body: parsed };
}

/** `X-PagerDuty-Signature` as PagerDuty computes it (developer docs, "Verifying Signatures"). */
export const pdSignature = (body: string, secret = PD_SECRET): string =>
  `v1=${createHmac('sha256', secret).update(body).digest('hex')}`;

export function pdEvent(eventType: string, over: Record<string, unknown> = {}): Record<string, unknown> {
  const p = fixture<{ event: Record<string, unknown> & { data: Record<string, unknown> } }>(
    'pagerduty/incident.priority_updated.json',
  );
  p.event.event_type = eventType;
  p.event.data = {
    ...p.event.data,
    status: eventType === 'incident.resolved' ? 'resolved' : 'triggered',
    ...over,
  };
  return p;
}

/** A generic alert (Firebreak's documented shape). */
export function genericAlert(id: string, over: Record<string, unknown> = {}): Record<string, unknown> {
  return { id, title: `Alert ${id}`, ...over };
}

export function alertRows(
  h: Harness,
): { source: string; fingerprint: string; status: string; fire_count: number; incident_id: number | null }[] {
  return h.db.$client
    .prepare('select source, fingerprint, status, fire_count, incident_id from alerts order by id')
    .all() as never;
}
