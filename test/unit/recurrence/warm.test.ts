import { eq } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import { closeDb, type Db } from '../../../src/db/client.js';
import { incidents, timelineEvents } from '../../../src/db/schema.js';
import { rootCauseEchoes } from '../../../src/recurrence/check.js';
import {
  docFromIncident,
  engineFor,
  recurrenceReady,
  warmRecurrence,
} from '../../../src/recurrence/store.js';
import { makeIncident, testDb } from '../../helpers/db.js';

/** The start-up load: in chunks that yield to the event loop, complete before anything ranks. */

const T0 = new Date('2026-01-01T00:00:00Z');
let db: Db | undefined;
afterEach(() => {
  if (db) closeDb(db);
  db = undefined;
});

function seed(n: number): Db {
  const d = testDb();
  const ins = d.$client.prepare(
    `insert into incidents (number, title, description, severity, status, services, tags, declared_by,
       started_at, declared_at, created_at, updated_at)
     values (?, ?, ?, 3, 'resolved', '["api"]', '[]', 'U0ALICE', ?, ?, ?, ?)`,
  );
  d.$client.transaction(() => {
    for (let i = 1; i <= n; i++) {
      const at = T0.getTime() + i * 60_000;
      ins.run(i, `Routine chore number ${i}`, `nothing in common ${i}`, at, at, at, at);
    }
  })();
  return d;
}

describe('warmRecurrence', () => {
  it('loads in chunks, yielding to the event loop between them, and holds every incident', async () => {
    db = seed(2500);
    const target = makeIncident(db, {
      title: 'Checkout API returns 502 bad gateway',
      declaredAt: T0,
      startedAt: T0,
    });
    db.insert(timelineEvents)
      .values({
        incidentId: target.id,
        kind: 'note',
        text: 'nginx upstream pool exhausted',
        occurredAt: T0,
        recordedAt: T0,
      })
      .run();
    let ticks = 0;
    const timer = setInterval(() => ticks++, 0);
    const warming = warmRecurrence(db, 200);
    expect(recurrenceReady(db)).toBe(false);
    // The same load for a second caller.
    const again = warmRecurrence(db, 200);
    const engine = await warming;
    clearInterval(timer);
    expect(await again).toBe(engine);
    expect(recurrenceReady(db)).toBe(true);
    expect(engine.size).toBe(2501);
    // 2,501 incidents in chunks of 200: timers ran between chunks, so the bot kept answering.
    expect(ticks).toBeGreaterThanOrEqual(5);
    // Captured timeline text came with the one query.
    const m = engine.rank({
      id: -1,
      at: T0.getTime() + 1e9,
      title: 'checkout upstream pool exhausted',
      description: '',
      services: [],
      tags: [],
    });
    expect(m[0]?.id).toBe(target.id);
  });

  it('a synchronous caller mid-load finishes it at once; rows added meanwhile are not lost', async () => {
    db = seed(1200);
    const warming = warmRecurrence(db, 100);
    await new Promise((r) => setImmediate(r));
    expect(recurrenceReady(db)).toBe(false);
    const late = makeIncident(db, { title: 'Added while loading', declaredAt: T0, startedAt: T0 });
    const engine = engineFor(db);
    expect(recurrenceReady(db)).toBe(true);
    expect(engine.size).toBe(1201);
    expect(engine.has(late.id)).toBe(true);
    await warming;
    expect(engineFor(db)).toBe(engine);
    expect(engine.size).toBe(1201);
  });

  it('root-cause echoes come from the index among thousands of incidents', () => {
    db = seed(3000);
    db.$client
      .prepare('update incidents set root_cause_summary = ? where id in (10, 2000)')
      .run('Connection pool exhausted on the orders database');
    db.$client
      .prepare('update incidents set root_cause_summary = ? where id = 20')
      .run('Certificate expired');
    const now = new Date(T0.getTime() + 1e10);
    const c = makeIncident(db, {
      title: 'Orders slow',
      rootCauseSummary: 'orders database connection pool exhausted',
      declaredAt: now,
      startedAt: now,
    });
    expect(rootCauseEchoes(db, c.id, now)?.related.map((r) => r.id)).toEqual([10, 2000]);
    // A root cause edited on an earlier incident reaches the index with the change.
    db.update(incidents).set({ rootCauseSummary: 'Disk full' }).where(eq(incidents.id, 2000)).run();
    const d = makeIncident(db, {
      title: 'Orders slow again',
      rootCauseSummary: 'orders database connection pool exhausted',
      declaredAt: now,
      startedAt: now,
    });
    engineFor(db).upsert(
      docFromIncident(db.select().from(incidents).where(eq(incidents.id, 2000)).get() as never),
    );
    expect(rootCauseEchoes(db, d.id, now)?.related.map((r) => r.id)).toEqual([10, c.id]);
  });

  it('openDb keeps a 2 MB page cache; a larger one is lowered for the load and restored after', async () => {
    db = seed(600);
    const cache = () => db?.$client.pragma('cache_size', { simple: true });
    // better-sqlite3 opens with 16 MB; openDb sets SQLite's own 2 MB (held in the bot's RSS otherwise).
    expect(cache()).toBe(-2000);
    db.$client.pragma('cache_size = -16000');
    const warming = warmRecurrence(db, 100);
    expect(recurrenceReady(db)).toBe(false);
    expect(cache()).toBe(-2000);
    const engine = await warming;
    expect(engine.size).toBe(600);
    expect(cache()).toBe(-16000);
  });
});
