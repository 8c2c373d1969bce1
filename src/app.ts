import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { App, type BufferedIncomingMessage, HTTPReceiver, LogLevel, SocketModeReceiver } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import { alertJobs, createAlertsFeature } from './alerts/slack/register.js';
import { apiRoute } from './api/routes.js';
import { slackApiEffects } from './api/slack/effects.js';
import type { Config } from './config.js';
import type { Db } from './db/client.js';
import { digestJobs } from './digest/slack/jobs.js';
import * as digest from './digest/slack/register.js';
import * as lifecycle from './lifecycle/slack/register.js';
import { setupJobs } from './lifecycle/slack/setup-jobs.js';
import type { AppLogger } from './log.js';
import { createMetrics, type Metrics, measureRequests, measuringFetch, surfaceOf } from './ops/metrics.js';
import { createReadiness, type ReadinessProbe, TOKEN_ERRORS } from './ops/readiness.js';
import { metricsRoute, readyzRoute, refuseMalformedPaths } from './ops/routes.js';
import { recurrenceJobs } from './recurrence/jobs.js';
import * as recurrence from './recurrence/slack/register.js';
import * as resolution from './resolution/slack/register.js';
import { reminderJobs } from './resolution/slack/reminder-jobs.js';
import { type Clock, systemClock, type Waits } from './runtime/clock.js';
import { createDeps, type Deps } from './runtime/deps.js';
import { createScheduler, type Job, type Scheduler } from './runtime/schedule.js';
import { createLimiter, createTasks, type Tasks } from './runtime/tasks.js';
import { createSlackClients } from './slack/clients.js';
import { registerCommand, withHelp } from './slack/command/index.js';
import type { Subcommand } from './slack/command/router.js';
import { createDispatch, type Listeners } from './slack/dispatch.js';
import {
  type InboxVerdict,
  inboxCounts,
  inboxJobs,
  isOwnEvent,
  markEvent,
  pendingEvents,
  recordEvent,
} from './slack/inbox.js';
import { DIRECTORY_REFRESH_MS } from './slack/mentions.js';
import { guardRequests } from './slack/request-guard.js';
import * as timeline from './timeline/slack/register.js';
import { trackerWebhookRoute } from './trackers/routes.js';
import { trackerJobs } from './trackers/slack/jobs.js';
import * as trackers from './trackers/slack/register.js';

export interface AppOptions {
  config: Config;
  db: Db;
  logger: AppLogger;
  clock?: Clock;
  /** Web API retry policy; production keeps a bounded one, tests pass { retries: 0 }. */
  retryConfig?: {
    retries: number;
    factor?: number;
    minTimeout?: number;
    maxTimeout?: number;
    randomize?: boolean;
  };
  /** Skip auth.test at start-up (tests that have no Web API). */
  botIdentity?: { botId: string; botUserId: string };
  /** Override the scheduled jobs (tests). */
  jobs?: Job[];
  /** Delay before a failed event listener runs again (default EVENT_RETRY_DELAY_MS). */
  eventRetryDelayMs?: number;
  /** Start cron schedules (default true). */
  schedules?: boolean;
  /** How long /readyz trusts an auth.test answer (default AUTH_RECHECK_MS). */
  authRecheckMs?: number;
  /**
   * What Slack's Retry-After is waited out on (default real time). Tests pass their FakeClock, so a
   * 429 is waited out on the clock the test controls and costs no real second.
   */
  slackWaits?: Waits;
  /** First wait before alert triage cards are rendered after a change (default 2 s; tests shorten it). */
  alertCoalesceMs?: number;
}

export interface FirebreakApp {
  app: App;
  deps: Deps;
  scheduler: Scheduler;
  /** Prometheus metrics served on GET /metrics. */
  metrics: Metrics;
  /** What GET /readyz answers. */
  readiness: ReadinessProbe;
  /** Starts listening; resolves with the bound port (HTTP) or 0 (Socket Mode). */
  start(port?: number): Promise<number>;
  /** Runs stored events that did not finish (at start, a minute after a failure, and from tests). */
  replayPending(): Promise<void>;
  /** Stops accepting requests, finishes in-flight work. Does not close the database. */
  stop(): Promise<void>;
}

export const BOUNDED_RETRIES = {
  retries: 5,
  factor: 2,
  minTimeout: 500,
  maxTimeout: 10_000,
  randomize: true,
};
/** Events API listeners running at once; more wait (already acknowledged and stored in the inbox). */
export const EVENT_CONCURRENCY = 4;
/** A failed event listener is run again after this long (three attempts in all, then 'failed'). */
export const EVENT_RETRY_DELAY_MS = 60_000;
/** Largest request body accepted; Slack's own payloads are far smaller. */
export const BODY_LIMIT = 1024 * 1024;

const boltLevel: Record<string, LogLevel> = {
  debug: LogLevel.DEBUG,
  info: LogLevel.INFO,
  warn: LogLevel.WARN,
  error: LogLevel.ERROR,
};

/** Socket Mode could not connect at start-up (SLACK_APP_TOKEN refused, or Slack unreachable). */
export class SocketStartError extends Error {
  override name = 'SocketStartError';
  constructor(readonly original: unknown) {
    super((original as Error)?.message ?? String(original));
  }
}

/** Every feature, in the order its subcommands appear in help and its listeners are registered. */
const FEATURES = [lifecycle, timeline, resolution, recurrence, digest, trackers];

/** `/incident`'s subcommands: each feature's, then help. */
export function allSubcommands(deps: Deps): Subcommand[] {
  return withHelp(FEATURES.flatMap((f) => f.subcommands(deps)));
}

/** Registers `/incident` and every feature's listeners. */
export function registerFeatures(app: Listeners, deps: Deps): void {
  registerCommand(app, deps, allSubcommands(deps));
  for (const f of FEATURES) f.register(app, deps);
}

/** Every scheduled job, each feature's, with the client it posts through. */
export function allJobs(deps: Deps, client: WebClient): Job[] {
  // recurrenceJobs: the recurrence index loads in the background at start-up (runOnStart).
  return [
    ...setupJobs(deps, client),
    ...reminderJobs(deps, client),
    ...digestJobs(deps, client),
    ...recurrenceJobs(deps),
    ...inboxJobs(deps),
    ...trackerJobs(deps, client),
    ...alertJobs(deps),
  ];
}

/** Builds the Bolt app with all listeners; no side effects until start(). */
export function createApp(opts: AppOptions): FirebreakApp {
  const { config, db, logger } = opts;
  const clock = opts.clock ?? systemClock;
  logger.addSecrets(
    config.SLACK_BOT_TOKEN,
    config.SLACK_SIGNING_SECRET,
    config.SLACK_APP_TOKEN,
    config.METRICS_TOKEN,
    config.API_TOKEN,
    config.API_PRIVATE_TOKEN,
    config.TRACKER_TOKEN,
    config.TRACKER_WEBHOOK_SECRET,
  );
  logger.setLevel(boltLevel[config.LOG_LEVEL] ?? LogLevel.INFO);
  const tasks: Tasks = createTasks((label, error) =>
    logger.error(`background work "${label}" failed`, error),
  );
  const socketMode = config.SLACK_APP_TOKEN !== undefined;
  const metrics = createMetrics(db);
  // Set once the App exists (auth.test goes through its client); /readyz cannot be asked before start().
  let authTest: () => Promise<string | undefined> = async () => 'not started';
  const readiness = createReadiness({
    db,
    socketMode,
    authTest: () => authTest(),
    ...(opts.authRecheckMs !== undefined ? { recheckMs: opts.authRecheckMs } : {}),
  });
  // Every Web API request is counted by method; an answer saying the token is bad makes /readyz fail.
  const apiFetch = measuringFetch(config.SLACK_API_URL, metrics, (method, error) => {
    if (error !== undefined && TOKEN_ERRORS.has(error)) readiness.slackRefused(error);
    else if (method === 'auth.test' && error === undefined) readiness.slackAccepted();
  });
  const opsRoutes = [readyzRoute(readiness), metricsRoute(metrics, config.METRICS_TOKEN)];
  const slack = createSlackClients(config.SLACK_BOT_TOKEN, {
    slackApiUrl: config.SLACK_API_URL,
    retryConfig: opts.retryConfig ?? BOUNDED_RETRIES,
    logger,
    // Under the rate gate: each HTTP request, 429s included, is counted.
    fetch: apiFetch,
    ...(opts.slackWaits ? { waits: opts.slackWaits } : {}),
  });
  const deps = createDeps({ config, db, clock, logger, tasks, slack });
  const alerts = createAlertsFeature(deps, {
    bodyLimit: BODY_LIMIT,
    metrics,
    ...(opts.alertCoalesceMs !== undefined ? { coalesceMs: opts.alertCoalesceMs } : {}),
  });
  // /api/v1 (src/api): its Slack side runs through Bolt's client, which exists once the App does.
  opsRoutes.push(
    apiRoute({
      db,
      clock,
      logger,
      token: config.API_TOKEN,
      privateToken: config.API_PRIVATE_TOKEN,
      effects: slackApiEffects(deps, () => app.client),
      categories: config.ROOT_CAUSE_CATEGORIES,
      ...(config.API_RATE_LIMIT ? { rateLimit: config.API_RATE_LIMIT } : {}),
      observe: (route, status, seconds) => metrics.observeHttp(route, status, seconds),
    }),
  );
  if (deps.trackers)
    opsRoutes.push(trackerWebhookRoute(deps.trackers, config.TRACKER_WEBHOOK_SECRET !== undefined, logger));
  const healthz = {
    path: '/healthz',
    method: ['GET'],
    handler: (_req: IncomingMessage, res: ServerResponse) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ status: 'ok' }));
    },
  };
  let receiver: HTTPReceiver | SocketModeReceiver | undefined;
  if (socketMode) {
    // Socket Mode needs no public URL, but operators still probe /healthz on PORT.
    receiver = new SocketModeReceiver({
      appToken: config.SLACK_APP_TOKEN ?? '',
      logger,
      customRoutes: [healthz, ...opsRoutes, ...alerts.routes],
      // The socket's own client (apps.connections.open) follows SLACK_API_URL like every other call.
      installerOptions: {
        port: config.PORT,
        clientOptions: { slackApiUrl: config.SLACK_API_URL, fetch: apiFetch },
      },
      // As in HTTP mode: the event is in the inbox before Bolt acknowledges it over the socket.
      customPropertiesExtractor: (args) => ({
        inbox: recordEvent(db, clock, (args as { body?: unknown }).body),
      }),
    });
  } else {
    receiver = new HTTPReceiver({
      signingSecret: config.SLACK_SIGNING_SECRET ?? '',
      endpoints: '/slack/events',
      logger,
      bodyLimit: BODY_LIMIT,
      customRoutes: [healthz, ...opsRoutes, ...alerts.routes],
      // Runs after the signature is verified and before the 2xx is sent: the event is stored first.
      customPropertiesExtractor: (req) => {
        const raw = (req as BufferedIncomingMessage).rawBody?.toString() ?? '';
        if (!raw.startsWith('{')) return {};
        try {
          return { inbox: recordEvent(db, clock, JSON.parse(raw), raw) };
        } catch {
          return {};
        }
      },
    });
    // Bolt accepts request timestamps from the future and content types Slack never sends;
    // request-guard.ts refuses those before Bolt reads the body (issue 8, security).
    receiver.requestListener = guardRequests(receiver.requestListener, {
      endpoints: ['/slack/events'],
      onRefuse: (reason) => logger.warn(`refused a request to /slack/events: ${reason}`),
    });
    // Outermost, so refused requests are counted too and the latency is what Slack waits.
    receiver.requestListener = measureRequests(receiver.requestListener, '/slack/events', metrics);
    receiver.requestListener = refuseMalformedPaths(receiver.requestListener);
  }
  if (receiver instanceof SocketModeReceiver) {
    // Socket Mode's HTTP server (for the custom routes) is private to Bolt; its one request listener
    // gets the same guard (see refuseMalformedPaths: there a bad path stopped the process).
    const server = (receiver as unknown as { httpServer?: Server }).httpServer;
    const [listener] = server?.listeners('request') ?? [];
    if (server && typeof listener === 'function') {
      server.removeListener('request', listener as (...args: unknown[]) => void);
      server.on(
        'request',
        refuseMalformedPaths(listener as (req: IncomingMessage, res: ServerResponse) => unknown),
      );
    }
  }
  if (receiver instanceof SocketModeReceiver) {
    const client = receiver.client;
    client.on('connected', () => readiness.socketState(true));
    for (const state of ['disconnected', 'reconnecting', 'disconnecting'])
      client.on(state, () => readiness.socketState(false));
  }

  const app = new App({
    token: config.SLACK_BOT_TOKEN,
    receiver,
    logger,
    // Without logLevel Bolt resets the logger to INFO, and LOG_LEVEL=debug would show nothing more.
    logLevel: boltLevel[config.LOG_LEVEL] ?? LogLevel.INFO,
    // Off: the inbox middleware below must see the bot's own events first, store them and mark
    // them finished (isOwnEvent); Bolt's ignoreSelf dropped them before they reached it.
    ignoreSelf: false,
    // Firebreak keeps its state in SQLite; Bolt's in-memory conversation store only cost time per request.
    convoStore: false,
    deferInitialization: true,
    ...(opts.botIdentity ?? {}),
    // Per-method waits on a 429 instead of a paused client (src/slack/clients.ts).
    clientOptions: slack.options,
  });
  authTest = async () => {
    try {
      await app.client.auth.test();
      return undefined;
    } catch (e) {
      const code = (e as { data?: { error?: unknown } }).data?.error;
      if (typeof code === 'string') return code;
      throw e;
    }
  };
  if (socketMode) {
    // Over the socket there is no HTTP answer to time; requests are still counted by surface.
    app.use(async ({ body, next }) => {
      metrics.observeRequest(surfaceOf(body), 200);
      await next();
    });
  }

  const eventSlots = createLimiter(EVENT_CONCURRENCY);
  const activeEvents = new Set<string>();
  let retryTimer: NodeJS.Timeout | undefined;
  const retryLater = () => {
    if (retryTimer || stopping) return;
    retryTimer = setTimeout(() => {
      retryTimer = undefined;
      tasks.defer('retry failed events', replayPending);
    }, opts.eventRetryDelayMs ?? EVENT_RETRY_DELAY_MS);
    retryTimer.unref();
  };
  let stopping = false;
  let directoryTimer: NodeJS.Timeout | undefined;
  // Events API: process each event_id once; remember the outcome for replay after a crash.
  app.use(async ({ body, context, next }) => {
    const envelope = body as { type?: string; event_id?: string };
    if (envelope.type !== 'event_callback' || typeof envelope.event_id !== 'string') {
      await next();
      return;
    }
    const verdict = (context.inbox as InboxVerdict | undefined) ?? recordEvent(db, clock, body);
    if (verdict === 'duplicate' && context.replay !== true) {
      logger.debug(`event ${envelope.event_id} already received; skipped`);
      return;
    }
    const eventId = envelope.event_id;
    if (isOwnEvent((body as { event?: { user?: unknown; bot_id?: unknown } }).event, context)) {
      markEvent(db, clock, eventId);
      return;
    }
    // A replay must not run an event that is still queued or running here.
    if (activeEvents.has(eventId)) return;
    activeEvents.add(eventId);
    // Bolt has already sent the 2xx and the event is in the inbox. Listeners run tracked (stop() and
    // tests wait for them) and a few at a time, so a burst of events cannot starve new requests.
    try {
      await tasks.track(() =>
        eventSlots.run(async () => {
          try {
            await next();
            markEvent(db, clock, eventId);
          } catch (e) {
            // Left pending (up to three attempts): tried again in a minute, not only after a restart.
            markEvent(db, clock, eventId, e);
            retryLater();
            throw e;
          }
        }),
      );
    } finally {
      activeEvents.delete(eventId);
    }
  });

  app.error(async (error) => {
    const e = error as Error & { code?: string; original?: unknown };
    logger.error(`unhandled error in a listener (${e.code ?? 'no code'})`, e.original ?? e);
  });

  // One Bolt listener per kind, routing by id, instead of one per feature listener (src/slack/dispatch.ts).
  const listeners = createDispatch(app);
  registerFeatures(listeners, deps);
  alerts.register(listeners);
  const scheduler = createScheduler(deps, opts.jobs ?? allJobs(deps, app.client), (job, ok) =>
    metrics.observeJob(job, ok),
  );

  /** Events stored but not finished before a crash or stop are run again. */
  const replayPending = async () => {
    for (const ev of pendingEvents(db)) {
      await app.processEvent({
        body: ev.payload,
        ack: async () => {},
        customProperties: { replay: true },
      });
    }
  };

  return {
    app,
    deps,
    scheduler,
    metrics,
    readiness,
    replayPending,
    async start(port = config.PORT) {
      await app.init();
      let bound = 0;
      if (socketMode) {
        try {
          await app.start();
        } catch (e) {
          // auth.test passed in init(): what failed is the socket (the app-level token, apps.connections.open).
          throw new SocketStartError(e);
        }
      } else {
        const server = (await app.start(port)) as { address(): AddressInfo | string | null };
        const addr = server.address();
        bound = typeof addr === 'object' && addr !== null ? addr.port : port;
      }
      const inbox = inboxCounts(db);
      const line = `event inbox: ${inbox.unfinished} unfinished (replaying now), ${inbox.failed} failed after three attempts`;
      if (inbox.failed > 0) logger.warn(line);
      else logger.info(line);
      tasks.defer('replay pending events', replayPending);
      // Alerts stored before a stop whose card was not posted yet get it now.
      alerts.flush();
      // Names for commands come from this read, never from a walk while someone waits.
      tasks.defer('read the member list', () => deps.people.refresh(app.client));
      directoryTimer = setInterval(() => {
        tasks.defer('read the member list', () => deps.people.refresh(app.client));
      }, DIRECTORY_REFRESH_MS);
      directoryTimer.unref();
      if (opts.schedules !== false) scheduler.start();
      return bound;
    },
    async stop() {
      stopping = true;
      if (retryTimer) clearTimeout(retryTimer);
      if (directoryTimer) clearInterval(directoryTimer);
      scheduler.stop();
      await app.stop();
      await tasks.idle();
    },
  };
}
