import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Metrics } from './metrics.js';
import type { ReadinessProbe } from './readiness.js';

/** The operator's HTTP routes beside Slack's: /readyz and /metrics (Bolt custom routes, any mode). */
interface Route {
  path: string;
  method: string[];
  handler: (req: IncomingMessage, res: ServerResponse) => void;
}

/** A JSON answer no proxy may cache; the one way every HTTP route (ops, alerts, API) answers. */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  if (res.headersSent) return;
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers });
  res.end(JSON.stringify(body));
}

/**
 * GET /readyz: 200 {"status":"ready", checks} or 503 {"status":"not ready", reasons, checks}. Open like
 * /healthz (orchestrators probe it without credentials); it names what is wrong, never a secret.
 */
export function readyzRoute(readiness: ReadinessProbe): Route {
  return {
    path: '/readyz',
    method: ['GET'],
    handler: (_req, res) => {
      readiness.check().then(
        ({ ready, ...checks }) => {
          const reasons = Object.values(checks)
            .filter((c) => !c.ok)
            .map((c) => c.reason ?? 'unknown');
          const summary = Object.fromEntries(
            Object.entries(checks).map(([k, c]) => [k, c.ok ? 'ok' : 'failing']),
          );
          if (ready) sendJson(res, 200, { status: 'ready', checks: summary });
          else sendJson(res, 503, { status: 'not ready', reasons, checks: summary });
        },
        (e: unknown) =>
          sendJson(res, 503, { status: 'not ready', reasons: [`check failed: ${(e as Error).message}`] }),
      );
    },
  };
}

/** Constant-time comparison of a bearer token (hashes first, so lengths do not leak either). */
export function bearerMatches(header: string | undefined, token: string): boolean {
  const m = /^Bearer (\S+)$/i.exec(header ?? '');
  if (!m?.[1]) return false;
  const a = createHash('sha256').update(m[1]).digest();
  const b = createHash('sha256').update(token).digest();
  return timingSafeEqual(a, b);
}

/**
 * GET /metrics in Prometheus text format, behind its own token like every endpoint that is not Slack's:
 * `Authorization: Bearer <METRICS_TOKEN>`, 401 without it. With METRICS_TOKEN unset the endpoint does
 * not exist (404), as the alert and API endpoints do without theirs.
 */
export function metricsRoute(metrics: Metrics, token: string | undefined): Route {
  return {
    path: '/metrics',
    method: ['GET'],
    handler: (req, res) => {
      if (token === undefined) {
        sendJson(res, 404, { error: 'metrics are off: set METRICS_TOKEN to enable GET /metrics' });
        return;
      }
      if (!bearerMatches(req.headers.authorization, token)) {
        sendJson(
          res,
          401,
          { error: 'Authorization: Bearer <METRICS_TOKEN> required' },
          {
            'www-authenticate': 'Bearer realm="firebreak-metrics"',
          },
        );
        return;
      }
      metrics.registry.metrics().then(
        (text) => {
          res.writeHead(200, { 'content-type': metrics.registry.contentType, 'cache-control': 'no-store' });
          res.end(text);
        },
        (e: unknown) => sendJson(res, 500, { error: `metrics failed: ${(e as Error).message}` }),
      );
    },
  };
}

/**
 * Refuses (400) a request whose path has a broken percent-escape (`/api/v1/incidents/%E0`) before Bolt
 * sees it: Bolt decodes custom-route params with decodeURIComponent and does not catch the URIError, so
 * such a path was a 500 in HTTP mode and, in Socket Mode (whose HTTP server's handler is async), an
 * unhandled rejection that stopped the process. Wraps a `(req, res)` request listener.
 */
export function refuseMalformedPaths(
  listener: (req: IncomingMessage, res: ServerResponse) => unknown,
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    try {
      decodeURIComponent(path);
    } catch {
      req.resume();
      sendJson(res, 400, { error: 'the request path has a malformed percent-escape' });
      return;
    }
    void listener(req, res);
  };
}
