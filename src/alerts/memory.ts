import { and, eq, inArray, or } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { incidents, recurrenceLinks } from '../db/schema.js';
import { type FollowUp, type Incident, isOpen } from '../incidents/model.js';
import { type Explanation, explain, openFollowUpsOf } from '../recurrence/check.js';
import type { Match, RecurrenceDoc } from '../recurrence/engine.js';
import { engineFor } from '../recurrence/store.js';
import { confidence, DEFAULT_POLICY, type WarnPolicy } from '../recurrence/warn.js';
import type { Alert } from './model.js';

/**
 * The recurrence memory asked about an alert before anyone declares: the alert's title,
 * description, labels and error signatures are read like an incident's text and ranked against
 * every incident, and the same warning model decides whether the top match is worth saying.
 * Private incidents are never candidates: a triage card sits in a channel anyone may read.
 */

export interface AlertMatch {
  related: Incident;
  explanation: Explanation;
  openFollowUps: FollowUp[];
}

export interface AlertMemory {
  /**
   * The incidents this alert most likely repeats (with root cause, fix, follow-ups): the top match
   * and those people judged the same problem as it, closed ones first (they know the fix).
   */
  warnings: AlertMatch[];
  /** Weaker matches. */
  possible: AlertMatch[];
  /** Open incidents ranked by likeness to the alert, best first (the Attach list's order). */
  openRanked: number[];
}

/** A document id no incident has: the alert is ranked, never indexed. */
const ALERT_DOC_ID = -1;

export function alertDoc(
  a: Pick<Alert, 'title' | 'description' | 'labels' | 'service' | 'startsAt'>,
): RecurrenceDoc {
  const labels = Object.entries(a.labels)
    // Identity labels (instance addresses, fingerprints) say nothing about the problem.
    .filter(([k]) => !['instance', 'fingerprint', 'incident_key', 'tinyId'].includes(k))
    .map(([k, v]) => `${k} ${v}`)
    .join('\n');
  return {
    id: ALERT_DOC_ID,
    at: a.startsAt.getTime(),
    title: a.title,
    description: [a.description, labels].filter(Boolean).join('\n'),
    services: a.service ? [a.service] : [],
    tags: [],
    timeline: '',
  };
}

const CANDIDATES = 10;
const MAX_WARNINGS = 3;

/** Incidents people marked "Same problem" with `id` (either direction): one problem, shown together. */
function sameProblemAs(db: Db, id: number): Set<number> {
  const rows = db
    .select({ a: recurrenceLinks.incidentId, b: recurrenceLinks.relatedId })
    .from(recurrenceLinks)
    .where(
      and(
        eq(recurrenceLinks.feedback, 'same'),
        or(eq(recurrenceLinks.incidentId, id), eq(recurrenceLinks.relatedId, id)),
      ),
    )
    .all();
  return new Set(rows.map((r) => (r.a === id ? r.b : r.a)));
}
const MAX_POSSIBLE = 3;

export function alertMemory(db: Db, alert: Alert, policy: WarnPolicy = DEFAULT_POLICY): AlertMemory {
  const engine = engineFor(db);
  const doc = alertDoc(alert);
  const ranked = engine.rank(doc, { limit: CANDIDATES * 2 });
  const ids = ranked.map((m) => m.id);
  const rows = ids.length ? db.select().from(incidents).where(inArray(incidents.id, ids)).all() : [];
  const byId = new Map(rows.map((r) => [r.id, r]));
  const candidates: Match[] = ranked.filter((m) => {
    const r = byId.get(m.id);
    return r !== undefined && !r.isPrivate;
  });
  const openRanked = candidates.filter((m) => isOpen(byId.get(m.id) as Incident)).map((m) => m.id);
  const top = candidates[0];
  const toMatch = (m: Match, full: boolean): AlertMatch => {
    const related = byId.get(m.id) as Incident;
    return {
      related,
      explanation: explain(db, related, m, null, doc),
      openFollowUps: full ? openFollowUpsOf(db, related.id) : [],
    };
  };
  const warned: Match[] = [];
  if (top && confidence(candidates.slice(0, CANDIDATES)) >= policy.warn) {
    const siblings = sameProblemAs(db, top.id);
    warned.push(top, ...candidates.slice(1, CANDIDATES).filter((m) => siblings.has(m.id)));
  }
  const possible = candidates
    .slice(0, CANDIDATES)
    .filter((m) => !warned.includes(m) && m.similarity >= policy.possible)
    .slice(0, MAX_POSSIBLE)
    .map((m) => toMatch(m, false));
  const open = (m: Match) => isOpen(byId.get(m.id) as Incident);
  const warnings = [...warned.filter((m) => !open(m)), ...warned.filter(open)]
    .slice(0, MAX_WARNINGS)
    .map((m) => toMatch(m, true));
  return { warnings, possible, openRanked };
}
