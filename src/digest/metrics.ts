import { SEVERITIES, type Severity } from '../incidents/model.js';

/**
 * The digest's figures as pure functions over plain rows, so each one can be checked on
 * hand-built data. build.ts reads the rows from the database; render.ts turns the result into Slack.
 */

/** What the metrics need of an incident. */
export interface IncidentRow {
  id: number;
  number: number;
  title: string;
  severity: number;
  status: string;
  isPrivate: boolean;
  imported: boolean;
  channelId: string | null;
  leadId: string | null;
  declaredAt: number;
  acknowledgedAt: number | null;
  resolvedAt: number | null;
  /** When its first alert started, for incidents declared from an alert (src/alerts): MTTA runs from the page. */
  alertedAt?: number | null;
  rootCauseSummary: string | null;
  rootCauseCategory: string | null;
  /** Imported history is named by its key in its source tool and linked there. */
  externalKey?: string | null;
  externalUrl?: string | null;
}

export interface LinkRow {
  incidentId: number;
  relatedId: number;
  level: string;
  feedback: string | null;
}

export interface Window {
  start: number;
  end: number;
}

export type BySeverity = Record<Severity, number>;

export interface SeverityCounts {
  total: number;
  bySeverity: BySeverity;
}

export const emptyBySeverity = (): BySeverity => ({ 1: 0, 2: 0, 3: 0, 4: 0 });

/** Severities outside 1–4 (bad imports) are counted as the nearest valid one. */
export function severityOf(s: number): Severity {
  const n = Math.min(4, Math.max(1, Math.round(s))) as Severity;
  return SEVERITIES.includes(n) ? n : 4;
}

export function countBySeverity(rows: readonly Pick<IncidentRow, 'severity'>[]): SeverityCounts {
  const bySeverity = emptyBySeverity();
  for (const r of rows) bySeverity[severityOf(r.severity)] += 1;
  return { total: rows.length, bySeverity };
}

export const inWindow = (t: number | null, w: Window): boolean => t !== null && t >= w.start && t < w.end;

/** This week's incidents are the team's work: imported history never counts in weekly figures. */
export const declaredIn = (rows: readonly IncidentRow[], w: Window): IncidentRow[] =>
  rows.filter((r) => !r.imported && inWindow(r.declaredAt, w));

export const resolvedIn = (rows: readonly IncidentRow[], w: Window): IncidentRow[] =>
  rows.filter((r) => !r.imported && inWindow(r.resolvedAt, w));

/** The median: the middle value, or the mean of the two middle values for an even count. */
export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  if (s.length % 2 === 1) return s[mid] ?? null;
  return ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
}

/**
 * Nearest-rank percentile: the smallest value with at least p% of the values at or below it.
 * Always one of the measured values, so "p90 = 4h" means some incident really took 4h.
 */
export function percentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * s.length));
  return s[rank - 1] ?? null;
}

export interface DurationStat {
  /** MTTA | MTTR */
  name: string;
  fromLabel: string;
  toLabel: string;
  /** Incidents the figure is about (declared in the week). */
  cohort: number;
  /** How many of them had both timestamps. */
  measured: number;
  /** How many lacked the end timestamp (or had it before the start). */
  missing: number;
  median: number | null;
  p90: number | null;
}

/**
 * A response-time figure over `rows`: declared → `to`. An incident without the end timestamp
 * (never acknowledged, not resolved yet) is not guessed at; it is counted as missing.
 */
export function durationStat(
  rows: readonly IncidentRow[],
  name: string,
  to: 'acknowledgedAt' | 'resolvedAt',
): DurationStat {
  const values: number[] = [];
  // Acknowledging answers the page: an incident that started from an alert is timed from the alert.
  const startOf = (r: IncidentRow) =>
    to === 'acknowledgedAt' ? Math.min(r.alertedAt ?? r.declaredAt, r.declaredAt) : r.declaredAt;
  for (const r of rows) {
    const end = r[to];
    const start = startOf(r);
    if (end !== null && end >= start) values.push(end - start);
  }
  return {
    name,
    fromLabel:
      to === 'acknowledgedAt' && rows.some((r) => r.alertedAt != null) ? 'alert or declared' : 'declared',
    toLabel: to === 'acknowledgedAt' ? 'acknowledged' : 'resolved',
    cohort: rows.length,
    measured: values.length,
    missing: rows.length - values.length,
    median: median(values),
    p90: percentile(values, 90),
  };
}

/** A link counts as a recurrence when someone confirmed it, or the warning stands unanswered. */
export type RepeatKind = 'confirmed' | 'suspected';

export function linkKind(l: Pick<LinkRow, 'level' | 'feedback'>): RepeatKind | null {
  if (l.feedback === 'same') return 'confirmed';
  if (l.level === 'warning' && l.feedback === null) return 'suspected';
  return null;
}

/** Per incident (the newer side of a link): confirmed wins over suspected. */
export function repeatKinds(links: readonly LinkRow[]): Map<number, RepeatKind> {
  const out = new Map<number, RepeatKind>();
  for (const l of links) {
    const k = linkKind(l);
    if (k === null) continue;
    if (k === 'confirmed' || !out.has(l.incidentId)) out.set(l.incidentId, k);
  }
  return out;
}

export interface RepeatRate {
  recurrences: number;
  incidents: number;
  /** recurrences / incidents; null when there were no incidents. */
  rate: number | null;
}

export function repeatRate(
  rows: readonly IncidentRow[],
  kinds: ReadonlyMap<number, RepeatKind>,
  w: Window,
): RepeatRate {
  const declared = declaredIn(rows, w);
  const recurrences = declared.filter((r) => kinds.has(r.id)).length;
  return {
    recurrences,
    incidents: declared.length,
    rate: declared.length === 0 ? null : recurrences / declared.length,
  };
}

export interface Problem {
  /** Incident ids in the group, oldest first (history included). */
  ids: number[];
  /** How many times it happened: incidents in the group. */
  occurrences: number;
  /** Recurrences of it declared inside the window. */
  recentRepeats: number;
  /** The most common root-cause category in the group (ties: the most recent). */
  category: string | null;
  lastDeclaredAt: number;
}

/**
 * Recurring problems: incidents joined by counting links (union-find), each group one problem,
 * kept when one of its recurrences falls in `recent`. Sorted by how often it happened.
 */
export function recurringProblems(
  links: readonly LinkRow[],
  incidentsById: ReadonlyMap<number, IncidentRow>,
  recent: Window,
  limit = 5,
): Problem[] {
  const parent = new Map<number, number>();
  const find = (x: number): number => {
    let r = x;
    while (parent.get(r) !== undefined && parent.get(r) !== r) r = parent.get(r) as number;
    let c = x;
    while (c !== r) {
      const next = parent.get(c) as number;
      parent.set(c, r);
      c = next;
    }
    return r;
  };
  const recentRepeat = new Set<number>();
  for (const l of links) {
    if (linkKind(l) === null) continue;
    if (!parent.has(l.incidentId)) parent.set(l.incidentId, l.incidentId);
    if (!parent.has(l.relatedId)) parent.set(l.relatedId, l.relatedId);
    const a = find(l.incidentId);
    const b = find(l.relatedId);
    if (a !== b) parent.set(a, b);
    const inc = incidentsById.get(l.incidentId);
    if (inc && !inc.imported && inWindow(inc.declaredAt, recent)) recentRepeat.add(l.incidentId);
  }
  const groups = new Map<number, number[]>();
  for (const id of parent.keys()) {
    const root = find(id);
    const g = groups.get(root);
    if (g) g.push(id);
    else groups.set(root, [id]);
  }
  const problems: Problem[] = [];
  for (const ids of groups.values()) {
    const members = ids
      .map((id) => incidentsById.get(id))
      .filter((r): r is IncidentRow => r !== undefined)
      .sort((a, b) => a.declaredAt - b.declaredAt || a.id - b.id);
    const recentRepeats = members.filter((m) => recentRepeat.has(m.id)).length;
    if (recentRepeats === 0 || members.length === 0) continue;
    const tally = new Map<string, { n: number; last: number }>();
    for (const m of members) {
      const c = m.rootCauseCategory?.trim();
      if (!c) continue;
      const t = tally.get(c) ?? { n: 0, last: 0 };
      t.n += 1;
      t.last = Math.max(t.last, m.declaredAt);
      tally.set(c, t);
    }
    let category: string | null = null;
    let best = { n: 0, last: -1 };
    for (const [c, t] of tally) {
      if (t.n > best.n || (t.n === best.n && t.last > best.last)) {
        category = c;
        best = t;
      }
    }
    problems.push({
      ids: members.map((m) => m.id),
      occurrences: members.length,
      recentRepeats,
      category,
      lastDeclaredAt: members[members.length - 1]?.declaredAt ?? 0,
    });
  }
  problems.sort(
    (a, b) =>
      b.occurrences - a.occurrences ||
      b.recentRepeats - a.recentRepeats ||
      b.lastDeclaredAt - a.lastDeclaredAt,
  );
  return problems.slice(0, limit);
}

/** Recurrences in the window by their problem's root-cause category ("not known" when none). */
export function repeatsByCategory(problems: readonly Problem[]): { category: string; repeats: number }[] {
  const m = new Map<string, number>();
  for (const p of problems) {
    const c = p.category ?? 'not known';
    m.set(c, (m.get(c) ?? 0) + p.recentRepeats);
  }
  return [...m.entries()]
    .map(([category, repeats]) => ({ category, repeats }))
    .sort((a, b) => b.repeats - a.repeats || a.category.localeCompare(b.category));
}

/** Resolved without a root cause: nothing written, so the lesson is not yet learned. */
export const withoutRootCause = (resolved: readonly IncidentRow[]): IncidentRow[] =>
  resolved.filter((r) => (r.rootCauseSummary ?? '').trim() === '');

export interface FollowUpRow {
  id: number;
  text: string;
  ownerId: string | null;
  dueDate: string;
  incidentNumber: number;
  incidentPrivate: boolean;
}

export interface OwnerOverdue {
  ownerId: string | null;
  items: FollowUpRow[];
}

/** Open follow-ups whose due date is before `today` (YYYY-MM-DD), grouped by owner, most first. */
export function overdueByOwner(rows: readonly FollowUpRow[], today: string): OwnerOverdue[] {
  const m = new Map<string | null, FollowUpRow[]>();
  for (const r of rows) {
    if (!(r.dueDate < today)) continue;
    const list = m.get(r.ownerId);
    if (list) list.push(r);
    else m.set(r.ownerId, [r]);
  }
  return (
    [...m.entries()]
      .map(([ownerId, items]) => ({
        ownerId,
        items: items.sort((a, b) => a.dueDate.localeCompare(b.dueDate) || a.id - b.id),
      }))
      // Most overdue first; follow-ups nobody owns go last, they are the team's to assign.
      .sort(
        (a, b) =>
          Number(a.ownerId === null) - Number(b.ownerId === null) ||
          b.items.length - a.items.length ||
          String(a.ownerId).localeCompare(String(b.ownerId)),
      )
  );
}
