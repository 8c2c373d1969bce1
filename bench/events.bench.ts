import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { eventBody } from '../sim/signed.js';
import { BENCH_SECRET, INCIDENT_CHANNEL, startBenchBot } from './lib/bot.js';
import { fmt, loadFromWorker } from './lib/stats.js';

/**
 * Sustained timeline capture: N signed Events API `pin_added` events (each a different message in an
 * incident channel) sent at concurrency C. Measured: how fast the bot acknowledges them (each is in
 * the SQLite inbox before its 2xx), how fast they end up on the timeline (fetch message, store,
 * permalink, ✅ reaction against an instant Web API), and that none is lost or stored twice.
 * The floor: the same two rows per event (inbox + timeline entry) inserted with raw better-sqlite3,
 * one transaction per event, same pragmas. Goal ≥ 2,000 events/s acknowledged on 2 cores.
 */
const N = Number(process.env.BENCH_EVENTS ?? 4000);
const CONCURRENCY = 32;

function pinEvent(i: number, base: number) {
  const ts = `${base}.${String(i).padStart(6, '0')}`;
  return {
    type: 'pin_added',
    user: 'U0BOB',
    channel_id: INCIDENT_CHANNEL,
    item: {
      type: 'message',
      channel: INCIDENT_CHANNEL,
      created: base,
      created_by: 'U0BOB',
      message: { type: 'message', user: 'U0ALICE', text: `status update ${ts}`, ts },
    },
    event_ts: `${base}.${String(i).padStart(6, '0')}`,
  };
}

function rawInserts(n: number): number {
  const dir = mkdtempSync(join(tmpdir(), 'firebreak-raw-'));
  const db = new Database(join(dir, 'raw.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec(`create table inbox (event_id text primary key, payload text not null, status text not null, received_at integer not null);
           create table timeline (id integer primary key, incident_id integer, text text, source_key text, occurred_at integer, recorded_at integer, unique (incident_id, source_key));`);
  const a = db.prepare('insert into inbox values (?, ?, ?, ?) on conflict do nothing');
  const b = db.prepare(
    'insert into timeline (incident_id, text, source_key, occurred_at, recorded_at) values (1, ?, ?, ?, ?) on conflict do nothing',
  );
  const one = db.transaction((i: number) => {
    const now = Date.now();
    a.run(`Ev${i}`, JSON.stringify(pinEvent(i, 1764150300)), 'done', now);
    b.run(`status update ${i}`, `msg:${INCIDENT_CHANNEL}:${i}`, now, now);
  });
  const started = performance.now();
  for (let i = 0; i < n; i++) one(i);
  const ms = performance.now() - started;
  db.close();
  rmSync(dir, { recursive: true, force: true });
  return n / (ms / 1000);
}

export async function run(): Promise<void> {
  const b = await startBenchBot();
  try {
    const base = Math.floor(Date.now() / 1000) - 60;
    const send = (bodies: string[]) =>
      loadFromWorker({
        url: b.url,
        secret: BENCH_SECRET,
        bodies,
        contentType: 'application/json',
        concurrency: CONCURRENCY,
      });
    const drained = async () => {
      const deadline = Date.now() + 120_000;
      while (Date.now() < deadline) {
        const pending = (
          b.db.$client.prepare("select count(*) as n from slack_events where status = 'pending'").get() as {
            n: number;
          }
        ).n;
        if (pending === 0 && b.bot.deps.tasks.inFlight === 0) return;
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    // Warm-up with a separate ts range.
    await send(
      Array.from({ length: 300 }, (_, i) => eventBody(pinEvent(i, base - 1000), `EvWarm${base}-${i}`)),
    );
    await drained();
    const count = () =>
      (
        b.db.$client
          .prepare("select count(*) as n from timeline_events where kind = 'message' and source_key like ?")
          .get(`msg:${INCIDENT_CHANNEL}:${base}.%`) as { n: number }
      ).n;

    const bodies = Array.from({ length: N }, (_, i) => eventBody(pinEvent(i, base), `EvBench${base}-${i}`));
    const started = performance.now();
    const { results, wall: ackMs } = await send(bodies);
    // Wait until the bot has worked through everything it acknowledged.
    await drained();
    const doneMs = performance.now() - started;
    const acked = results.filter((r) => r.status >= 200 && r.status < 300).length;
    const stored = count();
    const dupes = (
      b.db.$client
        .prepare(
          'select count(*) as n from (select source_key from timeline_events where source_key is not null group by incident_id, source_key having count(*) > 1)',
        )
        .get() as { n: number }
    ).n;
    const failed = (
      b.db.$client.prepare("select count(*) as n from slack_events where status <> 'done'").get() as {
        n: number;
      }
    ).n;
    const raw = rawInserts(N);
    const ackRate = acked / (ackMs / 1000);
    const endRate = stored / (doneMs / 1000);
    console.log(`pin_added events: ${N} signed, concurrency ${CONCURRENCY}`);
    console.log(
      `  acknowledged    ${acked}/${N} in ${fmt(ackMs, 0)} ms → ${fmt(ackRate, 0)} events/s (goal ≥ 2,000/s)`,
    );
    console.log(
      `  on the timeline ${stored}/${N} in ${fmt(doneMs, 0)} ms → ${fmt(endRate, 0)} events/s end to end (3 Web API calls each)`,
    );
    console.log(`  lost ${acked - stored}, duplicated ${dupes}, inbox not done ${failed}`);
    console.log(`  raw better-sqlite3 (inbox row + timeline row per transaction): ${fmt(raw, 0)} events/s`);
    console.log(`  ratio raw / bot: ack ${fmt(raw / ackRate, 1)}×, end to end ${fmt(raw / endRate, 1)}×`);
  } finally {
    await b.close();
  }
}
