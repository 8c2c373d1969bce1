import { eq, gt, or } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { incidents, recurrenceLinks } from '../db/schema.js';
import type { Incident } from '../incidents/model.js';
import { type EngineWeights, type RecurrenceDoc, RecurrenceEngine } from './engine.js';
import { learnedTermFactors } from './feedback.js';

/**
 * The engine lives beside its database: one index per open Db, built from the incidents table (the
 * source of truth) in the background at start-up (`warmRecurrence`, a job run on start) or on first
 * use, and kept in step by `indexIncident` after each change.
 * A change made by another process (the import CLI next to a running bot) is picked up by
 * `engineFor`, which re-reads incidents updated since it last looked.
 */

/** Timeline kinds whose text describes the problem (status noise such as "severity 2 → 1" does not). */
const TEXT_KINDS = ['note', 'update', 'message', 'status'];
/** Enough captured text to characterise an incident without letting a chatty one dominate. */
const MAX_TIMELINE_CHARS = 4000;

interface Entry {
  engine: RecurrenceEngine;
  syncedUpTo: number;
  maxId: number;
  checkedAt: number;
  /**
   * The start-up load, while it runs: incidents with an id above `afterId` are still to come, then
   * the finishing steps (norms, packing), shared by the background loop and a synchronous taker.
   */
  loading: {
    afterId: number;
    promise: Promise<void>;
    finishing: Generator<void, void, void> | null;
    /** The connection's page cache size to restore after the load (null: untouched). */
    cacheSize: number | null;
  } | null;
}
/** Changes from other processes are rare (an import); looking for them at most this often keeps ranking fast. */
const REFRESH_MS = 2000;
/** Incidents read (and tokenized) per step of the background load: ~50 ms of work between yields. */
export const LOAD_CHUNK = 1000;
const engines = new WeakMap<Db, Entry>();

/**
 * An incident's captured text, cut like the background load cuts it (capTimeline), read with one
 * group_concat in SQLite: building a row object per note made every re-check of a long incident slow.
 */
export function timelineText(db: Db, incidentId: number): string {
  const row = db.$client.prepare(TIMELINE_SQL).get(incidentId) as { timeline: string | null } | undefined;
  return capTimeline(row?.timeline ?? null);
}

export function docFromIncident(i: Incident, timeline = ''): RecurrenceDoc {
  return {
    id: i.id,
    at: i.declaredAt.getTime(),
    title: i.title,
    description: i.description,
    services: i.services,
    tags: i.tags,
    rootCause: i.rootCauseSummary,
    category: i.rootCauseCategory,
    resolution: i.resolutionSummary,
    timeline,
  };
}

interface RawIncident {
  id: number;
  title: string;
  description: string;
  services: string;
  tags: string;
  root_cause_summary: string | null;
  root_cause_category: string | null;
  resolution_summary: string | null;
  declared_at: number;
  updated_at: number;
  timeline: string | null;
}

function parseList(json: string): string[] {
  if (json === '[]') return [];
  try {
    const v: unknown = JSON.parse(json);
    return Array.isArray(v) ? v.map(String) : [];
  } catch {
    return [];
  }
}

/** Separates timeline texts inside the one query's group_concat (a control character no capture keeps). */
const SEP = '\u001e';

/**
 * One query per chunk, incidents with their captured text, in id order (keyset paging: no
 * statement stays open across the yields, so the bot's own queries run in between).
 */
const CHUNK_SQL = `
  select i.id, i.title, i.description, i.services, i.tags, i.root_cause_summary, i.root_cause_category,
         i.resolution_summary, i.declared_at, i.updated_at,
         (select group_concat(t.text, char(30) order by t.occurred_at, t.id) from timeline_events t
           where t.incident_id = i.id and t.kind in (${TEXT_KINDS.map((k) => `'${k}'`).join(', ')})
             and t.redacted = 0 and t.removed_at is null) as timeline
  from incidents i where i.id > ? order by i.id limit ?`;

const TIMELINE_SQL = `
  select group_concat(t.text, char(30) order by t.occurred_at, t.id) as timeline from timeline_events t
   where t.incident_id = ? and t.kind in (${TEXT_KINDS.map((k) => `'${k}'`).join(', ')})
     and t.redacted = 0 and t.removed_at is null`;

/** The one cut of captured text, for the background load and for re-indexing alike. */
function capTimeline(joined: string | null): string {
  if (!joined) return '';
  let out = '';
  for (const text of joined.split(SEP)) {
    if (out.length + text.length > MAX_TIMELINE_CHARS) break;
    out += `${text}\n`;
  }
  return out;
}

/** Reads and indexes the next chunk; returns how many incidents it held. */
function loadChunk(db: Db, entry: Entry, limit: number): number {
  const loading = entry.loading;
  if (!loading) return 0;
  // Row by row, not .all(): a chunk's thousand rows held at once outlived the 1 MB young generation
  // (--max-semi-space-size=1) and were promoted, so the load left ~60 MB of garbage in the old space.
  const rows = db.$client.prepare(CHUNK_SQL).iterate(loading.afterId, limit) as IterableIterator<RawIncident>;
  let n = 0;
  for (const r of rows) {
    n++;
    entry.engine.upsert({
      id: r.id,
      at: r.declared_at,
      title: r.title,
      description: r.description,
      services: parseList(r.services),
      tags: parseList(r.tags),
      rootCause: r.root_cause_summary,
      category: r.root_cause_category,
      resolution: r.resolution_summary,
      timeline: capTimeline(r.timeline),
    });
    if (r.updated_at > entry.syncedUpTo) entry.syncedUpTo = r.updated_at;
    if (r.id > entry.maxId) entry.maxId = r.id;
    loading.afterId = r.id;
  }
  return n;
}

/** After the last chunk: norms and packing in steps, then learned factors; the index is ready. */
function finishing(db: Db, entry: Entry): Generator<void, void, void> {
  const loading = entry.loading as NonNullable<Entry['loading']>;
  loading.finishing ??= (function* () {
    // Packed: the postings are rewritten without their growth slack and the title pool cut to
    // what is used (at 100k: 20 → 13 MB). Freeing the old pools used to leave holes the C
    // allocator kept (glibc raises its mmap threshold to the size of a freed block, so later large
    // arrays came from its heap); `npm start`, the image and the unit fix MALLOC_MMAP_THRESHOLD_, so
    // every large array is a mapping of its own and goes back to the system when freed.
    yield* entry.engine.endBulkSteps(true);
    for (const [term, f] of learnedTermFactors(db)) entry.engine.setTermFactor(term, f);
    if (loading.cacheSize !== null) db.$client.pragma(`cache_size = ${loading.cacheSize}`);
    entry.checkedAt = Date.now();
    entry.loading = null;
    // The unpacked pools (~20 MB at 100k) are garbage now, but nothing else would collect them soon:
    // the load ends without a full GC, so V8's memory reducer is not armed, and an idle bot allocates
    // too little to start one. `npm start` exposes gc (--expose-gc) for this one collection (20–60 ms
    // at 100k, once; without the flag, as under tsx or vitest, nothing happens).
    (globalThis as { gc?: () => void }).gc?.();
  })();
  return loading.finishing;
}

/** Page cache while loading: the load reads every page once, and none of them again. */
const LOAD_CACHE_KIB = 2000;

function startEntry(db: Db, weights?: Partial<EngineWeights>): Entry {
  const engine = new RecurrenceEngine(weights);
  engine.beginBulk();
  const entry: Entry = {
    engine,
    syncedUpTo: 0,
    maxId: 0,
    checkedAt: 0,
    loading: { afterId: 0, promise: Promise.resolve(), finishing: null, cacheSize: null },
  };
  engines.set(db, entry);
  return entry;
}

/** Finishes a load synchronously (a caller that cannot wait: tests, the CLIs, a sync verb mid-load). */
function loadNow(db: Db, entry: Entry): void {
  const loading = entry.loading;
  if (!loading) return;
  if (!loading.finishing) while (loadChunk(db, entry, 50_000) > 0) {}
  const steps = finishing(db, entry);
  let r = steps.next();
  while (!r.done) r = steps.next();
}

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Loads the index in the background: LOAD_CHUNK incidents at a time, yielding to the event loop
 * between chunks, so Slack requests keep being acknowledged while 100k incidents are read (~100 ms
 * of work per chunk). Callers that need the index await this (the recurrence hooks do, so a
 * warning is never computed against half the history and never missed); calling it again returns
 * the same load, or, once loaded, refreshes rows changed by another process.
 */
export function warmRecurrence(db: Db, chunk = LOAD_CHUNK): Promise<RecurrenceEngine> {
  const existing = engines.get(db);
  if (existing) {
    if (existing.loading) return existing.loading.promise.then(() => existing.engine);
    return Promise.resolve(engineFor(db));
  }
  const entry = startEntry(db);
  const loading = entry.loading as NonNullable<Entry['loading']>;
  // A connection with a larger page cache than openDb's (better-sqlite3's default is 16 MB) would fill
  // it with pages the bot may never read again: lowered for the load, before the count, which reads
  // every page of the table too.
  const cacheSize = db.$client.pragma('cache_size', { simple: true }) as number;
  if (cacheSize < -LOAD_CACHE_KIB || cacheSize > LOAD_CACHE_KIB / 4) {
    loading.cacheSize = cacheSize;
    db.$client.pragma(`cache_size = -${LOAD_CACHE_KIB}`);
  }
  const size = db.$client
    .prepare('select count(*) as n, coalesce(max(id), 0) as maxId from incidents')
    .get() as {
    n: number;
    maxId: number;
  };
  entry.engine.reserve(size.n, size.maxId);
  loading.promise = (async () => {
    // Another caller may take over synchronously at any yield (loadNow); then there is nothing left.
    // A small first chunk: the tokenizer is still cold (not yet optimised) then.
    let size = Math.min(chunk, 100);
    while (entry.loading === loading && !loading.finishing) {
      const n = loadChunk(db, entry, size);
      if (n < size) break;
      size = chunk;
      await yieldToEventLoop();
    }
    if (entry.loading !== loading) return;
    const steps = finishing(db, entry);
    while (!steps.next().done) await yieldToEventLoop();
  })();
  return loading.promise.then(() => entry.engine);
}

/** True once the index holds every incident (no background load in progress). */
export function recurrenceReady(db: Db): boolean {
  const e = engines.get(db);
  return e !== undefined && e.loading === null;
}

/** The index for this database, loaded on first use and refreshed with rows changed elsewhere. */
export function engineFor(db: Db): RecurrenceEngine {
  let entry = engines.get(db);
  if (!entry) entry = startEntry(db);
  if (entry.loading) {
    loadNow(db, entry);
    return entry.engine;
  }
  if (Date.now() - entry.checkedAt < REFRESH_MS) return entry.engine;
  entry.checkedAt = Date.now();
  const changed = db
    .select()
    .from(incidents)
    .where(or(gt(incidents.updatedAt, new Date(entry.syncedUpTo)), gt(incidents.id, entry.maxId)))
    .all();
  for (const i of changed) {
    entry.engine.upsert(docFromIncident(i, timelineText(db, i.id)));
    entry.syncedUpTo = Math.max(entry.syncedUpTo, i.updatedAt.getTime());
    entry.maxId = Math.max(entry.maxId, i.id);
  }
  return entry.engine;
}

/** Re-reads one incident (and its captured text) into the index after it changed. */
export function indexIncident(db: Db, incidentId: number): Incident | undefined {
  return indexIncidentDoc(db, incidentId)?.incident;
}

/** indexIncident, also returning the document it indexed (a re-check ranks it without reading it again). */
export function indexIncidentDoc(
  db: Db,
  incidentId: number,
): { incident: Incident; doc: RecurrenceDoc } | undefined {
  const engine = engineFor(db);
  const i = db.select().from(incidents).where(eq(incidents.id, incidentId)).get();
  if (!i) {
    engine.remove(incidentId);
    return undefined;
  }
  const doc = docFromIncident(i, timelineText(db, i.id));
  engine.upsert(doc);
  return { incident: i, doc };
}

/** Pairs with a link row in either direction (already shown, or judged). */
export function linkedIds(db: Db, incidentId: number): Set<number> {
  const rows = db
    .select({ a: recurrenceLinks.incidentId, b: recurrenceLinks.relatedId })
    .from(recurrenceLinks)
    .where(or(eq(recurrenceLinks.incidentId, incidentId), eq(recurrenceLinks.relatedId, incidentId)))
    .all();
  const out = new Set<number>();
  for (const r of rows) out.add(r.a === incidentId ? r.b : r.a);
  return out;
}

/** After feedback: the learned term weights re-derived from every judged pair. */
export function refreshLearned(db: Db, touchedTerms: readonly string[]): void {
  const entry = engines.get(db);
  // Not loaded yet, or loading: the load reads every learned factor when it finishes, this one included.
  if (!entry || entry.loading) return;
  const engine = entry.engine;
  const factors = learnedTermFactors(db);
  for (const t of touchedTerms) engine.setTermFactor(t, factors.get(t) ?? 1);
}
