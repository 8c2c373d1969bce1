import type { Statement } from 'better-sqlite3';
import { and, asc, desc, eq, inArray, isNull, ne, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { alertGroups, alerts, incidents } from '../db/schema.js';
import { addTimelineEvent, type Tx } from '../incidents/add-timeline-event.js';
import { isOpen, type Severity } from '../incidents/model.js';
import type { Clock } from '../runtime/clock.js';
import type { Alert, AlertGroup, IncomingAlert } from './model.js';
import type { RouteDecision } from './routes.js';

/**
 * Alerts are stored in one synchronous transaction per request, before the sender gets its 2xx.
 * The same fingerprint from the same sender is one row, followed through firing → resolved → firing
 * again. Alerts are grouped (one triage card per group): alerts of the same sender, route and
 * sender's group key join the group that is still current, so a storm is one card with a count.
 */

/** A group whose alerts all resolved stays current this long, so a flapping alert reuses its card. */
export const GROUP_QUIET_MS = 30 * 60_000;
/** Past this many alerts in a group, single alerts no longer get their own timeline entry (a storm). */
export const TIMELINE_PER_ALERT_MAX = 25;

/**
 * `unchanged`: a re-rating (IncomingAlert.reRateOnly) of an alert not stored, or no longer firing:
 * nothing to re-rate, and no reason to create or re-fire it.
 */
export type AlertChange = 'new' | 'resolved' | 'refired' | 'duplicate' | 'updated' | 'unchanged';

export interface IngestResult {
  /** Alerts in the payload, each stored or recognised as already stored. */
  received: number;
  changes: Record<AlertChange, number>;
  /** Groups whose card must be posted or edited. */
  groupIds: number[];
  /** Incidents whose alerts changed (timeline, summary) and those whose last alert just resolved. */
  incidentIds: number[];
  allResolved: number[];
  /** Alerts that matched no route and had no channel: stored, but no card. */
  unrouted: number;
  /** Groups opened by this payload (each gets a card). */
  groupsCreated: number;
  /**
   * Open incidents a firing alert of theirs now rates above the incident's own severity: at most one
   * per incident (the most severe alert of the payload). The incident is not changed: people are asked.
   */
  raises: SeverityRaise[];
}

/** An alert that came in more severe than its open incident. */
export interface SeverityRaise {
  incidentId: number;
  groupId: number;
  alertId: number;
  /** What the alert rates (route or sender's word), and the incident's severity when it came in. */
  severity: Severity;
  incidentSeverity: number;
}

export const groupKeyOf = (a: IncomingAlert, r: RouteDecision | null): string =>
  `${a.source}|${r?.name ?? ''}|${r?.channel ?? ''}|${a.groupKey ?? ''}`;

const firingCount = (tx: Tx, where: ReturnType<typeof eq>): number =>
  tx
    .select({ n: sql<number>`count(*)` })
    .from(alerts)
    .where(and(where, eq(alerts.status, 'firing')))
    .get()?.n ?? 0;

/** Still taking alerts: not attached to an incident that is over, and firing or recently active. */
function isCurrent(tx: Tx, g: Pick<AlertGroup, 'id' | 'incidentId' | 'updatedAt'>, now: Date): boolean {
  if (g.incidentId !== null) {
    const inc = tx
      .select({ status: incidents.status })
      .from(incidents)
      .where(eq(incidents.id, g.incidentId))
      .get();
    if (!inc || !isOpen(inc)) return false;
  }
  if (now.getTime() - g.updatedAt.getTime() < GROUP_QUIET_MS) return true;
  return firingCount(tx, eq(alerts.groupId, g.id)) > 0;
}

const alertLine = (a: Pick<Alert, 'title' | 'source'>) => `${a.title} (${a.source})`;

/** A timeline entry for an alert of an incident: fired, resolved, fired again. Once per episode and state. */
export function alertTimelineEvent(
  tx: Tx,
  a: Alert,
  incidentId: number,
  what: 'firing' | 'resolved',
  now: Date,
): void {
  const at = what === 'resolved' ? (a.endsAt ?? now) : a.startsAt;
  addTimelineEvent(tx, {
    incidentId,
    kind: 'alert',
    text: what === 'firing' ? `Alert firing: ${alertLine(a)}` : `Alert resolved: ${alertLine(a)}`,
    data: { alertId: a.id, source: a.source, status: what, fingerprint: a.fingerprint, url: a.url },
    occurredAt: at.getTime() > now.getTime() ? now : at,
    recordedAt: now,
    sourceKey: `alert:${a.id}:${a.fireCount}:${what}`,
    capturedVia: 'alert',
  });
}

/**
 * A firing alert of an incident re-rated by its sender (PagerDuty's priority_updated): on the timeline
 * beside its firing entry, once per new word, so the incident's history shows when the alerts said worse.
 */
export function alertSeverityTimelineEvent(
  tx: Tx,
  a: Alert,
  incidentId: number,
  before: string | null,
  now: Date,
): void {
  const word = (s: string | null) => (s === null || s === '' ? 'none' : s);
  addTimelineEvent(tx, {
    incidentId,
    kind: 'alert',
    text: `Alert severity changed: ${alertLine(a)}: ${word(before)} → ${word(a.severity)}`,
    data: { alertId: a.id, source: a.source, status: a.status, severity: a.severity, before, url: a.url },
    occurredAt: now,
    recordedAt: now,
    sourceKey: `alert:${a.id}:${a.fireCount}:severity:${word(a.severity)}`,
    capturedVia: 'alert',
  });
}

function groupSize(tx: Tx, groupId: number): number {
  return (
    tx.select({ n: sql<number>`count(*)` }).from(alerts).where(eq(alerts.groupId, groupId)).get()?.n ?? 0
  );
}

/** The hot path's statements (one alert per request at thousands a second): plain SQL, prepared once. */
interface Statements {
  find: Statement<
    [string, string],
    {
      id: number;
      status: string;
      groupId: number;
      incidentId: number | null;
      severity: string | null;
      service: string | null;
      labels: string;
    }
  >;
  seen: Statement<[number, number]>;
  lastGroup: Statement<
    [string],
    { id: number; incidentId: number | null; severity: number; updatedAt: number }
  >;
  group: Statement<[number], { id: number; incidentId: number | null; severity: number }>;
  insert: Statement<unknown[], { id: number }>;
  touch: Statement<[number, number, number]>;
  raise: Statement<[number, number, number]>;
  incidentStatus: Statement<[number], { status: string; severity: number }>;
}
const statements = new WeakMap<Db, Statements>();
function stmts(db: Db): Statements {
  let s = statements.get(db);
  if (!s) {
    const c = db.$client;
    s = {
      find: c.prepare(
        'select id, status, group_id as groupId, incident_id as incidentId, severity, service, labels from alerts where source = ? and fingerprint = ?',
      ),
      seen: c.prepare('update alerts set last_seen_at = ? where id = ?'),
      lastGroup: c.prepare(
        'select id, incident_id as incidentId, severity, updated_at as updatedAt from alert_groups where group_key = ? order by id desc limit 1',
      ),
      group: c.prepare('select id, incident_id as incidentId, severity from alert_groups where id = ?'),
      insert: c.prepare(
        `insert into alerts (source, fingerprint, status, title, description, severity, service, labels, url,
           starts_at, ends_at, fire_count, group_id, incident_id, first_seen_at, last_seen_at)
         values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?) returning id`,
      ),
      touch: c.prepare('update alert_groups set version = version + ?, updated_at = ? where id = ?'),
      // Only ever up (a lower number is more severe): see raise() in ingestAlerts. A dismissal was
      // for the card as it was: a worse alert brings the buttons back rather than hide under it.
      raise: c.prepare(
        'update alert_groups set severity = ?, dismissed_until = null where id = ? and severity > ?',
      ),
      incidentStatus: c.prepare('select status, severity from incidents where id = ?'),
    } as Statements;
    statements.set(db, s);
  }
  return s;
}

interface GroupRef {
  id: number;
  incidentId: number | null;
  severity: number;
}

/**
 * A group's severity is the most severe of the alerts that fired in it while it was current, and
 * it never drops by itself: a critical alert that fired and resolved after a minute still said the
 * problem was that bad, and a card whose "Declare (SEVn)" moved down and up with a flapping alert
 * would be declared at whatever it showed that second. Only firing alerts raise it (an alert first
 * heard of already resolved is history, not a page). An open incident of the group is never changed
 * here: its severity was set by people or by their declare, so the raise is only suggested
 * (`raises`, posted by the Slack side with a button that runs the normal severity verb).
 */
export function ingestAlerts(
  db: Db,
  clock: Clock,
  incoming: readonly IncomingAlert[],
  route: (a: IncomingAlert) => RouteDecision | null,
): IngestResult {
  const now = clock.now();
  const changes: Record<AlertChange, number> = {
    new: 0,
    resolved: 0,
    refired: 0,
    duplicate: 0,
    updated: 0,
    unchanged: 0,
  };
  const groupIds = new Set<number>();
  const incidentIds = new Set<number>();
  const raises = new Map<number, SeverityRaise>();
  const st = stmts(db);
  const at = now.getTime();
  let unrouted = 0;
  let groupsCreated = 0;
  const openIncident = (id: number | null): boolean => {
    if (id === null) return false;
    const row = st.incidentStatus.get(id);
    return row !== undefined && isOpen(row);
  };
  db.transaction((tx) => {
    // Within one payload the current group of a key is looked up once (a 1,000-alert batch is one
    // card), and each changed group's version is bumped once, at the end.
    const current = new Map<string, GroupRef>();
    const bumps = new Map<number, number>();
    const touch = (g: Pick<GroupRef, 'id'>) => {
      groupIds.add(g.id);
      bumps.set(g.id, (bumps.get(g.id) ?? 0) + 1);
    };
    const groupFor = (a: IncomingAlert, r: RouteDecision | null): GroupRef | null => {
      if (!r) return null;
      const key = groupKeyOf(a, r);
      const cached = current.get(key);
      if (cached) return cached;
      const last = st.lastGroup.get(key);
      const reuse = last && isCurrent(tx, { ...last, updatedAt: new Date(last.updatedAt) }, now);
      if (!reuse) groupsCreated++;
      const g: GroupRef =
        last && reuse
          ? { id: last.id, incidentId: last.incidentId, severity: last.severity }
          : tx
              .insert(alertGroups)
              .values({
                groupKey: key,
                source: a.source,
                routeName: r.name,
                channel: r.channel,
                severity: r.severity,
                services: r.services,
                autoDeclare: r.autoDeclare,
                createdAt: now,
                updatedAt: now,
              })
              .returning({
                id: alertGroups.id,
                incidentId: alertGroups.incidentId,
                severity: alertGroups.severity,
              })
              .get();
      current.set(key, g);
      return g;
    };
    /** A firing alert rated `severity` is in group `g`: the group rises, its open incident is asked. */
    const raise = (g: GroupRef, alertId: number, severity: number) => {
      if (severity < g.severity) {
        st.raise.run(severity, g.id, severity);
        g.severity = severity;
        touch(g);
      }
      if (g.incidentId === null) return;
      const inc = st.incidentStatus.get(g.incidentId);
      if (!inc || !isOpen(inc) || severity >= inc.severity) return;
      const before = raises.get(g.incidentId);
      if (before && before.severity <= severity) return;
      raises.set(g.incidentId, {
        incidentId: g.incidentId,
        groupId: g.id,
        alertId,
        severity: severity as Severity,
        incidentSeverity: inc.severity,
      });
      incidentIds.add(g.incidentId);
    };
    const rowOf = (id: number): Alert => tx.select().from(alerts).where(eq(alerts.id, id)).get() as Alert;

    for (const a of incoming) {
      const startsAt = Number.isNaN(a.startsAt.getTime()) || a.startsAt > now ? now : a.startsAt;
      const endsAt = a.status === 'resolved' ? (a.endsAt && a.endsAt <= now ? a.endsAt : now) : null;
      const existing = st.find.get(a.source, a.fingerprint);
      if (a.reRateOnly && existing?.status !== 'firing') {
        changes.unchanged++;
        continue;
      }
      if (existing) {
        const wasFiring = existing.status === 'firing';
        // A re-rating carries only part of the alert (Opsgenie sends details and description with
        // Create alone): it is the stored alert with the new words on top, routed as the stored one.
        const seen: IncomingAlert = a.reRateOnly
          ? {
              ...a,
              labels: { ...(JSON.parse(existing.labels) as Record<string, string>), ...a.labels },
              service: existing.service,
            }
          : a;
        if (wasFiring === (a.status === 'firing')) {
          const labels = JSON.stringify(seen.labels);
          if (!wasFiring || (existing.severity === a.severity && existing.labels === labels)) {
            // The sender repeats what it said (Alertmanager's repeat_interval): the same alert, seen again.
            st.seen.run(at, existing.id);
            changes.duplicate++;
            continue;
          }
          // Still firing, but the sender re-rated it: PagerDuty's incident.priority_updated ("Sent
          // when the priority of an incident has changed", https://developer.pagerduty.com/docs/webhooks/v3-overview/,
          // "Event Types"), Opsgenie's UpdatePriority (see parseOpsgenie), or any sender repeating an
          // alert with another severity word or labels.
          tx.update(alerts)
            .set({ severity: a.severity, labels: seen.labels, lastSeenAt: now })
            .where(eq(alerts.id, existing.id))
            .run();
          changes.updated++;
          const g = st.group.get(existing.groupId);
          if (!g) continue;
          touch(g);
          const incidentId = openIncident(existing.incidentId) ? existing.incidentId : null;
          if (incidentId !== null) {
            incidentIds.add(incidentId);
            if (existing.severity !== a.severity && groupSize(tx, existing.groupId) <= TIMELINE_PER_ALERT_MAX)
              alertSeverityTimelineEvent(tx, rowOf(existing.id), incidentId, existing.severity, now);
          }
          const r = route(seen);
          if (r) raise(g, existing.id, r.severity);
          continue;
        }
        if (wasFiring) {
          tx.update(alerts)
            .set({ status: 'resolved', endsAt, lastSeenAt: now })
            .where(eq(alerts.id, existing.id))
            .run();
          changes.resolved++;
          touch({ id: existing.groupId });
          if (existing.incidentId !== null && openIncident(existing.incidentId)) {
            incidentIds.add(existing.incidentId);
            if (groupSize(tx, existing.groupId) <= TIMELINE_PER_ALERT_MAX)
              alertTimelineEvent(tx, rowOf(existing.id), existing.incidentId, 'resolved', now);
          }
          continue;
        }
        // Firing again after it resolved: a new episode, on the group that is current now.
        const r = route(a);
        // No route now: it stays in its old group, outside any incident, and raises nothing.
        const g = groupFor(a, r) ?? { id: existing.groupId, incidentId: null, severity: Number.NaN };
        const incidentId = openIncident(g.incidentId) ? g.incidentId : null;
        tx.update(alerts)
          .set({
            status: 'firing',
            title: a.title,
            description: a.description,
            severity: a.severity,
            service: a.service,
            labels: a.labels,
            url: a.url,
            startsAt,
            endsAt: null,
            fireCount: sql`${alerts.fireCount} + 1`,
            groupId: g.id,
            incidentId,
            lastSeenAt: now,
          })
          .where(eq(alerts.id, existing.id))
          .run();
        changes.refired++;
        touch(g);
        if (incidentId !== null) {
          incidentIds.add(incidentId);
          if (groupSize(tx, g.id) <= TIMELINE_PER_ALERT_MAX)
            alertTimelineEvent(tx, rowOf(existing.id), incidentId, 'firing', now);
        }
        if (r) raise(g, existing.id, r.severity);
        continue;
      }
      const r = route(a);
      const g = groupFor(a, r);
      if (!g || !r) {
        unrouted++;
        continue;
      }
      const incidentId = openIncident(g.incidentId) ? g.incidentId : null;
      const inserted = st.insert.get(
        a.source,
        a.fingerprint,
        a.status,
        a.title,
        a.description,
        a.severity,
        a.service,
        JSON.stringify(a.labels),
        a.url,
        startsAt.getTime(),
        endsAt?.getTime() ?? null,
        g.id,
        incidentId,
        at,
        at,
      ) as { id: number };
      changes.new++;
      touch(g);
      if (incidentId !== null) {
        incidentIds.add(incidentId);
        if (groupSize(tx, g.id) <= TIMELINE_PER_ALERT_MAX)
          alertTimelineEvent(tx, rowOf(inserted.id), incidentId, a.status, now);
      }
      if (a.status === 'firing') raise(g, inserted.id, r.severity);
    }
    for (const [id, n] of bumps) st.touch.run(n, at, id);
  });
  const allResolved = [...incidentIds].filter((id) => firingCount(db, eq(alerts.incidentId, id)) === 0);
  return {
    received: incoming.length,
    changes,
    groupIds: [...groupIds],
    incidentIds: [...incidentIds],
    allResolved,
    unrouted,
    groupsCreated,
    raises: [...raises.values()],
  };
}

export function getAlert(db: Db, id: number): Alert | undefined {
  return db.select().from(alerts).where(eq(alerts.id, id)).get();
}

export function groupsOfIncident(db: Db, incidentId: number): AlertGroup[] {
  return db.select().from(alertGroups).where(eq(alertGroups.incidentId, incidentId)).all();
}

export function getGroup(db: Db, id: number): AlertGroup | undefined {
  return db.select().from(alertGroups).where(eq(alertGroups.id, id)).get();
}

/** Groups whose card is behind their alerts (posted never, or before the last change). */
export function dueGroups(db: Db, limit = 50): AlertGroup[] {
  return db
    .select()
    .from(alertGroups)
    .where(ne(alertGroups.version, alertGroups.renderedVersion))
    .orderBy(asc(alertGroups.updatedAt))
    .limit(limit)
    .all();
}

export interface GroupView {
  group: AlertGroup;
  total: number;
  firing: number;
  /** The first alert of the group: what the card describes and the memory reads. */
  lead: Alert;
  /** The most recent others (for the card's list). */
  recent: Alert[];
}

export function groupView(db: Db, groupId: number, recent = 8): GroupView | undefined {
  const group = getGroup(db, groupId);
  if (!group) return undefined;
  const counts = db
    .select({
      total: sql<number>`count(*)`,
      firing: sql<number>`coalesce(sum(case when ${alerts.status} = 'firing' then 1 else 0 end), 0)`,
    })
    .from(alerts)
    .where(eq(alerts.groupId, groupId))
    .get();
  const lead = db
    .select()
    .from(alerts)
    .where(eq(alerts.groupId, groupId))
    .orderBy(asc(alerts.id))
    .limit(1)
    .get();
  if (!lead) return undefined;
  const others = db
    .select()
    .from(alerts)
    .where(and(eq(alerts.groupId, groupId), ne(alerts.id, lead.id)))
    .orderBy(desc(alerts.lastSeenAt), desc(alerts.id))
    .limit(recent)
    .all();
  return { group, total: counts?.total ?? 0, firing: counts?.firing ?? 0, lead, recent: others };
}

/** The card now shows `version` (compare-and-set: a change since the render keeps it due). */
export function markRendered(
  db: Db,
  groupId: number,
  version: number,
  card: { channel: string; ts: string } | null,
): void {
  db.update(alertGroups)
    .set({
      renderedVersion: version,
      cardError: null,
      ...(card ? { cardChannel: card.channel, cardTs: card.ts } : {}),
    })
    .where(eq(alertGroups.id, groupId))
    .run();
}

/**
 * Records that the card's first post is about to be attempted, before Slack is called, and returns
 * when that first attempt began (an earlier one's time if there was one): everything an attempt may
 * have posted is younger than this.
 */
export function startCardPost(db: Db, groupId: number, now: Date): Date {
  db.update(alertGroups)
    .set({ cardPostStartedAt: now })
    .where(and(eq(alertGroups.id, groupId), isNull(alertGroups.cardPostStartedAt)))
    .run();
  const row = db
    .select({ at: alertGroups.cardPostStartedAt })
    .from(alertGroups)
    .where(eq(alertGroups.id, groupId))
    .get();
  return row?.at ?? now;
}

export function markCardFailed(db: Db, groupId: number, error: string): void {
  db.update(alertGroups)
    .set({ cardError: error.slice(0, 500) })
    .where(eq(alertGroups.id, groupId))
    .run();
}

/** Alerts of an incident still firing (the pinned summary lists them). */
export function firingAlertsOf(db: Db, incidentId: number, limit = 10): { alerts: Alert[]; total: number } {
  const total =
    db
      .select({ n: sql<number>`count(*)` })
      .from(alerts)
      .where(and(eq(alerts.incidentId, incidentId), eq(alerts.status, 'firing')))
      .get()?.n ?? 0;
  const list = total
    ? db
        .select()
        .from(alerts)
        .where(and(eq(alerts.incidentId, incidentId), eq(alerts.status, 'firing')))
        .orderBy(asc(alerts.startsAt))
        .limit(limit)
        .all()
    : [];
  return { alerts: list, total };
}

/** When the first alert of each incident started (for MTTA from the page, and "started from an alert"). */
export function alertStarts(db: Db, incidentIds: readonly number[]): Map<number, Date> {
  const out = new Map<number, Date>();
  if (incidentIds.length === 0) return out;
  for (let i = 0; i < incidentIds.length; i += 500) {
    const rows = db
      .select({ incidentId: alertGroups.incidentId, startsAt: sql<number>`min(${alerts.startsAt})` })
      .from(alertGroups)
      .innerJoin(alerts, eq(alerts.groupId, alertGroups.id))
      .where(
        and(
          inArray(alertGroups.incidentId, incidentIds.slice(i, i + 500) as number[]),
          inArray(alertGroups.handledVia, ['declared', 'auto']),
        ),
      )
      .groupBy(alertGroups.incidentId)
      .all();
    for (const r of rows) if (r.incidentId !== null) out.set(r.incidentId, new Date(r.startsAt));
  }
  return out;
}

/** A group's alerts, oldest first, as much as reading a severity needs (the card's "raised by"). */
export function* groupSeverityInputs(
  db: Db,
  groupId: number,
): Generator<{
  id: number;
  title: string;
  source: string;
  severity: string | null;
  labels: Record<string, string>;
}> {
  const rows = db.$client
    .prepare('select id, title, source, severity, labels from alerts where group_id = ? order by id')
    .iterate(groupId) as IterableIterator<{
    id: number;
    title: string;
    source: string;
    severity: string | null;
    labels: string;
  }>;
  for (const r of rows) yield { ...r, labels: JSON.parse(r.labels) as Record<string, string> };
}
