import { commandBody } from '../sim/signed.js';
import { allSubcommands } from '../src/app.js';
import { recheckStats } from '../src/recurrence/slack/events.js';
import { BENCH_SECRET, INCIDENT_CHANNEL, startBareServer, startBenchBot } from './lib/bot.js';
import { fmt, loadFromWorker, summary } from './lib/stats.js';

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
  const { results, wall } = await loadFromWorker({
    url,
    secret: BENCH_SECRET,
    bodies,
    contentType: 'application/x-www-form-urlencoded',
    concurrency: CONCURRENCY,
  });
  const bad = results.filter((r) => r.status !== 200).length;
  return { ...summary(results.map((r) => r.ms)), wall, bad };
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
    await b.bot.deps.tasks.idle();
    const checksAfter = recheckStats.runs - checksBefore - checksDuring;
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
  } finally {
    await bare.close();
    await b.close();
  }
}
