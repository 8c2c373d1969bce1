import { get } from 'node:http';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { closeDb, openDb } from '../../src/db/client.js';
import { migrateDb } from '../../src/db/migrate.js';
import { createLogger } from '../../src/log.js';
import { engineFor, recurrenceReady, warmRecurrence } from '../../src/recurrence/store.js';
import { makeDocs } from '../recurrence.bench.js';
import { startFastSlack } from './fast-slack.js';

/**
 * Child process of bench/recurrence.bench.ts: the real bot (createApp + start, schedules on, so the
 * recurrence warm-up job runs on start as in production) on a database given as argv[2]. While the
 * index loads in the background it polls /healthz every 10 ms; then it prints one JSON line: load
 * time, the first and the slowest later /healthz answer and the event loop's worst delay during the
 * load, ranking times against the loaded index, and the RSS of the whole process once loaded (after
 * a GC when run with --expose-gc).
 */
const dbPath = process.argv[2];
if (!dbPath) throw new Error('usage: recurrence-bot.ts <db>');

const slack = await startFastSlack();
const config = loadConfig({
  SLACK_BOT_TOKEN: 'xoxb-bench-token',
  SLACK_SIGNING_SECRET: 'bench-signing-secret-0123456789abcdef',
  SLACK_API_URL: slack.apiUrl,
  DATABASE_PATH: dbPath,
  LOG_LEVEL: 'error',
  PORT: '0',
});
const db = openDb(dbPath);
migrateDb(db);
const bot = createApp({
  config,
  db,
  logger: createLogger('error', () => {}),
  botIdentity: { botId: 'B0FIREBRK', botUserId: 'U0FIREBRK' },
  retryConfig: { retries: 0 },
});
const t0 = performance.now();
const port = await bot.start(0);
// From here on the load runs in the background (the warm-up job started it inside start()).
const loop = monitorEventLoopDelay({ resolution: 5 });
loop.enable();

const healthz = () =>
  new Promise<number>((resolve, reject) => {
    const s = performance.now();
    get(`http://127.0.0.1:${port}/healthz`, (res) => {
      res.resume();
      res.on('end', () => resolve(performance.now() - s));
    }).on('error', reject);
  });

const answers: number[] = [];
const polling = (async () => {
  while (!recurrenceReady(db)) {
    answers.push(await healthz());
    await new Promise((r) => setTimeout(r, 10));
  }
})();
const engine = await warmRecurrence(db);
const loadMs = performance.now() - t0;
await polling;
loop.disable();
// Ranking inside the running bot (its heap, not the bench's corpus): 30 unmeasured, then 300.
const queries = makeDocs(330, 7).map((q, i) => ({
  ...q,
  id: -1 - i,
  at: Date.parse('2026-06-01T00:00:00Z'),
}));
const rankMs: number[] = [];
for (const [i, q] of queries.entries()) {
  const s = performance.now();
  engine.rank(q, { limit: 10 });
  if (i >= 30) rankMs.push(performance.now() - s);
}
rankMs.sort((a, b) => a - b);
// The running bot with its index: what the process holds once start-up work has settled.
await bot.deps.tasks.idle();
global.gc?.();
await new Promise((r) => setTimeout(r, 200));
global.gc?.();
const mem = process.memoryUsage();
await bot.stop();
console.log(
  JSON.stringify({
    incidents: engineFor(db).size,
    loadMs,
    // The first answer also pays for the HTTP path's first (unoptimised) run.
    healthzFirstMs: answers[0] ?? 0,
    healthzMaxMs: answers.length > 1 ? Math.max(...answers.slice(1)) : 0,
    healthzCount: answers.length,
    loopMaxMs: loop.max / 1e6,
    rss: mem.rss,
    heapUsed: mem.heapUsed,
    heapTotal: mem.heapTotal,
    external: mem.external,
    arrayBuffers: mem.arrayBuffers,
    indexBytes: engine.bytes,
    rankP50: rankMs[Math.floor(rankMs.length * 0.5)] ?? 0,
    rankP99: rankMs[Math.floor(rankMs.length * 0.99)] ?? 0,
    terms: engine.terms,
  }),
);
closeDb(db);
await slack.close();
process.exit(0);
