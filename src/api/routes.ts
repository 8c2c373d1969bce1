import type { IncomingMessage, ServerResponse } from 'node:http';
import { isDomainError } from '../incidents/errors.js';
import type { AppLogger } from '../log.js';
import { bearerMatches } from '../ops/routes.js';
import { type ApiDeps, type Endpoint, endpoints } from './endpoints.js';
import { invalidRequest, queryOf, readJson, sendJson } from './http.js';
import { API_BASE, openApiDocument } from './openapi.js';
import { createRateLimiter, type RateLimit } from './rate-limit.js';
import { ApiError, type ApiScope } from './service.js';

/** A Bolt custom route (HTTP and Socket Mode receivers alike), as in src/ops/routes.ts. */
export interface ApiRoute {
  path: string;
  method: string[];
  handler: (req: IncomingMessage, res: ServerResponse) => void;
}

export interface ApiOptions extends ApiDeps {
  logger: AppLogger;
  /** API_TOKEN; unset, every /api/v1 path answers 404. */
  token: string | undefined;
  /** API_PRIVATE_TOKEN: like API_TOKEN, and private incidents are visible. */
  privateToken: string | undefined;
  /** API_RATE_LIMIT: a bucket per token; undefined = no limit. */
  rateLimit?: RateLimit;
  /** Told each answer: the operation (or `refused` / `rate_limited` / `unknown`), the status and the seconds it took. */
  observe?: (route: string, status: number, seconds: number) => void;
}

const DOMAIN_STATUS: Record<string, number> = {
  not_found: 404,
  invalid_input: 422,
  invalid_state: 409,
  conflict: 409,
  forbidden: 403,
  not_member: 403,
  slack_failed: 502,
};

/** Which token the request carries, checked in constant time; undefined = neither. */
function scopeOf(req: IncomingMessage, opts: ApiOptions): ApiScope | undefined {
  const header = req.headers.authorization;
  if (opts.privateToken !== undefined && bearerMatches(header, opts.privateToken)) return { private: true };
  if (opts.token !== undefined && bearerMatches(header, opts.token)) return { private: false };
  return undefined;
}

/** `/incidents/{number}` against `/incidents/12`: the params, or undefined. */
function match(pattern: string, path: string): Record<string, string> | undefined {
  const want = pattern.split('/');
  const got = path.split('/');
  if (want.length !== got.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    const w = want[i] ?? '';
    const g = got[i] ?? '';
    if (w.startsWith('{') && w.endsWith('}')) {
      if (g === '') return undefined;
      try {
        params[w.slice(1, -1)] = decodeURIComponent(g);
      } catch {
        return undefined;
      }
    } else if (w !== g) return undefined;
  }
  return params;
}

/**
 * One catch-all route for /api/v1 and below, routed here rather than by Bolt: the token is checked
 * before anything else (an unauthenticated caller learns nothing, not even which paths exist), and
 * a wrong method gets 405 with `Allow` instead of Bolt's bare 404.
 */
export function apiRoute(opts: ApiOptions): ApiRoute {
  const limiter = opts.rateLimit ? createRateLimiter(opts.rateLimit, opts.clock) : undefined;
  const take = limiter ? (scope: ApiScope) => limiter.take(scope.private ? 'private' : 'public') : () => 0;
  return {
    path: `${API_BASE}{/*rest}`,
    method: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'],
    handler: (req, res) => {
      const started = process.hrtime.bigint();
      const observe = opts.observe;
      if (observe) {
        res.once('finish', () => {
          const route = (res as ServerResponse & { route?: string }).route ?? 'unknown';
          observe(route, res.statusCode, Number(process.hrtime.bigint() - started) / 1e9);
        });
      }
      handle(req, res, opts, take).catch((e: unknown) => {
        opts.logger.error(`API ${req.method} ${pathOf(req)} failed`, e);
        sendJson(res, 500, { error: 'internal error; the change, if any, was not made' });
      });
    },
  };
}

const pathOf = (req: IncomingMessage) => new URL(req.url ?? '/', 'http://localhost').pathname;

async function handle(
  req: IncomingMessage,
  res: ServerResponse,
  opts: ApiOptions,
  take: (scope: ApiScope) => number,
): Promise<void> {
  if (opts.token === undefined) {
    req.resume();
    sendJson(res, 404, { error: 'the API is off: set API_TOKEN to enable /api/v1' });
    return;
  }
  const scope = scopeOf(req, opts);
  if (!scope) {
    routeOf(res, 'refused');
    req.resume();
    sendJson(
      res,
      401,
      { error: 'Authorization: Bearer <API_TOKEN> required' },
      { 'www-authenticate': 'Bearer realm="firebreak-api"' },
    );
    return;
  }
  // After the token check (a stranger cannot drain a caller's bucket), before any work.
  const wait = take(scope);
  if (wait > 0) {
    routeOf(res, 'rate_limited');
    req.resume();
    sendJson(
      res,
      429,
      { error: `Too many requests for this token (API_RATE_LIMIT); retry in ${wait} s.` },
      { 'retry-after': String(wait) },
    );
    return;
  }
  const url = new URL(req.url ?? '/', 'http://localhost');
  const path = url.pathname.slice(API_BASE.length).replace(/\/+$/, '') || '/';
  const method = (req.method ?? 'GET').toUpperCase();

  if (path === '/openapi.json') {
    routeOf(res, 'getOpenApi');
    req.resume();
    if (method !== 'GET') return methodNotAllowed(res, ['GET']);
    sendJson(res, 200, openApiDocument());
    return;
  }

  let found: { endpoint: Endpoint; params: Record<string, string> } | undefined;
  const allowed: string[] = [];
  for (const endpoint of endpoints) {
    const params = match(endpoint.path, path);
    if (!params) continue;
    allowed.push(endpoint.method);
    if (endpoint.method === method) found = { endpoint, params };
  }
  if (!found) {
    req.resume();
    if (allowed.length > 0) return methodNotAllowed(res, allowed);
    sendJson(res, 404, {
      error: `no such endpoint: ${method} ${url.pathname}; see ${API_BASE}/openapi.json`,
    });
    return;
  }
  const { endpoint, params } = found;
  routeOf(res, endpoint.operationId);
  try {
    let query: unknown = {};
    if (endpoint.query) {
      const parsed = endpoint.query.safeParse(queryOf(url));
      if (!parsed.success) throw invalidRequest('bad query', parsed.error);
      query = parsed.data;
    } else if ([...url.searchParams.keys()].length > 0) {
      throw new ApiError(400, `${endpoint.method} ${endpoint.path} takes no query parameters`);
    }
    const headers: Record<string, string | undefined> = {};
    for (const [name, spec] of Object.entries(endpoint.headers ?? {})) {
      const raw = req.headers[name];
      if (raw === undefined) continue;
      const parsed = spec.schema.safeParse(Array.isArray(raw) ? raw.join(',') : raw);
      if (!parsed.success) throw invalidRequest(`bad ${name} header`, parsed.error);
      headers[name] = parsed.data as string;
    }
    let body: unknown;
    if (endpoint.body) {
      const parsed = endpoint.body.safeParse(await readJson(req));
      if (!parsed.success) throw invalidRequest('bad body', parsed.error);
      body = parsed.data;
    } else {
      req.resume();
    }
    const answer = await endpoint.handle({ deps: opts, scope, params, headers, query, body });
    sendJson(res, answer.status, answer.body, answer.headers);
  } catch (e) {
    if (e instanceof ApiError) {
      sendJson(
        res,
        e.status,
        { error: e.message, ...(e.issues ? { issues: e.issues } : {}) },
        {
          ...(e.status === 413 ? { connection: 'close' } : {}),
        },
      );
      return;
    }
    if (isDomainError(e)) {
      const issues = e.field ? [{ path: e.field, message: e.message }] : undefined;
      sendJson(res, DOMAIN_STATUS[e.code] ?? 422, { error: e.message, ...(issues ? { issues } : {}) });
      return;
    }
    throw e;
  }
}

/** The metrics label of this answer (set once the route is known). */
function routeOf(res: ServerResponse, route: string): void {
  (res as ServerResponse & { route?: string }).route = route;
}

function methodNotAllowed(res: ServerResponse, allowed: string[]): void {
  sendJson(
    res,
    405,
    { error: `method not allowed; use ${allowed.join(' or ')}` },
    { allow: allowed.join(', ') },
  );
}
