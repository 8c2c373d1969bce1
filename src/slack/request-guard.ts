import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';

/**
 * Checks in front of Bolt's HTTPReceiver for what Bolt lets through:
 * - a request timestamp from the future. Bolt only refuses timestamps older than five minutes, so a
 *   request signed with a timestamp far ahead would stay replayable for as long as that timestamp is
 *   "not stale". Slack's rule is that the timestamp differs from now by at most five minutes either way.
 * - a content type Slack never sends. Bolt JSON-parses anything that is not exactly
 *   `application/x-www-form-urlencoded`; we only take the two types Slack uses.
 * Everything else (signature, staleness, body size) stays with Bolt, which checks it before any
 * listener or the events inbox sees the request.
 */
export const MAX_CLOCK_SKEW_SECONDS = 5 * 60;

const ACCEPTED_MEDIA_TYPES = new Set(['application/json', 'application/x-www-form-urlencoded']);

export interface RequestGuardOptions {
  /** The POST paths Bolt serves (`/slack/events`). */
  endpoints: readonly string[];
  /** Wall-clock milliseconds; Bolt's own staleness check uses the real clock, so this does too. */
  now?: () => number;
  /** Told why a request was refused (no secrets, no body). */
  onRefuse?: (reason: string) => void;
}

export type GuardVerdict = { ok: true } | { ok: false; status: number; reason: string };

/** The decision alone, from headers only (the body is never read here). */
export function checkSlackRequest(
  req: Pick<IncomingMessage, 'headers' | 'method' | 'url'>,
  opts: RequestGuardOptions,
): GuardVerdict {
  const path = new URL(req.url ?? '/', 'http://localhost').pathname;
  if (req.method?.toUpperCase() !== 'POST' || !opts.endpoints.includes(path)) return { ok: true };
  const rawTs = req.headers['x-slack-request-timestamp'];
  const ts = typeof rawTs === 'string' && /^\d{1,12}$/.test(rawTs.trim()) ? Number(rawTs) : Number.NaN;
  if (!Number.isFinite(ts))
    return { ok: false, status: 401, reason: 'missing or malformed request timestamp' };
  const nowSec = Math.floor((opts.now ?? Date.now)() / 1000);
  if (ts > nowSec + MAX_CLOCK_SKEW_SECONDS) {
    return { ok: false, status: 401, reason: 'request timestamp is in the future' };
  }
  if (typeof req.headers['x-slack-signature'] !== 'string') {
    return { ok: false, status: 401, reason: 'missing signature' };
  }
  const media = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (!ACCEPTED_MEDIA_TYPES.has(media)) {
    return { ok: false, status: 415, reason: `unsupported content type "${media.slice(0, 60)}"` };
  }
  return { ok: true };
}

/** Wraps a request listener (HTTPReceiver.requestListener) with checkSlackRequest. */
export function guardRequests(inner: RequestListener, opts: RequestGuardOptions): RequestListener {
  return (req: IncomingMessage, res: ServerResponse) => {
    const verdict = checkSlackRequest(req, opts);
    if (verdict.ok) {
      inner(req, res);
      return;
    }
    opts.onRefuse?.(verdict.reason);
    // Drain the body so the connection can be reused, but never look at it.
    req.resume();
    res.writeHead(verdict.status);
    res.end();
  };
}
