import { createHmac, timingSafeEqual } from 'node:crypto';
import { TrackerError } from './types.js';

export type FetchFn = typeof fetch;

/** A request to a tracker gives up after this long: the queue retries it, nobody waits on it. */
export const TRACKER_TIMEOUT_MS = 15_000;

export interface JsonResponse {
  status: number;
  headers: Headers;
  body: unknown;
}

/** One HTTP call; network failures and timeouts become retryable TrackerErrors. */
export async function requestJson(
  fetchFn: FetchFn,
  url: string,
  init: { method: string; headers: Record<string, string>; body?: unknown },
): Promise<JsonResponse> {
  let res: Response;
  try {
    res = await fetchFn(url, {
      method: init.method,
      headers: {
        accept: 'application/json',
        ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...init.headers,
      },
      ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
      signal: AbortSignal.timeout(TRACKER_TIMEOUT_MS),
    });
  } catch (e) {
    throw new TrackerError(`could not reach the tracker: ${(e as Error).message}`, true);
  }
  const text = await res.text();
  let body: unknown = null;
  if (text.length > 0) {
    try {
      body = JSON.parse(text);
    } catch {
      body = text;
    }
  }
  return { status: res.status, headers: res.headers, body };
}

/** Retry-After in seconds (RFC 9110 §10.2.3) or an HTTP date, as milliseconds from `now`. */
export function retryAfterMs(headers: Headers, now = Date.now()): number | undefined {
  const v = headers.get('retry-after');
  if (v === null) return undefined;
  if (/^\d+$/.test(v.trim())) return Number(v) * 1000;
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** 429, 5xx and 408 may pass later; other 4xx will not until someone fixes the configuration. */
export const isRetryableStatus = (status: number): boolean =>
  status === 408 || status === 429 || status >= 500;

/** Constant-time check of a hex HMAC-SHA256 of the raw body (GitHub, Jira and Linear all sign so). */
export function hmacHexMatches(secret: string, raw: string, givenHex: string | undefined): boolean {
  if (givenHex === undefined || !/^[0-9a-f]{64}$/i.test(givenHex)) return false;
  const expected = createHmac('sha256', secret).update(raw, 'utf8').digest();
  return timingSafeEqual(expected, Buffer.from(givenHex, 'hex'));
}

export const trimSlash = (url: string): string => url.replace(/\/+$/, '');

/**
 * A tracker's timestamp (ISO 8601 such as GitHub's `2021-10-11T16:40:56Z` or Jira's
 * `2023-03-15T10:35:19.547+0000`, or epoch milliseconds like Jira's webhook `timestamp`) as a Date;
 * undefined when absent or unreadable, so the caller reads the ticket instead of guessing.
 */
export function trackerTime(v: unknown): Date | undefined {
  const ms = typeof v === 'number' ? v : typeof v === 'string' && v !== '' ? Date.parse(v) : Number.NaN;
  return Number.isFinite(ms) && ms > 0 ? new Date(ms) : undefined;
}
