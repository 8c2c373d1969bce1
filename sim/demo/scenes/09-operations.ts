import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { formatChecks, runDoctor } from '../../../src/ops/doctor.js';
import type { Metrics } from '../../../src/ops/metrics.js';
import { metricsRoute } from '../../../src/ops/routes.js';
import { SIGNING_SECRET } from '../../stack.js';
import { DEMO_METRICS_TOKEN, type DemoContext } from '../context.js';

export const title = 'Operations: /healthz, /readyz, /metrics and doctor, as the operator sees them';

/** Series worth a glance on a dashboard: a few lines of each, as Prometheus would scrape them. */
const WATCH: [RegExp, number][] = [
  [/^firebreak_slack_ack_seconds_(sum|count)\{/, 4],
  [
    /^firebreak_slack_api_calls_total\{method="(chat\.postMessage|conversations\.create|conversations\.join)"/,
    3,
  ],
  [/^firebreak_open_incidents\{/, 4],
  [/^firebreak_inbox_events\{/, 2],
];

/**
 * The bot's operator routes beside /slack/events: liveness, readiness that can fail (with reasons),
 * Prometheus metrics behind their own token; then `npm run doctor`'s checks against the local Slack.
 */
export async function scene(d: DemoContext): Promise<void> {
  const base = d.botUrl.replace(/\/slack\/events$/, '');
  const get = async (path: string, token?: string) => {
    const r = await fetch(`${base}${path}`, token ? { headers: { authorization: `Bearer ${token}` } } : {});
    return { status: r.status, type: r.headers.get('content-type') ?? '', body: await r.text() };
  };

  const health = await get('/healthz');
  d.narrate(`GET /healthz → ${health.status} ${health.body}`);
  const ready = await get('/readyz');
  d.narrate(`GET /readyz → ${ready.status} ${ready.body}`);

  // As after the app was uninstalled: the next Web API answer says the token is no good.
  d.sim.fault('auth.test', { error: 'token_revoked' });
  await d.bot.app.client.auth.test().catch(() => undefined);
  const notReady = await get('/readyz');
  d.narrate(`Slack answers token_revoked once; GET /readyz → ${notReady.status} ${notReady.body}`);
  await d.bot.app.client.auth.test();
  const again = await get('/readyz');
  d.narrate(`the next auth.test succeeds; GET /readyz → ${again.status} ${JSON.parse(again.body).status}`);

  const anon = await get('/metrics');
  d.narrate(`GET /metrics without a token → ${anon.status} ${anon.body}`);
  const wrong = await get('/metrics', 'not-the-token');
  d.narrate(`GET /metrics with a wrong token → ${wrong.status}`);
  const off = await withoutToken();
  d.narrate(`a bot without METRICS_TOKEN: GET /metrics → ${off.status} ${off.body}`);
  const metrics = await get('/metrics', DEMO_METRICS_TOKEN);
  const lines = metrics.body.split('\n');
  const picked = WATCH.flatMap(([re, max]) => lines.filter((l) => re.test(l)).slice(0, max));
  d.narrate(
    `GET /metrics with Authorization: Bearer $METRICS_TOKEN → ${metrics.status} (${metrics.type}); a few lines:\n${picked.map(mask).join('\n')}`,
  );

  // `npm run doctor` reads the same variables as the bot; here it runs in-process against the local Slack.
  const checks = await runDoctor(
    {
      SLACK_BOT_TOKEN: d.config.SLACK_BOT_TOKEN,
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: d.config.SLACK_API_URL,
      DATABASE_PATH: d.config.DATABASE_PATH,
      ...(d.config.ANNOUNCE_CHANNEL ? { ANNOUNCE_CHANNEL: d.config.ANNOUNCE_CHANNEL } : {}),
      ...(d.config.DIGEST_CHANNEL ? { DIGEST_CHANNEL: d.config.DIGEST_CHANNEL } : {}),
    },
    { retries: 0 },
  );
  // The temp database path and free disk space differ from run to run: the demo prints neither. The
  // demo's bot runs in-process without the one-writer lock `npm start` takes, so the lock check
  // (which would name the running bot) is left out too.
  const shown = formatChecks(checks.filter((c) => c.name !== 'disk' && c.name !== 'lock')).replaceAll(
    d.config.DATABASE_PATH,
    '$DATABASE_PATH',
  );
  d.narrate(`npm run doctor prints (disk space and the lock left out):\n${shown}`);
}

/**
 * The same /metrics route as a bot started without METRICS_TOKEN has it (the demo's bot has one), on a
 * throwaway loopback server.
 */
async function withoutToken(): Promise<{ status: number; body: string }> {
  const route = metricsRoute({} as Metrics, undefined);
  const server = createServer((req, res) => route.handler(req, res));
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  try {
    const r = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`);
    return { status: r.status, body: await r.text() };
  } finally {
    await new Promise((ok) => server.close(ok));
  }
}

/** Latency sums vary with the machine: shown as `…`, the counts stay. */
function mask(line: string): string {
  return /_sum\{/.test(line) ? line.replace(/ [0-9.e+-]+$/, ' …') : line;
}
