import { type BenchBot, startBenchBot } from './lib/bot.js';
import { fmt, loadFromWorker } from './lib/stats.js';

/**
 * Alert webhooks (issue 14, "Bad input and load"):
 * 1. stored alerts per second over real HTTP: one generic alert per request at concurrency 32, and
 *    Alertmanager notifications of 100 alerts each (every alert is in SQLite before its 2xx);
 * 2. Slack posts per 1,000 alerts: a storm of 1,000 alerts from one source spread over a minute
 *    (BENCH_STORM_SECONDS), counting chat.postMessage + chat.update with the production coalescing.
 * Goal: ≥ 2,000 stored alerts/s, and a handful of Slack calls per storm.
 */
const TOKEN = 'bench-alerts-token-0123456789';
const SINGLE = Number(process.env.BENCH_ALERTS ?? 4000);
const BATCHES = Number(process.env.BENCH_ALERT_BATCHES ?? 100);
const STORM_SECONDS = Number(process.env.BENCH_STORM_SECONDS ?? 60);
const CONCURRENCY = 32;

const alertsUrl = (b: BenchBot, source: string) => b.url.replace('/slack/events', `/alerts/${source}`);
const count = (b: BenchBot): number =>
  (b.db.$client.prepare('select count(*) as n from alerts').get() as { n: number }).n;

async function idle(b: BenchBot): Promise<void> {
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    if (b.bot.deps.tasks.inFlight === 0) return;
    await new Promise((r) => setTimeout(r, 50));
  }
}

function amPayload(batch: number, size: number, run: string): string {
  return JSON.stringify({
    version: '4',
    groupKey: `{}:{alertname="NodeDown",batch="${run}"}`,
    status: 'firing',
    receiver: 'firebreak',
    alerts: Array.from({ length: size }, (_, k) => ({
      status: 'firing',
      labels: {
        alertname: 'NodeDown',
        instance: `node-${batch}-${k}:9100`,
        job: 'node',
        severity: 'critical',
      },
      annotations: {
        summary: `Node node-${batch}-${k} is down`,
        description: 'node_exporter unreachable for 5m',
      },
      startsAt: new Date().toISOString(),
      endsAt: '0001-01-01T00:00:00Z',
      generatorURL: 'http://prometheus.example.org:9090/graph',
      fingerprint: `${run}-${batch}-${k}`,
    })),
  });
}

export async function run(): Promise<void> {
  const b = await startBenchBot({ env: { ALERTS_TOKEN: TOKEN, ALERT_CHANNEL: 'C0ALERTS' } });
  const headers = { authorization: `Bearer ${TOKEN}` };
  try {
    const send = (source: string, bodies: string[], concurrency = CONCURRENCY) =>
      loadFromWorker({
        url: alertsUrl(b, source),
        secret: '',
        bodies,
        contentType: 'application/json',
        concurrency,
        headers,
      });
    // Warm-up.
    await send(
      'generic',
      Array.from({ length: 300 }, (_, i) =>
        JSON.stringify({ id: `warm-${i}`, title: `Warm ${i}`, group: 'warm' }),
      ),
    );
    await idle(b);

    let before = count(b);
    const single = Array.from({ length: SINGLE }, (_, i) =>
      JSON.stringify({
        id: `single-${i}`,
        title: `Disk almost full on db-${i}`,
        severity: 'warning',
        service: 'db',
        group: 'disks',
      }),
    );
    const one = await send('generic', single);
    const stored1 = count(b) - before;
    const ok1 = one.results.filter((r) => r.status === 200).length;
    console.log(`one alert per request: ${SINGLE} requests, concurrency ${CONCURRENCY}`);
    console.log(
      `  stored ${stored1}/${SINGLE} (${ok1} answered 200) in ${fmt(one.wall, 0)} ms → ${fmt(stored1 / (one.wall / 1000), 0)} stored alerts/s (goal ≥ 2,000/s)`,
    );
    await idle(b);

    before = count(b);
    const batches = Array.from({ length: BATCHES }, (_, i) => amPayload(i, 100, 'batch'));
    const many = await send('alertmanager', batches, 8);
    const stored2 = count(b) - before;
    console.log(`Alertmanager notifications of 100 alerts: ${BATCHES} requests, concurrency 8`);
    console.log(
      `  stored ${stored2}/${BATCHES * 100} in ${fmt(many.wall, 0)} ms → ${fmt(stored2 / (many.wall / 1000), 0)} stored alerts/s`,
    );
    await idle(b);

    // The storm: 1,000 alerts from one source over STORM_SECONDS, one request each, as they arrive.
    const slackBefore =
      (b.slack.calls.get('chat.postMessage') ?? 0) + (b.slack.calls.get('chat.update') ?? 0);
    before = count(b);
    const gap = (STORM_SECONDS * 1000) / 1000;
    const started = performance.now();
    for (let i = 0; i < 1000; i++) {
      const due = started + i * gap;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const res = await fetch(alertsUrl(b, 'generic'), {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json' },
        body: JSON.stringify({
          id: `storm-${i}`,
          title: `Node down: node-${i}`,
          severity: 'critical',
          group: 'fleet',
        }),
      });
      await res.arrayBuffer();
    }
    await idle(b);
    const slackCalls =
      (b.slack.calls.get('chat.postMessage') ?? 0) + (b.slack.calls.get('chat.update') ?? 0) - slackBefore;
    console.log(`storm: 1,000 alerts from one source over ${STORM_SECONDS} s`);
    console.log(
      `  stored ${count(b) - before}/1000; Slack posts and edits for them: ${slackCalls} (one card)`,
    );
  } finally {
    await b.close();
  }
}
