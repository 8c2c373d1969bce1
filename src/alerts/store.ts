import { and, asc, desc, eq, inArray, ne, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { alertGroups, alerts, incidents } from '../db/schema.js';
import { addTimelineEvent, type Tx } from '../incidents/add-timeline-event.js';
import { isOpen } from '../incidents/model.js';
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

export type AlertChange = 'new' | 'resolved' | 'refired' | 'duplicate' | 'updated';

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
function isCurrent(tx: Tx, g: AlertGroup, now: Date): boolean {
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

function incidentIsOpen(tx: Tx, incidentId: number | null): boolean {
  if (incidentId === null) return false;
  const inc = tx
    .select({ status: incidents.status })
    .from(incidents)
    .where(eq(incidents.id, incidentId))
    .get();
  return inc !== undefined && isOpen(inc);
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

function groupSize(tx: Tx, groupId: number): number {
  return (
    tx.select({ n: sql<number>`count(*)` }).from(alerts).where(eq(alerts.groupId, groupId)).get()?.n ?? 0
  );
}

export function ingestAlerts(
  db: Db,
  now: Date,
  incoming: readonly IncomingAlert[],
  route: (a: IncomingAlert) => RouteDecision | null,
): IngestResult {
  const changes: Record<AlertChange, number> = { new: 0, resolved: 0, refired: 0, duplicate: 0, updated: 0 };
  const groupIds = new Set<number>();
  const incidentIds = new Set<number>();
  let unrouted = 0;
  db.transaction((tx) => {
    // Within one payload the current group of a key is looked up once (a 1,000-alert batch is one card).
    const current = new Map<string, AlertGroup>();
    const touch = (g: AlertGroup) => {
      groupIds.add(g.id);
      tx.update(alertGroups)
        .set({ version: sql`${alertGroups.version} + 1`, updatedAt: now })
        .where(eq(alertGroups.id, g.id))
        .run();
    };
    const groupFor = (a: IncomingAlert): AlertGroup | null => {
      const r = route(a);
      if (!r) return null;
      const key = groupKeyOf(a, r);
      const cached = current.get(key);
      if (cached) return cached;
      const last = tx
        .select()
        .from(alertGroups)
        .where(eq(alertGroups.groupKey, key))
        .orderBy(desc(alertGroups.id))
        .limit(1)
        .get();
      const g =
        last && isCurrent(tx, last, now)
          ? last
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
              .returning()
              .get();
      current.set(key, g);
      return g;
    };

    for (const a of incoming) {
      const startsAt = Number.isNaN(a.startsAt.getTime()) || a.startsAt > now ? now : a.startsAt;
      const endsAt = a.status === 'resolved' ? (a.endsAt && a.endsAt <= now ? a.endsAt : now) : null;
      const existing = tx
        .select()
        .from(alerts)
        .where(and(eq(alerts.source, a.source), eq(alerts.fingerprint, a.fingerprint)))
        .get();
      if (existing) {
        const wasFiring = existing.status === 'firing';
        if (wasFiring && a.status === 'firing') {
          // The sender repeats firing alerts (Alertmanager's repeat_interval): the same alert, seen again.
          tx.update(alerts).set({ lastSeenAt: now }).where(eq(alerts.id, existing.id)).run();
          changes.duplicate++;
          continue;
        }
        if (!wasFiring && a.status === 'resolved') {
          changes.duplicate++;
          continue;
        }
        if (wasFiring) {
          const row = tx
            .update(alerts)
            .set({ status: 'resolved', endsAt, lastSeenAt: now })
            .where(eq(alerts.id, existing.id))
            .returning()
            .get();
          changes.resolved++;
          const g = tx.select().from(alertGroups).where(eq(alertGroups.id, existing.groupId)).get();
          if (g) touch(g);
          if (row.incidentId !== null && incidentIsOpen(tx, row.incidentId)) {
            incidentIds.add(row.incidentId);
            if (g && groupSize(tx, g.id) <= TIMELINE_PER_ALERT_MAX)
              alertTimelineEvent(tx, row, row.incidentId, 'resolved', now);
          }
          continue;
        }
        // Firing again after it resolved: a new episode, on the group that is current now.
        const g =
          groupFor(a) ?? tx.select().from(alertGroups).where(eq(alertGroups.id, existing.groupId)).get();
        if (!g) continue;
        const incidentId = incidentIsOpen(tx, g.incidentId) ? g.incidentId : null;
        const row = tx
          .update(alerts)
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
          .returning()
          .get();
        changes.refired++;
        touch(g);
        if (incidentId !== null) {
          incidentIds.add(incidentId);
          if (groupSize(tx, g.id) <= TIMELINE_PER_ALERT_MAX)
            alertTimelineEvent(tx, row, incidentId, 'firing', now);
        }
        continue;
      }
      const g = groupFor(a);
      if (!g) {
        unrouted++;
        continue;
      }
      const incidentId = incidentIsOpen(tx, g.incidentId) ? g.incidentId : null;
      const row = tx
        .insert(alerts)
        .values({
          source: a.source,
          fingerprint: a.fingerprint,
          status: a.status,
          title: a.title,
          description: a.description,
          severity: a.severity,
          service: a.service,
          labels: a.labels,
          url: a.url,
          startsAt,
          endsAt,
          groupId: g.id,
          incidentId,
          firstSeenAt: now,
          lastSeenAt: now,
        })
        .returning()
        .get();
      changes.new++;
      touch(g);
      if (incidentId !== null) {
        incidentIds.add(incidentId);
        if (groupSize(tx, g.id) <= TIMELINE_PER_ALERT_MAX)
          alertTimelineEvent(tx, row, incidentId, row.status as 'firing', now);
      }
    }
  });
  const allResolved = [...incidentIds].filter((id) => firingCount(db, eq(alerts.incidentId, id)) === 0);
  return {
    received: incoming.length,
    changes,
    groupIds: [...groupIds],
    incidentIds: [...incidentIds],
    allResolved,
    unrouted,
  };
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
