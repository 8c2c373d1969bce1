import type { IncomingMessage, ServerResponse } from 'node:http';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { Db } from '../db/client.js';

/**
 * Prometheus metrics (prom-client, the de-facto Node.js client: text format, histograms, process
 * metrics). One registry per app, built by createApp, so tests and several apps in one process never
 * share counters. Counts of things the database already knows (inbox, open incidents) are read from
 * it when /metrics is scraped instead of being tracked twice.
 */
export interface Metrics {
  registry: Registry;
  /** A request from Slack: its surface (command, block_actions, event …) and HTTP status. */
  observeRequest(surface: string, status: number, seconds?: number): void;
  /** One HTTP request to the Web API: its method, HTTP status and Slack's error, if any. */
  observeApiCall(method: string, status: number, error: string | undefined): void;
  observeJob(job: string, ok: boolean): void;
  /**
   * A request to one of Firebreak's own HTTP endpoints (the API): `route` is a fixed name (the API's
   * operationId, or `refused` / `unknown`), never a raw path, so the label stays small.
   */
  observeHttp(route: string, status: number, seconds: number): void;
  /**
   * One request to POST /alerts/<source>: `outcome` is stored | duplicate | ignored | refused |
   * failed, `status` its HTTP status. Only the fixed source names and outcomes become labels, never
   * anything the sender wrote (its labels and text are unbounded and may be private).
   */
  observeAlertRequest(source: string, outcome: string, status: number): void;
  /** Alerts of stored payloads by what they changed (new, resolved, refired, duplicate …). */
  observeAlerts(source: string, change: string, n: number): void;
  /** New alert groups (each gets one triage card), and card posts and edits. */
  observeAlertGroups(source: string, n: number): void;
  observeAlertCard(action: 'posted' | 'updated' | 'failed'): void;
}

/** Acknowledgement latency buckets: Slack gives up at 3 s, so the interesting part is below it. */
const ACK_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5];

export function createMetrics(db: Db): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'firebreak_' });
  const requests = new Counter({
    name: 'firebreak_slack_requests_total',
    help: 'Requests from Slack by surface and HTTP status (Socket Mode: status 200)',
    labelNames: ['surface', 'status'] as const,
    registers: [registry],
  });
  const ack = new Histogram({
    name: 'firebreak_slack_ack_seconds',
    help: 'Time from a request arriving to its acknowledgement being sent, by surface (HTTP mode)',
    labelNames: ['surface'] as const,
    buckets: ACK_BUCKETS,
    registers: [registry],
  });
  const apiCalls = new Counter({
    name: 'firebreak_slack_api_calls_total',
    help: 'HTTP requests to the Slack Web API by method (each retry counts)',
    labelNames: ['method'] as const,
    registers: [registry],
  });
  const apiErrors = new Counter({
    name: 'firebreak_slack_api_errors_total',
    help: 'Web API answers that were not ok, by method and error (ok:false error, http_<status>, network)',
    labelNames: ['method', 'error'] as const,
    registers: [registry],
  });
  const apiRateLimited = new Counter({
    name: 'firebreak_slack_api_rate_limited_total',
    help: 'Web API answers with HTTP 429 (rate limited), by method',
    labelNames: ['method'] as const,
    registers: [registry],
  });
  const jobRuns = new Counter({
    name: 'firebreak_job_runs_total',
    help: 'Scheduled job runs by job',
    labelNames: ['job'] as const,
    registers: [registry],
  });
  const jobFailures = new Counter({
    name: 'firebreak_job_failures_total',
    help: 'Scheduled job runs that failed, by job',
    labelNames: ['job'] as const,
    registers: [registry],
  });
  const sqlite = db.$client;
  new Gauge({
    name: 'firebreak_inbox_events',
    help: 'Events API events in the inbox by status: pending (unfinished, will be retried) or failed (gave up after 3 attempts)',
    labelNames: ['status'] as const,
    registers: [registry],
    collect() {
      this.reset();
      this.set({ status: 'pending' }, 0);
      this.set({ status: 'failed' }, 0);
      if (!sqlite.open) return;
      const rows = sqlite
        .prepare(
          "select status, count(*) as n from slack_events where status in ('pending', 'failed') group by status",
        )
        .all() as { status: string; n: number }[];
      for (const r of rows) this.set({ status: r.status }, r.n);
    },
  });
  new Gauge({
    name: 'firebreak_open_incidents',
    help: 'Incidents not yet resolved, by severity (1 is the most severe)',
    labelNames: ['severity'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const s of [1, 2, 3, 4]) this.set({ severity: `SEV${s}` }, 0);
      if (!sqlite.open) return;
      const rows = sqlite
        .prepare(
          "select severity, count(*) as n from incidents where status not in ('resolved', 'closed') group by severity",
        )
        .all() as { severity: number; n: number }[];
      for (const r of rows) this.set({ severity: `SEV${r.severity}` }, r.n);
    },
  });
  const httpRequests = new Counter({
    name: 'firebreak_http_requests_total',
    help: 'Requests to Firebreak’s own HTTP endpoints (the API), by route and HTTP status',
    labelNames: ['route', 'status'],
    registers: [registry],
  });
  const httpSeconds = new Histogram({
    name: 'firebreak_http_request_seconds',
    help: 'Time from a request to Firebreak’s own HTTP endpoints to its answer, by route',
    labelNames: ['route'],
    buckets: ACK_BUCKETS,
    registers: [registry],
  });
  const alertRequests = new Counter({
    name: 'firebreak_alert_requests_total',
    help: 'Requests to POST /alerts/<source> by source, outcome (stored, duplicate, ignored, refused, failed) and status class',
    labelNames: ['source', 'outcome', 'status'] as const,
    registers: [registry],
  });
  const alertsReceived = new Counter({
    name: 'firebreak_alerts_total',
    help: 'Alerts in accepted payloads by source and change (new, resolved, refired, duplicate, updated, unrouted)',
    labelNames: ['source', 'change'] as const,
    registers: [registry],
  });
  const alertGroupsCreated = new Counter({
    name: 'firebreak_alert_groups_total',
    help: 'Alert groups opened (one triage card each), by source',
    labelNames: ['source'] as const,
    registers: [registry],
  });
  const alertCards = new Counter({
    name: 'firebreak_alert_cards_total',
    help: 'Triage card renders by action: posted, updated, failed (retried later)',
    labelNames: ['action'] as const,
    registers: [registry],
  });
  return {
    registry,
    observeAlertRequest(source, outcome, status) {
      alertRequests.inc({ source, outcome, status: `${Math.floor(status / 100)}xx` });
    },
    observeAlerts(source, change, n) {
      if (n > 0) alertsReceived.inc({ source, change }, n);
    },
    observeAlertGroups(source, n) {
      if (n > 0) alertGroupsCreated.inc({ source }, n);
    },
    observeAlertCard(action) {
      alertCards.inc({ action });
    },
    observeHttp(route, status, seconds) {
      httpRequests.inc({ route, status: String(status) });
      httpSeconds.observe({ route }, seconds);
    },
    observeRequest(surface, status, seconds) {
      requests.inc({ surface, status: String(status) });
      if (seconds !== undefined) ack.observe({ surface }, seconds);
    },
    observeApiCall(method, status, error) {
      apiCalls.inc({ method });
      if (status === 429) apiRateLimited.inc({ method });
      if (error !== undefined) apiErrors.inc({ method, error });
    },
    observeJob(job, ok) {
      jobRuns.inc({ job });
      if (!ok) jobFailures.inc({ job });
    },
  };
}

/** What kind of Slack request a body is; few, fixed values, so the label stays small. */
export function surfaceOf(body: unknown): string {
  if (typeof body !== 'object' || body === null) return 'unknown';
  const b = body as { type?: unknown; command?: unknown; payload?: unknown };
  if (typeof b.command === 'string') return 'command';
  let type = b.type;
  if (typeof b.payload === 'string') {
    try {
      type = (JSON.parse(b.payload) as { type?: unknown }).type;
    } catch {
      return 'unknown';
    }
  }
  switch (type) {
    case 'event_callback':
      return 'event';
    case 'shortcut':
      return 'shortcut';
    case 'message_action':
      return 'message_shortcut';
    case 'block_actions':
    case 'view_submission':
    case 'view_closed':
    case 'block_suggestion':
    case 'url_verification':
      return type;
    default:
      return 'unknown';
  }
}

/** The surface of a raw HTTP body (after Bolt read it): JSON for events, form fields otherwise. */
export function surfaceOfRaw(raw: string): string {
  if (raw.startsWith('{')) {
    try {
      return surfaceOf(JSON.parse(raw));
    } catch {
      return 'unknown';
    }
  }
  return surfaceOf(Object.fromEntries(new URLSearchParams(raw)));
}

/**
 * Wraps the HTTP receiver's request listener: every request to `endpoint` is counted by surface
 * and status, and the time until its answer was sent (what Slack waits on) goes into the histogram.
 * Classifying happens after the answer went out, off the acknowledgement's path.
 */
export function measureRequests(
  listener: (req: IncomingMessage, res: ServerResponse) => void,
  endpoint: string,
  metrics: Metrics,
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    if (req.url?.split('?')[0] === endpoint) {
      const started = process.hrtime.bigint();
      res.once('finish', () => {
        const seconds = Number(process.hrtime.bigint() - started) / 1e9;
        const raw = (req as IncomingMessage & { rawBody?: Buffer }).rawBody?.toString() ?? '';
        metrics.observeRequest(raw === '' ? 'refused' : surfaceOfRaw(raw), res.statusCode, seconds);
      });
    }
    listener(req, res);
  };
}

/**
 * A `fetch` for @slack/web-api (its `fetch` client option, copied into every client Bolt makes)
 * that counts each Web API request by method and notes 429s and errors. `onAnswer` sees Slack's
 * error code too (readiness watches for a revoked token). Upload URLs outside the API are not counted.
 */
export function measuringFetch(
  apiUrl: string,
  metrics: Metrics,
  onAnswer?: (method: string, error: string | undefined) => void,
): typeof fetch {
  const base = apiUrl.endsWith('/') ? apiUrl : `${apiUrl}/`;
  return async (input, init) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    if (!url.startsWith(base)) return fetch(input, init);
    const method = url.slice(base.length).split('?')[0] ?? 'unknown';
    let res: Response;
    try {
      res = await fetch(input, init);
    } catch (e) {
      metrics.observeApiCall(method, 0, 'network');
      throw e;
    }
    let error: string | undefined;
    if (res.status !== 200) error = res.status === 429 ? 'ratelimited' : `http_${res.status}`;
    else {
      try {
        const body = (await res.clone().json()) as { ok?: unknown; error?: unknown };
        if (body.ok === false) error = typeof body.error === 'string' ? body.error : 'unknown';
      } catch {
        // not JSON: Slack's own answer then carries no error to count
      }
    }
    metrics.observeApiCall(method, res.status, error);
    onAnswer?.(method, error);
    return res;
  };
}
