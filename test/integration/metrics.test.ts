import { afterEach, describe, expect, it } from 'vitest';
import { type Harness, startHarness, WS } from '../helpers/harness.js';

/**
 * GET /metrics (Prometheus text format) after real traffic through the simulator: requests and
 * acknowledgement latency by surface, Web API calls, errors and 429s by method, the inbox, jobs and
 * open incidents by severity. It has its own token, like every endpoint that is not Slack's.
 */
const TOKEN = 'metrics-token-0123456789abcdef';
let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

function base(harness: Harness): string {
  return harness.botUrl.replace(/\/slack\/events$/, '');
}

async function scrape(harness: Harness): Promise<string> {
  const r = await fetch(`${base(harness)}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
  expect(r.status).toBe(200);
  expect(r.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return r.text();
}

/** The value of one sample, e.g. sample(text, 'firebreak_open_incidents{severity="SEV3"}'). */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('GET /metrics', () => {
  it('does not exist without METRICS_TOKEN, and refuses a missing or wrong token', async () => {
    h = await startHarness();
    expect((await fetch(`${base(h)}/metrics`)).status).toBe(404);
    await h.close();
    h = await startHarness({ env: { METRICS_TOKEN: TOKEN } });
    const none = await fetch(`${base(h)}/metrics`);
    expect(none.status).toBe(401);
    expect(await none.text()).not.toContain('firebreak_');
    const wrong = await fetch(`${base(h)}/metrics`, {
      headers: { authorization: 'Bearer not-the-token-at-all' },
    });
    expect(wrong.status).toBe(401);
  });

  it('exposes every family after real traffic', async () => {
    h = await startHarness({
      env: { METRICS_TOKEN: TOKEN },
      jobs: [
        { name: 'fine', cron: '0 0 1 1 *', run: async () => {} },
        {
          name: 'broken',
          cron: '0 0 1 1 *',
          run: async () => {
            throw new Error('job failed on purpose');
          },
        },
      ],
    });
    const alice = h.person(WS.users.alice);
    await alice.command('help', WS.channels.general);
    await alice.command('declare Checkout returns 502', WS.channels.general);
    await h.idle();
    // Events: a message and a reaction in the incident's channel (the bot is in it).
    const channel = h.sim.channels().find((c) => c.name.startsWith('inc-1'))?.id ?? '';
    const msg = await h.sim.postAsUser(WS.users.alice, channel, 'hello');
    await h.sim.react(WS.users.alice, channel, msg.ts, 'wave');
    await h.idle();
    // A 429 (answered at once with Retry-After: 0, then retried) and an ok:false answer.
    h.sim.fault('users.info', { status: 429, retryAfter: 0 });
    await h.bot.app.client.users.info({ user: WS.users.bob });
    h.sim.fault('users.info', { error: 'user_not_found' });
    await h.bot.app.client.users.info({ user: WS.users.bob }).catch(() => {});
    await h.bot.scheduler.run('fine');
    await h.bot.scheduler.run('broken');
    // One inbox event that gave up (three failed attempts).
    h.db.$client
      .prepare(
        "insert into slack_events (event_id, type, payload, status, attempts, received_at) values ('Ev0FAILED', 'message', '{}', 'failed', 3, 0)",
      )
      .run();

    const text = await scrape(h);
    expect(sample(text, 'firebreak_slack_requests_total{surface="command",status="200"}')).toBe(2);
    expect(
      sample(text, 'firebreak_slack_requests_total{surface="event",status="200"}'),
    ).toBeGreaterThanOrEqual(2);
    expect(sample(text, 'firebreak_slack_ack_seconds_count{surface="command"}')).toBe(2);
    expect(sample(text, 'firebreak_slack_ack_seconds_bucket{le="3",surface="command"}')).toBe(2);
    expect(sample(text, 'firebreak_slack_api_calls_total{method="conversations.create"}')).toBe(1);
    expect(sample(text, 'firebreak_slack_api_calls_total{method="users.info"}')).toBeGreaterThanOrEqual(3);
    expect(sample(text, 'firebreak_slack_api_rate_limited_total{method="users.info"}')).toBe(1);
    expect(sample(text, 'firebreak_slack_api_errors_total{method="users.info",error="ratelimited"}')).toBe(1);
    expect(sample(text, 'firebreak_slack_api_errors_total{method="users.info",error="user_not_found"}')).toBe(
      1,
    );
    expect(sample(text, 'firebreak_inbox_events{status="pending"}')).toBe(0);
    expect(sample(text, 'firebreak_inbox_events{status="failed"}')).toBe(1);
    expect(sample(text, 'firebreak_job_runs_total{job="fine"}')).toBe(1);
    expect(sample(text, 'firebreak_job_runs_total{job="broken"}')).toBe(1);
    expect(sample(text, 'firebreak_job_failures_total{job="broken"}')).toBe(1);
    expect(sample(text, 'firebreak_job_failures_total{job="fine"}')).toBeUndefined();
    expect(sample(text, 'firebreak_open_incidents{severity="SEV3"}')).toBe(1);
    expect(sample(text, 'firebreak_open_incidents{severity="SEV1"}')).toBe(0);
    expect(text).toContain('firebreak_process_resident_memory_bytes');
    // Nothing secret in it.
    expect(text).not.toContain(h.sim.token);
    expect(text).not.toContain(TOKEN);
  });

  it('counts refused (unsigned) requests too, without trusting what they claim to be', async () => {
    h = await startHarness({ env: { METRICS_TOKEN: TOKEN } });
    const r = await fetch(h.botUrl, {
      method: 'POST',
      body: 'command=%2Fincident',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(r.status).toBe(401);
    const text = await scrape(h);
    expect(sample(text, 'firebreak_slack_requests_total{surface="refused",status="401"}')).toBe(1);
    expect(sample(text, 'firebreak_slack_requests_total{surface="command",status="401"}')).toBeUndefined();
  });
});
