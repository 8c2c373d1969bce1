import { and, eq, inArray, isNotNull, or } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { followUps, incidents, recurrenceLinks } from '../db/schema.js';
import { type FollowUp, type Incident, isOpen } from '../incidents/model.js';
import type { Match, RecurrenceDoc } from './engine.js';
import type { LinkRow } from './feedback.js';
import {
  docFromIncident,
  engineFor,
  indexIncident,
  indexIncidentDoc,
  linkedIds,
  timelineText,
} from './store.js';
import { confidence, DEFAULT_POLICY, type WarnPolicy, warnFeatures } from './warn.js';

/**
 * The domain verb behind every recurrence message: rank the incident against the others, decide
 * what is worth saying, and claim the pairs (recurrence_links, unique per pair) in one transaction,
 * so a pair is shown once however often the incident changes. The listener posts afterwards and
 * records where; when posting fails it releases the claim (`releaseLinks`) so a later change retries.
 */

export type Level = 'warning' | 'possible' | 'open_duplicate' | 'root_cause';

export interface Explanation {
  sharedTerms: string[];
  sharedServices: string[];
  sameCategory: boolean;
  category: string | null;
  sharedSignatures: string[];
  ageDays: number;
  text: number;
  [key: string]: unknown;
}

export interface Finding {
  link: LinkRow;
  related: Incident;
  level: Level;
  explanation: Explanation;
  /** The related incident's follow-ups still open (for warnings). */
  openFollowUps: FollowUp[];
}

export interface CheckResult {
  incident: Incident;
  warnings: Finding[];
  possible: Finding[];
  openDuplicates: Finding[];
}

/** At most this many weaker "possibly related" links, so the channel is not buried. */
export const MAX_POSSIBLE = 3;
const CANDIDATES = 10;

/** Incidents linked to `id` (in either direction) by a person's judgement of the pair. */
function judgedAs(db: Db, id: number, feedback: 'same' | 'unrelated'): Set<number> {
  const rows = db
    .select({ a: recurrenceLinks.incidentId, b: recurrenceLinks.relatedId })
    .from(recurrenceLinks)
    .where(
      and(
        eq(recurrenceLinks.feedback, feedback),
        or(eq(recurrenceLinks.incidentId, id), eq(recurrenceLinks.relatedId, id)),
      ),
    )
    .all();
  const out = new Set<number>();
  for (const r of rows) {
    if (r.a === id) out.add(r.b);
    if (r.b === id) out.add(r.a);
  }
  return out;
}

/** Incidents judged "same problem" as `id` (so they count as one problem, not as competitors). */
const sameProblem = (db: Db, id: number): Set<number> => judgedAs(db, id, 'same');
const unrelatedTo = (db: Db, id: number): Set<number> => judgedAs(db, id, 'unrelated');

export function explain(
  db: Db,
  incident: Incident,
  m: Match,
  features: number[] | null = null,
  indexed?: RecurrenceDoc,
): Explanation {
  const engine = engineFor(db);
  const doc = indexed ?? docFromIncident(incident, timelineText(db, incident.id));
  return {
    ...(features ? { features } : {}),
    sharedTerms: engine.sharedTerms(doc, m.id),
    sharedServices: m.sharedServices,
    sameCategory: m.sameCategory,
    category: m.sameCategory ? incident.rootCauseCategory : null,
    sharedSignatures: m.sharedSignatures.map((s) => s.slice(4)),
    ageDays: Math.round(m.ageDays * 10) / 10,
    text: Math.round(m.text * 1000) / 1000,
    titleSim: Math.round(m.titleSim * 1000) / 1000,
  };
}

export function openFollowUpsOf(db: Db, incidentId: number): FollowUp[] {
  return db
    .select()
    .from(followUps)
    .where(and(eq(followUps.incidentId, incidentId), eq(followUps.status, 'open')))
    .orderBy(followUps.dueDate)
    .all();
}

export function checkRecurrence(
  db: Db,
  incidentId: number,
  now: Date,
  policy: WarnPolicy = DEFAULT_POLICY,
): CheckResult | null {
  const indexed = indexIncidentDoc(db, incidentId);
  if (!indexed) return null;
  const { incident, doc } = indexed;
  const engine = engineFor(db);
  // Everything ranked, including pairs already shown, so the margin test sees the true runner-up;
  // shown pairs are dropped only when choosing what to say.
  const ranked = engine.rank(doc, { limit: CANDIDATES });
  const ids = ranked.map((m) => m.id);
  const rows = ids.length ? db.select().from(incidents).where(inArray(incidents.id, ids)).all() : [];
  const byId = new Map(rows.map((r) => [r.id, r]));
  // Earlier incidents, or ones open right now; never one that started after this one and is over.
  const eligible = ranked.filter((m) => {
    const r = byId.get(m.id);
    return r !== undefined && (r.declaredAt <= incident.declaredAt || isOpen(r));
  });
  const shown = linkedIds(db, incident.id);
  const unrelated = unrelatedTo(db, incident.id);
  const candidates = eligible.filter((m) => !unrelated.has(m.id));

  const warned: Match[] = [];
  const top = candidates[0];
  /** What the warning model read, kept with the link: verdicts with their features are training data. */
  let topFeatures: number[] | null = null;
  if (top) {
    const siblings = sameProblem(db, top.id);
    // Earlier recurrences of the same problem are not competitors: measure the margin past them.
    const rivals = [top, ...candidates.slice(1).filter((m) => !siblings.has(m.id))];
    const f = warnFeatures(rivals);
    topFeatures = f ? [f.score, f.margin, f.coverage] : null;
    if (confidence(rivals) >= policy.warn) {
      warned.push(top);
      for (const m of candidates.slice(1)) if (siblings.has(m.id)) warned.push(m);
    }
  }
  const possible = candidates
    .filter((m) => !warned.includes(m) && m.similarity >= policy.possible)
    .slice(0, MAX_POSSIBLE);

  const claim = (m: Match, level: Level) => ({ m, level });
  const wanted = [
    ...warned.map((m) => {
      const r = byId.get(m.id) as Incident;
      return claim(m, isOpen(r) && isOpen(incident) ? 'open_duplicate' : 'warning');
    }),
    ...possible.map((m) => claim(m, 'possible')),
  ].filter((c) => !shown.has(c.m.id));

  const result: CheckResult = { incident, warnings: [], possible: [], openDuplicates: [] };
  db.transaction((tx) => {
    for (const { m, level } of wanted) {
      const explanation = explain(db, incident, m, m === top ? topFeatures : null, doc);
      const link = tx
        .insert(recurrenceLinks)
        .values({
          incidentId: incident.id,
          relatedId: m.id,
          score: m.score,
          level,
          explanation,
          createdAt: now,
        })
        .onConflictDoNothing()
        .returning()
        .get();
      if (!link) continue;
      const finding: Finding = {
        link,
        related: byId.get(m.id) as Incident,
        level,
        explanation,
        openFollowUps: level === 'possible' ? [] : openFollowUpsOf(db, m.id),
      };
      if (level === 'warning') result.warnings.push(finding);
      else if (level === 'open_duplicate') result.openDuplicates.push(finding);
      else result.possible.push(finding);
    }
  });
  return result;
}

/** Where a claimed pair was shown (so feedback can update that message). */
export function markShown(db: Db, linkIds: number[], channel: string, ts: string, now: Date): void {
  if (linkIds.length === 0) return;
  db.update(recurrenceLinks)
    .set({ shownAt: now, messageChannel: channel, messageTs: ts })
    .where(inArray(recurrenceLinks.id, linkIds))
    .run();
}

/** Posting failed: forget the claim so the next change tries again. */
export function releaseLinks(db: Db, linkIds: number[]): void {
  if (linkIds.length === 0) return;
  db.delete(recurrenceLinks).where(inArray(recurrenceLinks.id, linkIds)).run();
}

export function linksOfMessage(db: Db, channel: string, ts: string): LinkRow[] {
  return db
    .select()
    .from(recurrenceLinks)
    .where(and(eq(recurrenceLinks.messageChannel, channel), eq(recurrenceLinks.messageTs, ts)))
    .orderBy(recurrenceLinks.id)
    .all();
}

export function getLink(db: Db, id: number): LinkRow | undefined {
  return db.select().from(recurrenceLinks).where(eq(recurrenceLinks.id, id)).get();
}

/** Root-cause texts alike enough to say "this root cause also caused …" (word-set cosine). */
export const ROOT_CAUSE_SIMILARITY = 0.5;

/**
 * At resolution (or when a root cause is written): earlier incidents whose root cause reads the
 * same. Each pair is announced once: new pairs get a `root_cause` link, pairs already linked are
 * marked in their explanation. Candidates come from the index's root-cause word postings (only
 * incidents sharing a word are looked at), so this stays fast with 100k incidents.
 */
export function rootCauseEchoes(
  db: Db,
  incidentId: number,
  now: Date,
): { incident: Incident; related: Incident[] } | null {
  const incident = indexIncident(db, incidentId);
  if (!incident?.rootCauseSummary) return null;
  const ids = engineFor(db).rootCauseMatches(incident.rootCauseSummary, incident.rootCauseCategory, {
    minSimilarity: ROOT_CAUSE_SIMILARITY,
    atOrBefore: incident.declaredAt.getTime(),
    excludeId: incident.id,
  });
  const candidates: Incident[] = [];
  // In slices: a one-word root cause ("bug") can match thousands, past SQLite's variable limit.
  for (let i = 0; i < ids.length; i += 500) {
    candidates.push(
      ...db
        .select()
        .from(incidents)
        .where(and(inArray(incidents.id, ids.slice(i, i + 500)), isNotNull(incidents.rootCauseSummary)))
        .all(),
    );
  }
  const related: Incident[] = [];
  db.transaction((tx) => {
    for (const r of candidates) {
      const existing = tx
        .select()
        .from(recurrenceLinks)
        .where(
          and(
            inArray(recurrenceLinks.incidentId, [incident.id, r.id]),
            inArray(recurrenceLinks.relatedId, [incident.id, r.id]),
          ),
        )
        .get();
      if (existing) {
        if (existing.explanation.rootCauseShown === true || existing.feedback === 'unrelated') continue;
        tx.update(recurrenceLinks)
          .set({ explanation: { ...existing.explanation, rootCauseShown: true } })
          .where(eq(recurrenceLinks.id, existing.id))
          .run();
      } else {
        tx.insert(recurrenceLinks)
          .values({
            incidentId: incident.id,
            relatedId: r.id,
            score: 1,
            level: 'root_cause',
            explanation: { rootCauseShown: true, category: incident.rootCauseCategory },
            createdAt: now,
            shownAt: now,
          })
          .run();
      }
      related.push(r);
    }
  });
  // Oldest first: imported history has negative numbers, so the number is no order.
  related.sort((a, b) => a.declaredAt.getTime() - b.declaredAt.getTime() || a.id - b.id);
  return { incident, related };
}
