import { and, count, desc, eq, inArray, lt, notInArray, type SQL } from 'drizzle-orm';
import type { z } from 'zod';
import type { Db } from '../db/client.js';
import { incidents, timelineEvents } from '../db/schema.js';
import { DomainError, isDomainError } from '../incidents/errors.js';
import { type Incident, OPEN_STATUSES, parseIncidentRef, type TimelineEvent } from '../incidents/model.js';
import { getIncidentByNumber } from '../incidents/queries.js';
import { type AssignableRole, assignRole } from '../lifecycle/assign-role.js';
import { declareIncident } from '../lifecycle/declare.js';
import { getRoles } from '../lifecycle/roles.js';
import { setSeverity } from '../lifecycle/set-severity.js';
import { updateStatus } from '../lifecycle/update-status.js';
import type { FollowUpField } from '../resolution/follow-ups.js';
import { reopenIncident } from '../resolution/reopen.js';
import { followUpFieldOf, RESOLVE_FIELD, resolveIncident } from '../resolution/resolve.js';
import type { Clock } from '../runtime/clock.js';
import { addNote, NOTE_FIELD } from '../timeline/add-note.js';
import { PRESENCE_KINDS } from '../timeline/page.js';
import type { ApiEffects } from './effects.js';
import type {
  DeclareRequestSchema,
  ListQuery,
  NoteRequestSchema,
  ReopenRequestSchema,
  ResolveRequestSchema,
  RolesRequestSchema,
  SeverityRequestSchema,
  StatusRequestSchema,
  TimelineQuery,
} from './schemas.js';

/**
 * What the API does, on top of the same verbs Slack uses. Every change is written by the verb in its
 * own transaction (stored before the answer), recorded on the timeline with the author "API" and
 * `via: api`, and its Slack side (channel, notices, summary) runs after commit through ApiEffects.
 */

/** The timeline author of every change made through the API (mention() shows it as plain text). */
export const API_ACTOR = 'API';
/** The timeline's capturedVia for entries made through the API. */
export const API_VIA = 'api';

/** What the caller's token may see. */
export interface ApiScope {
  /** API_PRIVATE_TOKEN: private incidents are listed and readable, and may be declared. */
  private: boolean;
}

/** An answer other than 2xx, with the HTTP status it maps to. */
export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly status: number,
    message: string,
    readonly issues?: { path: string; message: string }[],
  ) {
    super(message);
  }
}

const notFound = (ref: string) => new ApiError(404, `There is no incident ${ref}.`);

/** The incident a path names ("12" or "INC-12"), if this token may see it; private ones are 404 too. */
export function visibleIncident(db: Db, scope: ApiScope, ref: string): Incident {
  const n = parseIncidentRef(ref);
  const incident = n === null ? undefined : getIncidentByNumber(db, n);
  // The same answer for private and missing: the API must not confirm a private incident exists.
  if (!incident || (incident.isPrivate && !scope.private)) throw notFound(ref);
  return incident;
}

// Cursors are opaque to clients; inside, the last number shown (incidents) or an offset (timeline).
const encodeCursor = (prefix: string, n: number) => Buffer.from(`${prefix}:${n}`).toString('base64url');
function decodeCursor(prefix: string, cursor: string | undefined): number | null {
  if (cursor === undefined) return null;
  const m = new RegExp(`^${prefix}:(\\d{1,12})$`).exec(Buffer.from(cursor, 'base64url').toString());
  if (!m?.[1]) {
    throw new ApiError(400, 'cursor is not one this API gave out; pass next_cursor unchanged', [
      { path: 'cursor', message: 'unknown cursor' },
    ]);
  }
  return Number(m[1]);
}

/** Newest first (by number), filtered; private incidents only for the private token. */
export function listIncidents(
  db: Db,
  scope: ApiScope,
  q: ListQuery,
): { incidents: Incident[]; nextCursor: string | null } {
  // Imported history has no INC number (its numbers are below zero, schema.ts): not listed here.
  const where: SQL[] = [eq(incidents.imported, false)];
  if (!scope.private) where.push(eq(incidents.isPrivate, false));
  if (q.status) {
    const statuses = q.status.flatMap((s) => (s === 'open' ? [...OPEN_STATUSES] : [s]));
    where.push(inArray(incidents.status, statuses));
  }
  if (q.severity) where.push(inArray(incidents.severity, q.severity));
  const before = decodeCursor('n', q.cursor);
  if (before !== null) where.push(lt(incidents.number, before));
  const rows = db
    .select()
    .from(incidents)
    .where(and(...where))
    .orderBy(desc(incidents.number))
    .limit(q.limit + 1)
    .all();
  const page = rows.slice(0, q.limit);
  const last = page.at(-1);
  return {
    incidents: page,
    nextCursor: rows.length > q.limit && last ? encodeCursor('n', last.number) : null,
  };
}

/** The timeline in the order things happened, joins and leaves left out as in Slack's view. */
export function timelineOf(
  db: Db,
  incident: Incident,
  q: TimelineQuery,
): { entries: TimelineEvent[]; nextCursor: string | null } {
  const offset = decodeCursor('o', q.cursor) ?? 0;
  const shown = and(
    eq(timelineEvents.incidentId, incident.id),
    notInArray(timelineEvents.kind, [...PRESENCE_KINDS]),
  );
  const entries = db
    .select()
    .from(timelineEvents)
    .where(shown)
    .orderBy(timelineEvents.occurredAt, timelineEvents.id)
    .limit(q.limit)
    .offset(offset)
    .all();
  const total = db.select({ n: count() }).from(timelineEvents).where(shown).get()?.n ?? 0;
  const next = offset + entries.length;
  return { entries, nextCursor: next < total ? encodeCursor('o', next) : null };
}

type Deps = { db: Db; clock: Clock; effects: ApiEffects; categories: readonly string[] };

/** Idempotency keys live in incidents.external_id, beside imported records' ids, under their own prefix. */
export const idempotencyId = (key: string): string => `api:${key}`;

function declaredWithKey(db: Db, scope: ApiScope, key: string): Incident | undefined {
  const found = db
    .select()
    .from(incidents)
    .where(eq(incidents.externalId, idempotencyId(key)))
    .get();
  if (found?.isPrivate && !scope.private) {
    // Not 200 with a private incident's details, and not a second incident either.
    throw new ApiError(409, 'That Idempotency-Key was already used for another declare.');
  }
  return found;
}

const isUniqueViolation = (e: unknown): boolean =>
  (e as { code?: string })?.code === 'SQLITE_CONSTRAINT_UNIQUE';

/**
 * Declares, or with an Idempotency-Key already used, answers with the incident that key declared:
 * a pager or pipeline that retries after a lost answer gets the same incident, not a second channel.
 */
export function declareViaApi(
  deps: Deps,
  scope: ApiScope,
  body: z.output<typeof DeclareRequestSchema>,
  key?: string,
): { incident: Incident; replayed: boolean } {
  if (body.private === true && !scope.private) {
    throw new ApiError(
      403,
      'Declaring a private incident needs API_PRIVATE_TOKEN: with API_TOKEN it could not be read back.',
    );
  }
  if (key !== undefined) {
    const earlier = declaredWithKey(deps.db, scope, key);
    if (earlier) {
      // Slack refused its setup the first time (no one to DM: the API declared it): the retry resumes
      // it, and the keyed setup steps make no second channel or announcement.
      if (earlier.setupError !== null) deps.effects.declared(earlier.id);
      return { incident: earlier, replayed: true };
    }
  }
  let incident: Incident;
  try {
    incident = refusingAsApi(() => declareWith(deps, body, key));
  } catch (e) {
    // Two requests with one key at once: the transaction of the second rolled back; answer with the first.
    const earlier =
      key !== undefined && isUniqueViolation(e) ? declaredWithKey(deps.db, scope, key) : undefined;
    if (earlier) return { incident: earlier, replayed: true };
    throw e;
  }
  deps.effects.declared(incident.id);
  return { incident, replayed: false };
}

function declareWith(
  deps: Deps,
  body: z.output<typeof DeclareRequestSchema>,
  key: string | undefined,
): Incident {
  return declareIncident(deps.db, deps.clock, {
    title: body.title,
    declaredBy: API_ACTOR,
    ...(body.severity !== undefined ? { severity: body.severity } : {}),
    services: body.services ?? [],
    description: body.description ?? '',
    leadId: body.lead ?? null,
    isPrivate: body.private === true,
    startedAt: body.started_at !== undefined ? new Date(body.started_at) : null,
    via: API_VIA,
    externalId: key !== undefined ? idempotencyId(key) : null,
  });
}

export function changeStatusViaApi(
  deps: Deps,
  incident: Incident,
  body: z.output<typeof StatusRequestSchema>,
): { incident: Incident; changed: boolean } {
  const r = refusingAsApi(() =>
    updateStatus(deps.db, deps.clock, {
      incidentId: incident.id,
      status: body.status,
      userId: API_ACTOR,
      via: API_VIA,
    }),
  );
  if (r.changed) deps.effects.statusChanged(incident.id, r.from, r.to);
  return { incident: r.incident, changed: r.changed };
}

export function changeSeverityViaApi(
  deps: Deps,
  incident: Incident,
  body: z.output<typeof SeverityRequestSchema>,
): { incident: Incident; changed: boolean } {
  const r = refusingAsApi(() =>
    setSeverity(deps.db, deps.clock, {
      incidentId: incident.id,
      severity: body.severity,
      userId: API_ACTOR,
      via: API_VIA,
    }),
  );
  if (r.changed) deps.effects.severityChanged(incident.id, r.from, r.to);
  return { incident: r.incident, changed: r.changed };
}

/**
 * A note from the API, through the verb `/incident note` uses (the same text and time rules). Unlike
 * the command it takes an exact instant (`occurred_at`), not a wall-clock time in someone's zone, so
 * the verb reads no text and shows times in UTC. A refusal names the request's field.
 */
export function addNoteViaApi(
  deps: Deps,
  incident: Incident,
  body: z.output<typeof NoteRequestSchema>,
): TimelineEvent {
  const { event, incidentChanges } = refusingAsApi(() =>
    addNote(deps.db, deps.clock, {
      incident,
      authorId: API_ACTOR,
      tz: 'UTC',
      text: body.text,
      ...(body.occurred_at !== undefined ? { occurredAt: new Date(body.occurred_at) } : {}),
      capturedVia: API_VIA,
    }),
  );
  deps.effects.publish(incidentChanges);
  return event;
}

/** The follow-up inputs' names in the request (the verb names them as the Slack form does). */
const FOLLOW_UP_PATH: Record<FollowUpField, string> = { text: 'text', ownerId: 'owner', dueDate: 'due_date' };

/** The verbs' field names (the Slack form's and the note verb's) as the request's JSON paths. */
function apiField(field: string): string {
  const followUp = followUpFieldOf(field);
  if (followUp) return `follow_ups.${followUp.row - 1}.${FOLLOW_UP_PATH[followUp.part]}`;
  const map: Record<string, string> = {
    [NOTE_FIELD.occurredAt]: 'occurred_at',
    [NOTE_FIELD.text]: 'text',
    [RESOLVE_FIELD.resolution]: 'resolution',
    [RESOLVE_FIELD.rootCause]: 'root_cause.summary',
    [RESOLVE_FIELD.category]: 'root_cause.category',
    [RESOLVE_FIELD.factors]: 'root_cause.contributing_factors',
    [RESOLVE_FIELD.services]: 'services',
    [RESOLVE_FIELD.resolvedAt]: 'resolved_at',
    [RESOLVE_FIELD.followUps]: 'follow_ups',
  };
  return map[field] ?? field;
}

/** The API's own words for a refused field, where the verb's are the Slack form's (e.g. "pick from the list"). */
type ApiWords = (path: string) => string | undefined;

/**
 * A refusal of one input (a verb's, or checkPerson's), as every endpoint says it: the field is the
 * request's JSON path, and the message starts with it, `path: words` (the verb's own words are written
 * for the Slack surface, which shows them under the field). Other errors pass unchanged.
 */
function asApiRefusal(e: unknown, words?: ApiWords): unknown {
  if (!isDomainError(e) || e.code !== 'invalid_input' || e.field === undefined) return e;
  const path = apiField(e.field);
  return new DomainError('invalid_input', `${path}: ${words?.(path) ?? e.message}`, path);
}

/** `work`, its refusals said as the API says them (asApiRefusal). */
function refusingAsApi<T>(work: () => T, words?: ApiWords): T {
  try {
    return work();
  } catch (e) {
    throw asApiRefusal(e, words);
  }
}

/** The same for asynchronous work (checkPerson asks Slack). */
async function refusingAsApiAsync(work: () => Promise<void>): Promise<void> {
  try {
    await work();
  } catch (e) {
    throw asApiRefusal(e);
  }
}

/**
 * Resolves through the verb the Slack form uses (same rules, same transaction, same follow-ups and
 * root-cause reminders), then the same resolution message and surface updates. A refusal names the
 * request's field; the category one lists the allowed values, which the form shows as a menu.
 */
export async function resolveViaApi(
  deps: Deps,
  incident: Incident,
  body: z.output<typeof ResolveRequestSchema>,
) {
  const followUps = body.follow_ups ?? [];
  for (const [i, f] of followUps.entries()) {
    const owner = f.owner;
    if (owner !== undefined) {
      await refusingAsApiAsync(() => deps.effects.checkPerson(incident, owner, `follow_ups.${i}.owner`));
    }
  }
  // The form shows the categories as a menu; the API caller sees them only here.
  const words: ApiWords = (path) =>
    path === 'root_cause.category'
      ? `${JSON.stringify(body.root_cause.category ?? '')} is not a category; use one of: ${deps.categories.join(', ')}.`
      : undefined;
  const result = refusingAsApi(
    () =>
      resolveIncident(deps.db, deps.clock, deps.categories, {
        incidentId: incident.id,
        userId: API_ACTOR,
        resolutionSummary: body.resolution,
        rootCause: body.root_cause.summary ?? null,
        rootCauseUnknown: body.root_cause.not_known_yet === true,
        category: body.root_cause.category ?? null,
        contributingFactors: body.root_cause.contributing_factors ?? [],
        services: body.services ?? incident.services,
        resolvedAt: body.resolved_at !== undefined ? new Date(body.resolved_at) : deps.clock.now(),
        followUps: followUps.map((f, i) => ({
          row: i + 1,
          text: f.text,
          ownerId: f.owner ?? null,
          dueDate: f.due_date ?? null,
        })),
        via: API_VIA,
      }),
    words,
  );
  deps.effects.resolved(result.incident.id, result.incidentChanges);
  return result;
}

/** The verb names its one input `reason` (REOPEN_FIELD), the request's own key; its refusal reads `reason: …`. */
export function reopenViaApi(deps: Deps, incident: Incident, body: z.output<typeof ReopenRequestSchema>) {
  const r = refusingAsApi(() =>
    reopenIncident(deps.db, deps.clock, {
      incidentId: incident.id,
      userId: API_ACTOR,
      ...(body.reason !== undefined ? { reason: body.reason } : {}),
      via: API_VIA,
    }),
  );
  deps.effects.reopened(r.incident.id, body.reason?.trim() ?? '', r.incidentChanges);
  return r;
}

const ROLE_ORDER = ['lead', 'comms', 'scribe'] as const;

/**
 * Sets the named roles, one verb call each (as `/incident lead` and `/incident role` do): every
 * person is checked first (a person, not an app; in a private incident, a member of its channel),
 * so a refused one changes nothing.
 */
export async function setRolesViaApi(
  deps: Deps,
  incident: Incident,
  body: z.output<typeof RolesRequestSchema>,
) {
  const wanted = ROLE_ORDER.flatMap((role) => {
    const who = body[role];
    return who !== undefined ? [{ role, who }] : [];
  });
  for (const { role, who } of wanted) {
    await refusingAsApiAsync(() => deps.effects.checkPerson(incident, who, role));
  }
  const changed: AssignableRole[] = [];
  let current = incident;
  for (const { role, who } of wanted) {
    const r = refusingAsApi(() =>
      assignRole(deps.db, deps.clock, {
        incidentId: incident.id,
        role,
        userId: who,
        by: API_ACTOR,
        via: API_VIA,
      }),
    );
    current = r.incident;
    if (r.changed) {
      changed.push(role);
      deps.effects.roleChanged(incident.id, role, who);
    }
  }
  const roles = getRoles(deps.db, incident.id);
  return {
    incident: current,
    roles: { lead: current.leadId, comms: roles.comms ?? null, scribe: roles.scribe ?? null },
    changed,
  };
}
