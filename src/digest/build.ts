import { TZDate } from '@date-fns/tz';
import { format } from 'date-fns/format';
import { alertStarts } from '../alerts/store.js';
import type { Db } from '../db/client.js';
import {
  type BySeverity,
  countBySeverity,
  type DurationStat,
  declaredIn,
  durationStat,
  emptyBySeverity,
  type FollowUpRow,
  type IncidentRow,
  type LinkRow,
  overdueByOwner,
  type RepeatKind,
  type RepeatRate,
  recurringProblems,
  repeatKinds,
  repeatRate,
  repeatsByCategory,
  resolvedIn,
  type SeverityCounts,
  severityOf,
  type Window,
  withoutRootCause,
} from './metrics.js';
import { localDate, shiftWeek, type Week } from './week.js';

/**
 * Everything one digest says, computed from the database (read only) for one week. Private
 * incidents reach this structure only as counts: a name, number or channel of a private incident
 * is never put in it, so no renderer can leak one.
 */
export interface NamedIncident {
  number: number;
  imported?: boolean;
  externalKey?: string | null;
  externalUrl?: string | null;
  title: string;
  severity: number;
  channelId: string | null;
  leadId: string | null;
}

export interface Listed {
  total: number;
  named: NamedIncident[];
  privateCount: number;
}

export interface Compared {
  now: SeverityCounts;
  before: SeverityCounts;
}

export interface ProblemView {
  occurrences: number;
  recentRepeats: number;
  category: string | null;
  /** Public incidents of the problem, most recent first. */
  named: NamedIncident[];
  privateCount: number;
  lastDeclaredAt: Date;
}

export interface OwnerView {
  ownerId: string | null;
  count: number;
  named: { text: string; incidentNumber: number; dueDate: string }[];
  privateCount: number;
}

export interface ChartWeek {
  key: string;
  /** "16 Nov": the Monday it starts. */
  label: string;
  bySeverity: BySeverity;
  total: number;
  repeatRate: number | null;
}

export interface Digest {
  week: Week;
  /** The instant the figures are as of: the week's end, or now for a week in progress. */
  cutoff: Date;
  partial: boolean;
  declared: Compared;
  resolved: Compared;
  open: Compared;
  mtta: DurationStat;
  mttr: DurationStat;
  repeats: {
    confirmed: Listed;
    suspected: Listed;
    rate4: RepeatRate;
    rate12: RepeatRate;
    problems: ProblemView[];
    byCategory: { category: string; repeats: number }[];
  };
  withoutRootCause: Listed;
  /** Incidents of the week declared from an alert (a triage card's Declare, or a route's auto_declare). */
  fromAlerts: Listed;
  overdue: { total: number; owners: OwnerView[] };
  chart: ChartWeek[];
}

export const CHART_WEEKS = 12;

const COLS = `id, number, title, severity, status, is_private as isPrivate, imported, channel_id as channelId,
  lead_id as leadId, declared_at as declaredAt, acknowledged_at as acknowledgedAt, resolved_at as resolvedAt,
  root_cause_summary as rootCauseSummary, root_cause_category as rootCauseCategory,
  external_key as externalKey, external_url as externalUrl`;

type RawIncident = Omit<IncidentRow, 'isPrivate' | 'imported'> & { isPrivate: number; imported: number };
const toRow = (r: RawIncident): IncidentRow => ({
  ...r,
  isPrivate: r.isPrivate === 1,
  imported: r.imported === 1,
});

function named(r: IncidentRow): NamedIncident {
  return {
    number: r.number,
    title: r.title,
    severity: r.severity,
    channelId: r.channelId,
    leadId: r.leadId,
    imported: r.imported,
    externalKey: r.externalKey ?? null,
    externalUrl: r.externalUrl ?? null,
  };
}

function listed(rows: readonly IncidentRow[]): Listed {
  const pub = rows.filter((r) => !r.isPrivate);
  return { total: rows.length, named: pub.map(named), privateCount: rows.length - pub.length };
}

export interface BuildOptions {
  week: Week;
  now: Date;
}

/** Builds the digest of `week` as of `now` (a week not over yet is reported so far). */
export function buildDigest(db: Db, { week, now }: BuildOptions): Digest {
  const sqlite = db.$client;
  const partial = now.getTime() < week.end.getTime();
  const cutoff = partial ? now.getTime() : week.end.getTime();
  const elapsed = cutoff - week.start.getTime();
  const prev = shiftWeek(week, -1);
  const thisW: Window = { start: week.start.getTime(), end: cutoff };
  // A week in progress is compared with the same stretch of the week before.
  // A finished week is compared with the whole week before (their lengths differ across DST).
  const prevW: Window = {
    start: prev.start.getTime(),
    end: partial ? prev.start.getTime() + elapsed : prev.end.getTime(),
  };
  const chartStart = shiftWeek(week, -(CHART_WEEKS - 1));

  const windowRows = (
    sqlite
      .prepare(
        `select ${COLS} from incidents where declared_at >= ? and declared_at < ? and imported = 0 order by declared_at, id`,
      )
      .all(chartStart.start.getTime(), cutoff) as RawIncident[]
  ).map(toRow);
  const byId = new Map(windowRows.map((r) => [r.id, r]));
  const resolvedRows = (
    sqlite
      .prepare(
        `select ${COLS} from incidents where resolved_at >= ? and resolved_at < ? and imported = 0 and declared_at < ?`,
      )
      .all(prevW.start, cutoff, chartStart.start.getTime()) as RawIncident[]
  ).map(toRow);
  const resolvedPool = [...windowRows, ...resolvedRows];

  const openCounts = (at: number): SeverityCounts => {
    const rows = sqlite
      .prepare(
        `select severity, count(*) as n from incidents
         where imported = 0 and declared_at < ?
           and (resolved_at >= ? or (resolved_at is null and status in ('investigating','identified','monitoring')))
         group by severity`,
      )
      .all(at, at) as { severity: number; n: number }[];
    const bySeverity = emptyBySeverity();
    let total = 0;
    for (const r of rows) {
      bySeverity[severityOf(r.severity)] += r.n;
      total += r.n;
    }
    return { total, bySeverity };
  };

  const links = sqlite
    .prepare(
      `select incident_id as incidentId, related_id as relatedId, level, feedback from recurrence_links
       where feedback = 'same' or (level = 'warning' and feedback is null)`,
    )
    .all() as LinkRow[];
  const kinds = repeatKinds(links);

  // Incidents of recurring problems outside the window (history, imported ones too).
  const missing = new Set<number>();
  for (const l of links) {
    if (!byId.has(l.incidentId)) missing.add(l.incidentId);
    if (!byId.has(l.relatedId)) missing.add(l.relatedId);
  }
  const memberById = new Map(byId);
  const ids = [...missing];
  for (let i = 0; i < ids.length; i += 500) {
    const chunk = ids.slice(i, i + 500);
    const rows = sqlite
      .prepare(`select ${COLS} from incidents where id in (${chunk.map(() => '?').join(',')})`)
      .all(...chunk) as RawIncident[];
    for (const r of rows) memberById.set(r.id, toRow(r));
  }

  const thisWeek = declaredIn(windowRows, thisW);
  for (const [id, at] of alertStarts(
    db,
    thisWeek.map((r) => r.id),
  )) {
    const row = byId.get(id);
    if (row) row.alertedAt = at.getTime();
  }
  const ofKind = (k: RepeatKind) => thisWeek.filter((r) => kinds.get(r.id) === k);
  const recent12: Window = { start: chartStart.start.getTime(), end: cutoff };
  const problems = recurringProblems(links, memberById, recent12);

  const followUps = (
    sqlite
      .prepare(
        `select f.id, f.text, f.owner_id as ownerId, f.due_date as dueDate, i.number as incidentNumber,
           i.is_private as incidentPrivate
         from follow_ups f join incidents i on i.id = f.incident_id
         where f.status = 'open' and f.due_date is not null and f.created_at < ? and i.imported = 0`,
      )
      .all(cutoff) as (Omit<FollowUpRow, 'incidentPrivate'> & { incidentPrivate: number })[]
  ).map((r) => ({ ...r, incidentPrivate: r.incidentPrivate === 1 }));
  const owners = overdueByOwner(followUps, localDate(new Date(cutoff), week.tz));

  const chart: ChartWeek[] = [];
  for (let i = CHART_WEEKS - 1; i >= 0; i--) {
    const w = shiftWeek(week, -i);
    const win: Window = { start: w.start.getTime(), end: Math.min(w.end.getTime(), cutoff) };
    const c = countBySeverity(declaredIn(windowRows, win));
    chart.push({
      key: w.key,
      label: format(new TZDate(w.start.getTime(), w.tz), 'd MMM'),
      bySeverity: c.bySeverity,
      total: c.total,
      repeatRate: repeatRate(windowRows, kinds, win).rate,
    });
  }

  return {
    week,
    cutoff: new Date(cutoff),
    partial,
    declared: { now: countBySeverity(thisWeek), before: countBySeverity(declaredIn(windowRows, prevW)) },
    resolved: {
      now: countBySeverity(resolvedIn(resolvedPool, thisW)),
      before: countBySeverity(resolvedIn(resolvedPool, prevW)),
    },
    open: { now: openCounts(cutoff), before: openCounts(prevW.end) },
    mtta: durationStat(thisWeek, 'MTTA', 'acknowledgedAt'),
    fromAlerts: listed(thisWeek.filter((r) => r.alertedAt != null)),
    mttr: durationStat(thisWeek, 'MTTR', 'resolvedAt'),
    repeats: {
      confirmed: listed(ofKind('confirmed')),
      suspected: listed(ofKind('suspected')),
      rate4: repeatRate(windowRows, kinds, { start: shiftWeek(week, -3).start.getTime(), end: cutoff }),
      rate12: repeatRate(windowRows, kinds, recent12),
      problems: problems.map((p) => {
        const members = p.ids.map((id) => memberById.get(id)).filter((r): r is IncidentRow => !!r);
        const pub = members.filter((m) => !m.isPrivate).reverse();
        return {
          occurrences: p.occurrences,
          recentRepeats: p.recentRepeats,
          category: p.category,
          named: pub.map(named),
          privateCount: members.length - pub.length,
          lastDeclaredAt: new Date(p.lastDeclaredAt),
        };
      }),
      byCategory: repeatsByCategory(problems),
    },
    withoutRootCause: listed(withoutRootCause(resolvedIn(resolvedPool, thisW))),
    overdue: {
      total: owners.reduce((n, o) => n + o.items.length, 0),
      owners: owners.map((o) => {
        const pub = o.items.filter((i) => !i.incidentPrivate);
        return {
          ownerId: o.ownerId,
          count: o.items.length,
          named: pub.map((i) => ({ text: i.text, incidentNumber: i.incidentNumber, dueDate: i.dueDate })),
          privateCount: o.items.length - pub.length,
        };
      }),
    },
    chart,
  };
}

/** True when the week had no incidents declared: the digest is then a short post. */
export const isQuietWeek = (d: Digest): boolean => d.declared.now.total === 0;
