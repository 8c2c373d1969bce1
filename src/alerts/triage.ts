import { and, eq, isNotNull, isNull, lte, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { alertGroups, alerts } from '../db/schema.js';
import { DomainError } from '../incidents/errors.js';
import { type Incident, incidentRef, isOpen } from '../incidents/model.js';
import { getIncidentById } from '../incidents/queries.js';
import { DESCRIPTION_MAX, declareIncident, normalizeServices, TITLE_MAX } from '../lifecycle/declare.js';
import type { Clock } from '../runtime/clock.js';
import type { AlertGroup } from './model.js';
import { alertTimelineEvent, getGroup, groupView, TIMELINE_PER_ALERT_MAX } from './store.js';

/**
 * The triage card's verbs: Declare (a new incident from the group's alerts), Attach (to an open
 * incident), Dismiss (quiet the card for a while). Each is one synchronous transaction; the Slack
 * glue acknowledges first, then calls one of these, then edits the card.
 */

export const DISMISS_CHOICES_MIN = [30, 60, 240, 1440] as const;

const bump = { version: sql`${alertGroups.version} + 1` };

function openGroup(db: Db, groupId: number): AlertGroup {
  const g = getGroup(db, groupId);
  if (!g) throw new DomainError('not_found', 'Those alerts are no longer stored.');
  return g;
}

function alreadyHandled(db: Db, g: AlertGroup): DomainError {
  const inc = g.incidentId !== null ? getIncidentById(db, g.incidentId) : undefined;
  const where = inc && !inc.isPrivate ? ` (${incidentRef(inc)})` : '';
  return new DomainError('conflict', `These alerts already belong to an incident${where}.`);
}

/** Puts the group's alerts in an incident: every alert of the group (now and later) is attached. */
function attachInTx(
  tx: Parameters<Parameters<Db['transaction']>[0]>[0],
  g: AlertGroup,
  incident: Incident,
  via: 'declared' | 'attached' | 'auto',
  userId: string | null,
  now: Date,
): void {
  const claimed = tx
    .update(alertGroups)
    .set({
      incidentId: incident.id,
      handledVia: via,
      handledBy: userId,
      dismissedUntil: null,
      updatedAt: now,
      ...bump,
    })
    .where(and(eq(alertGroups.id, g.id), isNull(alertGroups.incidentId)))
    .returning()
    .get();
  if (!claimed) throw new DomainError('conflict', 'These alerts already belong to an incident.');
  tx.update(alerts).set({ incidentId: incident.id }).where(eq(alerts.groupId, g.id)).run();
  const rows = tx
    .select()
    .from(alerts)
    .where(eq(alerts.groupId, g.id))
    .orderBy(alerts.id)
    .limit(TIMELINE_PER_ALERT_MAX + 1)
    .all();
  const many = rows.length > TIMELINE_PER_ALERT_MAX;
  for (const a of many ? rows.slice(0, TIMELINE_PER_ALERT_MAX) : rows) {
    alertTimelineEvent(tx, a, incident.id, 'firing', now);
    if (a.status === 'resolved') alertTimelineEvent(tx, a, incident.id, 'resolved', now);
  }
}

export interface DeclareFromAlertsInput {
  groupId: number;
  declaredBy: string;
  /** Declared by a route (auto_declare) rather than a person: nobody leads until someone acknowledges. */
  auto?: boolean;
}

/**
 * A new incident from the group: its lead alert's title and text, the route's severity and
 * services, impact from the first alert's start. The declare verb stores it; the alerts are attached
 * in the same breath (a second click finds the group taken and is told so).
 */
export function declareFromAlerts(db: Db, clock: Clock, input: DeclareFromAlertsInput): Incident {
  const g = openGroup(db, input.groupId);
  if (g.incidentId !== null) throw alreadyHandled(db, g);
  const view = groupView(db, g.id, 20);
  if (!view) throw new DomainError('not_found', 'Those alerts are no longer stored.');
  const now = clock.now();
  const lead = view.lead;
  const firstStart = db
    .select({ at: sql<number>`min(${alerts.startsAt})` })
    .from(alerts)
    .where(eq(alerts.groupId, g.id))
    .get()?.at;
  const labels = Object.entries(lead.labels)
    .slice(0, 20)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');
  const parts = [
    lead.description,
    labels ? `Labels: ${labels}` : '',
    view.total > 1
      ? `${view.total} alerts from ${g.source} (${view.firing} firing).`
      : `Alert from ${g.source}.`,
    lead.url ? `Source: ${lead.url}` : '',
  ].filter(Boolean);
  const description = parts.join('\n\n').slice(0, DESCRIPTION_MAX);
  let services: string[] = [];
  try {
    services = normalizeServices([
      ...g.services,
      ...(lead.service && g.services.length === 0 ? [lead.service] : []),
    ]);
  } catch {
    services = g.services;
  }
  const titleText = lead.title.trim() || `Alert from ${g.source}`;
  const title =
    Array.from(titleText).length > TITLE_MAX
      ? `${Array.from(titleText)
          .slice(0, TITLE_MAX - 1)
          .join('')}…`
      : titleText;
  const started =
    firstStart !== undefined && firstStart !== null ? new Date(Math.min(firstStart, now.getTime())) : now;
  // Claim the group first, so two people pressing Declare at once make one incident.
  const claim = db
    .update(alertGroups)
    .set({ handledVia: 'declaring', handledBy: input.declaredBy })
    .where(and(eq(alertGroups.id, g.id), isNull(alertGroups.incidentId), isNull(alertGroups.handledVia)))
    .run();
  if (claim.changes === 0) throw alreadyHandled(db, openGroup(db, g.id));
  let incident: Incident;
  try {
    incident = declareIncident(db, clock, {
      title,
      declaredBy: input.declaredBy,
      severity: g.severity,
      services,
      description,
      startedAt: started,
      ...(input.auto ? { leadId: null } : {}),
    });
  } catch (e) {
    db.update(alertGroups).set({ handledVia: null, handledBy: null }).where(eq(alertGroups.id, g.id)).run();
    throw e;
  }
  db.transaction((tx) => {
    tx.update(alertGroups).set({ handledVia: null }).where(eq(alertGroups.id, g.id)).run();
    attachInTx(
      tx,
      { ...g, incidentId: null },
      incident,
      input.auto ? 'auto' : 'declared',
      input.declaredBy,
      now,
    );
  });
  return incident;
}

/** Attach the group's alerts to an open incident. */
export function attachAlerts(
  db: Db,
  clock: Clock,
  input: { groupId: number; incidentId: number; userId: string },
): Incident {
  const g = openGroup(db, input.groupId);
  if (g.incidentId !== null) throw alreadyHandled(db, g);
  const incident = getIncidentById(db, input.incidentId);
  if (!incident) throw new DomainError('not_found', 'That incident no longer exists.');
  if (!isOpen(incident))
    throw new DomainError('invalid_state', `${incidentRef(incident)} is already ${incident.status}.`);
  // The card sits in a channel anyone may read: a private incident is never offered there, nor taken.
  if (incident.isPrivate)
    throw new DomainError('forbidden', 'Alerts can only be attached to public incidents from a card.');
  const now = clock.now();
  db.transaction((tx) => attachInTx(tx, g, incident, 'attached', input.userId, now));
  return incident;
}

/** Quiet the card for `minutes`: alerts are still stored and counted; the buttons come back after. */
export function dismissAlerts(
  db: Db,
  clock: Clock,
  input: { groupId: number; minutes: number; userId: string },
): { until: Date } {
  if (!(DISMISS_CHOICES_MIN as readonly number[]).includes(input.minutes))
    throw new DomainError('invalid_input', 'Pick one of the offered durations.');
  const g = openGroup(db, input.groupId);
  if (g.incidentId !== null) throw alreadyHandled(db, g);
  const until = new Date(clock.now().getTime() + input.minutes * 60_000);
  db.update(alertGroups)
    .set({ dismissedUntil: until, dismissedBy: input.userId, ...bump })
    .where(eq(alertGroups.id, g.id))
    .run();
  return { until };
}

/** Groups a route asked to declare at once, not declared yet and with an alert firing. */
export function autoDeclareDue(db: Db): AlertGroup[] {
  return db
    .select()
    .from(alertGroups)
    .where(
      and(
        eq(alertGroups.autoDeclare, true),
        isNull(alertGroups.incidentId),
        isNull(alertGroups.handledVia),
        sql`exists (select 1 from ${alerts} where ${alerts.groupId} = ${alertGroups.id} and ${alerts.status} = 'firing')`,
      ),
    )
    .all();
}

/**
 * Dismissals that ran out: cleared, and the card due again (its buttons come back). Returns how
 * many cards changed.
 */
export function expireDismissals(db: Db, clock: Clock): number {
  const now = clock.now();
  return db
    .update(alertGroups)
    .set({ dismissedUntil: null, ...bump })
    .where(and(isNotNull(alertGroups.dismissedUntil), lte(alertGroups.dismissedUntil, now)))
    .run().changes;
}
