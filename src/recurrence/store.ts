import { and, eq, gt, inArray, isNull, or } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { incidents, recurrenceLinks, timelineEvents } from '../db/schema.js';
import type { Incident } from '../incidents/model.js';
import { type EngineWeights, type RecurrenceDoc, RecurrenceEngine } from './engine.js';
import { learnedTermFactors } from './feedback.js';

/**
 * The engine lives beside its database: one index per open Db, built on first use from the
 * incidents table (the source of truth) and kept in step by `indexIncident` after each change.
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
}
/** Changes from other processes are rare (an import); looking for them at most this often keeps ranking fast. */
const REFRESH_MS = 2000;
const engines = new WeakMap<Db, Entry>();

export function timelineText(db: Db, incidentId: number): string {
  const rows = db
    .select({ text: timelineEvents.text })
    .from(timelineEvents)
    .where(
      and(
        eq(timelineEvents.incidentId, incidentId),
        inArray(timelineEvents.kind, TEXT_KINDS),
        eq(timelineEvents.redacted, false),
        isNull(timelineEvents.removedAt),
      ),
    )
    .orderBy(timelineEvents.occurredAt)
    .all();
  let out = '';
  for (const r of rows) {
    if (out.length + r.text.length > MAX_TIMELINE_CHARS) break;
    out += `${r.text}\n`;
  }
  return out;
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
}

function parseList(json: string): string[] {
  try {
    const v: unknown = JSON.parse(json);
    return Array.isArray(v) ? v.map(String) : [];
  } catch {
    return [];
  }
}

function load(db: Db, weights?: Partial<EngineWeights>): Entry {
  const engine = new RecurrenceEngine(weights);
  const texts = new Map<number, string>();
  const rows = db
    .select({ incidentId: timelineEvents.incidentId, text: timelineEvents.text })
    .from(timelineEvents)
    .where(
      and(
        inArray(timelineEvents.kind, TEXT_KINDS),
        eq(timelineEvents.redacted, false),
        isNull(timelineEvents.removedAt),
      ),
    )
    .all();
  for (const r of rows) {
    const t = texts.get(r.incidentId) ?? '';
    if (t.length + r.text.length <= MAX_TIMELINE_CHARS) texts.set(r.incidentId, `${t}${r.text}\n`);
  }
  let syncedUpTo = 0;
  let maxId = 0;
  // Streamed with the raw statement: 100k rows are never all in memory as objects at once.
  const stmt = db.$client.prepare(
    `select id, title, description, services, tags, root_cause_summary, root_cause_category,
            resolution_summary, declared_at, updated_at from incidents`,
  );
  for (const raw of stmt.iterate()) {
    const r = raw as RawIncident;
    engine.upsert({
      id: r.id,
      at: r.declared_at,
      title: r.title,
      description: r.description,
      services: parseList(r.services),
      tags: parseList(r.tags),
      rootCause: r.root_cause_summary,
      category: r.root_cause_category,
      resolution: r.resolution_summary,
      timeline: texts.get(r.id) ?? '',
    });
    syncedUpTo = Math.max(syncedUpTo, r.updated_at);
    maxId = Math.max(maxId, r.id);
  }
  for (const [term, f] of learnedTermFactors(db)) engine.setTermFactor(term, f);
  return { engine, syncedUpTo, maxId, checkedAt: Date.now() };
}

/** The index for this database, loaded on first use and refreshed with rows changed elsewhere. */
export function engineFor(db: Db): RecurrenceEngine {
  let entry = engines.get(db);
  if (!entry) {
    entry = load(db);
    engines.set(db, entry);
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
  const engine = engineFor(db);
  const i = db.select().from(incidents).where(eq(incidents.id, incidentId)).get();
  if (!i) {
    engine.remove(incidentId);
    return undefined;
  }
  engine.upsert(docFromIncident(i, timelineText(db, i.id)));
  return i;
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
  const engine = engineFor(db);
  const factors = learnedTermFactors(db);
  for (const t of touchedTerms) engine.setTermFactor(t, factors.get(t) ?? 1);
}
