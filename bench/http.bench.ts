import { App, LogLevel } from '@slack/bolt';
import { commandBody } from '../sim/signed.js';
import { createAlertsFeature } from '../src/alerts/slack/register.js';
import { allSubcommands, registerFeatures } from '../src/app.js';
import { recheckStats } from '../src/recurrence/slack/events.js';
import type { Deps } from '../src/runtime/deps.js';
import { createDispatch } from '../src/slack/dispatch.js';
import { BENCH_SECRET, INCIDENT_CHANNEL, startBareServer, startBenchBot } from './lib/bot.js';
import { fmt, loadFromWorker, summary, threadCpuMs } from './lib/stats.js';

/**
 * Ack latency of `/incident note` (falls back to `/incident help` while `note` does not exist):
 * 200 signed requests at concurrency 20 against the real bot, and the same requests against a bare
 * node:http server that only verifies and answers, in the same run. Goal: bot p50/p99 ≤ 2× the floor.
 */
const TOTAL = 200;
const CONCURRENCY = 20;

/** The requests are signed and sent from a worker thread, so the sender does not share the bot's CPU. */
async function measure(url: string, text: (i: number) => string, channel: string) {
  const bodies = Array.from({ length: TOTAL }, (_, i) => commandBody(text(i), { channel }));
  const cpuBefore = threadCpuMs();
  const { results, wall } = await loadFromWorker({
    url,
    secret: BENCH_SECRET,
    bodies,
    contentType: 'application/x-www-form-urlencoded',
    concurrency: CONCURRENCY,
  });
  // The server's CPU per request on the main thread (the bot and the bare server both run there;
  // the sender is a worker): unlike latency, it hardly moves when other processes share the CPUs.
  const cpu = (threadCpuMs() - cpuBefore) / TOTAL;
  const bad = results.filter((r) => r.status !== 200).length;
  return { ...summary(results.map((r) => r.ms)), wall, bad, cpu };
}

export async function run(): Promise<void> {
  const b = await startBenchBot();
  const bare = await startBareServer();
  try {
    const hasNote = allSubcommands(b.bot.deps).some((s) => s.name === 'note');
    const sub = hasNote ? 'note' : 'help';
    const text = (i: number) =>
      hasNote ? `note bench note number ${i} — checkout latency back to normal` : 'help';
    // Warm both up (JIT, sockets, the users.info cache) before measuring.
    await measure(b.url, text, INCIDENT_CHANNEL);
    await measure(bare.url, text, INCIDENT_CHANNEL);
    const notesBefore = b.db.$client
      .prepare("select count(*) as n from timeline_events where kind = 'note'")
      .get() as { n: number };
    await b.bot.deps.tasks.idle();
    const floor = await measure(bare.url, text, INCIDENT_CHANNEL);
    const checksBefore = recheckStats.runs;
    const bot = await measure(b.url, text, INCIDENT_CHANNEL);
    const checksDuring = recheckStats.runs - checksBefore;
    const idleCpu = threadCpuMs();
    await b.bot.deps.tasks.idle();
    const checksAfter = recheckStats.runs - checksBefore - checksDuring;
    const recheckCpu = threadCpuMs() - idleCpu;
    // The same again with the after-commit hooks muted: what the answer itself costs, without the
    // recurrence re-check that every note triggers (deferred, but on the same CPU).
    const emit = b.bot.deps.hooks.emit;
    b.bot.deps.hooks.emit = () => {};
    const ackOnly = await measure(b.url, text, INCIDENT_CHANNEL);
    b.bot.deps.hooks.emit = emit;
    await b.bot.deps.tasks.idle();
    const notesAfter = b.db.$client
      .prepare("select count(*) as n from timeline_events where kind = 'note'")
      .get() as { n: number };
    const stored = notesAfter.n - notesBefore.n;
    console.log(`/incident ${sub}: ${TOTAL} signed requests, concurrency ${CONCURRENCY}`);
    console.log(
      `  bare node:http  p50 ${fmt(floor.p50, 2)} ms  p99 ${fmt(floor.p99, 2)} ms  (${fmt(TOTAL / (floor.wall / 1000), 0)} req/s, non-200: ${floor.bad})`,
    );
    console.log(
      `  firebreak       p50 ${fmt(bot.p50, 2)} ms  p99 ${fmt(bot.p99, 2)} ms  (${fmt(TOTAL / (bot.wall / 1000), 0)} req/s, non-200: ${bot.bad})`,
    );
    console.log(
      `  ratio           p50 ${fmt(bot.p50 / floor.p50, 2)}×  p99 ${fmt(bot.p99 / floor.p99, 2)}×  (goal ≤ 2×)`,
    );
    console.log(
      `  without hooks   p50 ${fmt(ackOnly.p50, 2)} ms  p99 ${fmt(ackOnly.p99, 2)} ms  (${fmt(TOTAL / (ackOnly.wall / 1000), 0)} req/s) → ratio p50 ${fmt(ackOnly.p50 / floor.p50, 2)}×  p99 ${fmt(ackOnly.p99 / floor.p99, 2)}×`,
    );
    // Bolt's own floor: `/incident help` does no database work and calls no Web API.
    const help = await measure(b.url, () => 'help', INCIDENT_CHANNEL);
    console.log(
      `  /incident help  p50 ${fmt(help.p50, 2)} ms  p99 ${fmt(help.p99, 2)} ms  (${fmt(TOTAL / (help.wall / 1000), 0)} req/s) → ratio p50 ${fmt(help.p50 / floor.p50, 2)}×  p99 ${fmt(help.p99 / floor.p99, 2)}×  (Bolt and the router alone)`,
    );
    console.log(
      `  CPU per request (main thread): bare ${fmt(floor.cpu * 1000, 0)} µs, ${sub} ${fmt(bot.cpu * 1000, 0)} µs (${fmt(bot.cpu / floor.cpu, 2)}×)${hasNote ? ` + re-check after the burst ${fmt(recheckCpu, 1)} ms once` : ''}, without hooks ${fmt(ackOnly.cpu * 1000, 0)} µs (${fmt(ackOnly.cpu / floor.cpu, 2)}×), help ${fmt(help.cpu * 1000, 0)} µs (${fmt(help.cpu / floor.cpu, 2)}×)`,
    );
    if (hasNote) {
      console.log(
        `  notes stored    ${stored} of ${2 * TOTAL}${stored === 2 * TOTAL ? '' : '  ← MISSING NOTES'}`,
      );
      console.log(
        `  re-checks       ${checksDuring} during the ${TOTAL} notes, ${checksAfter} after them (batched: the last sees every note)${checksDuring + checksAfter > 0 ? '' : '  ← NO RE-CHECK'}`,
      );
      console.log(
        `  NOTE RATIO      p50 ${fmt(bot.p50 / floor.p50, 2)}×  p99 ${fmt(bot.p99 / floor.p99, 2)}× bare node:http (goal p99 ≤ 2×)`,
      );
    }
    const perCall = [...b.slack.calls.entries()].map(([m, n]) => `${m} ${n}`).join(', ');
    console.log(`  Web API calls during the run: ${perCall}`);
    const routing = await boltRouting(b.bot.deps);
    console.log(
      `  Bolt routing    /incident help through App.processEvent, CPU µs a request (median of ${ROUTING_ROUNDS} alternating rounds of ${ROUTING_N}): one Bolt listener per registration (${routing.chains.plain} chains) ${fmt(routing.plain, 0)} µs, one per kind (src/slack/dispatch.ts, ${routing.chains.dispatched} chains) ${fmt(routing.dispatched, 0)} µs (${fmt(routing.plain / routing.dispatched, 1)}× less)`,
    );
  } finally {
    await bare.close();
    await b.close();
  }
}

const ROUTING_N = 500;
const ROUTING_ROUNDS = 7;

/**
 * What routing costs inside Bolt, without HTTP: the features registered on a plain App (Bolt runs
 * every listener's chain for every request) and through src/slack/dispatch.ts (one chain per kind),
 * measured alternately in this process so a busy machine slows both alike.
 */
async function boltRouting(deps: Deps) {
  const build = (dispatched: boolean) => {
    const app = new App({
      token: 'xoxb-bench-token',
      signingSecret: BENCH_SECRET,
      botId: 'B0FIREBRK',
      botUserId: 'U0FIREBRK',
      logLevel: LogLevel.ERROR,
      convoStore: false,
      ignoreSelf: false,
    });
    const listeners = dispatched ? createDispatch(app) : app;
    registerFeatures(listeners, deps);
    createAlertsFeature(deps, { bodyLimit: 1024 }).register(listeners);
    return app;
  };
  const plain = build(false);
  const dispatched = build(true);
  const body = commandBody('help', { channel: INCIDENT_CHANNEL });
  const parsed = Object.fromEntries(new URLSearchParams(body));
  const round = async (app: App, n: number) => {
    const t = threadCpuMs();
    for (let i = 0; i < n; i++) await app.processEvent({ body: { ...parsed }, ack: async () => {} });
    return ((threadCpuMs() - t) / n) * 1000;
  };
  await round(plain, ROUTING_N);
  await round(dispatched, ROUTING_N);
  const a: number[] = [];
  const b: number[] = [];
  for (let r = 0; r < ROUTING_ROUNDS; r++) {
    a.push(await round(plain, ROUTING_N));
    b.push(await round(dispatched, ROUTING_N));
  }
  const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[xs.length >> 1] ?? Number.NaN;
  const chains = (app: App) => (app as unknown as { listeners: unknown[] }).listeners.length;
  return {
    plain: median(a),
    dispatched: median(b),
    chains: { plain: chains(plain), dispatched: chains(dispatched) },
  };
}
