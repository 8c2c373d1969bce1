import { eq } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { incidents } from '../db/schema.js';
import { addTimelineEvent } from '../incidents/add-timeline-event.js';
import { invalid } from '../incidents/errors.js';
import type { Incident } from '../incidents/model.js';
import { loadIncident } from '../incidents/verb-helpers.js';
import type { Clock } from '../runtime/clock.js';
import type { IncidentChange } from '../runtime/hooks.js';
import { DECLARE_FIELDS, DESCRIPTION_MAX, normalizeServices, validateTitle } from './declare.js';

/** What an incident is about; the recurrence engine re-checks when any of these change. */
export type DetailField = 'title' | 'services' | 'description';

export type DetailChange =
  | { field: 'title'; from: string; to: string }
  | { field: 'services'; from: string[]; to: string[] }
  | { field: 'description'; from: string; to: string };

export interface EditDetailsInput {
  incidentId: number;
  userId: string;
  /** Only the fields given are changed. */
  title?: string;
  services?: readonly string[];
  description?: string;
  capturedVia?: 'command' | 'modal';
}

export interface EditDetails {
  incident: Incident;
  /** Empty when nothing differed. */
  changes: DetailChange[];
  /** For the hooks: `updated` with the changed fields, none when nothing changed. */
  incidentChanges: IncidentChange[];
}

export function validateDescription(raw: string): string {
  const description = raw.trim();
  if (description.length > DESCRIPTION_MAX) {
    throw invalid(
      `The description can be at most ${DESCRIPTION_MAX} characters (it has ${description.length}).`,
      DECLARE_FIELDS.description,
    );
  }
  return description;
}

const sameList = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && a.every((x, i) => x === b[i]);

/** For a timeline line: the old and new text, each cut so the entry stays readable. */
const quote = (s: string) => (s ? `“${s.length > 200 ? `${s.slice(0, 199)}…` : s}”` : '(none)');
const listText = (l: readonly string[]) => (l.length ? l.join(', ') : '(none)');

/**
 * Changes an incident's title, services and/or description (open or not: better details help the
 * postmortem and recurrence search). One timeline event per changed field, with from and to.
 * Everything is validated before anything is written.
 */
export function editIncidentDetails(db: Db, clock: Clock, input: EditDetailsInput): EditDetails {
  const title = input.title === undefined ? undefined : validateTitle(input.title, DECLARE_FIELDS.title);
  const services = input.services === undefined ? undefined : normalizeServices(input.services);
  const description = input.description === undefined ? undefined : validateDescription(input.description);
  const now = clock.now();
  const via = input.capturedVia ?? 'command';
  return db.transaction((tx) => {
    const before = loadIncident(tx, input.incidentId);
    const changes: DetailChange[] = [];
    if (title !== undefined && title !== before.title) {
      changes.push({ field: 'title', from: before.title, to: title });
    }
    if (services !== undefined && !sameList(services, before.services)) {
      changes.push({ field: 'services', from: before.services, to: services });
    }
    if (description !== undefined && description !== before.description) {
      changes.push({ field: 'description', from: before.description, to: description });
    }
    if (changes.length === 0) return { incident: before, changes, incidentChanges: [] };
    const incident =
      tx
        .update(incidents)
        .set({
          ...(title !== undefined ? { title } : {}),
          ...(services !== undefined ? { services } : {}),
          ...(description !== undefined ? { description } : {}),
          updatedAt: now,
        })
        .where(eq(incidents.id, before.id))
        .returning()
        .get() ?? before;
    for (const c of changes) {
      const text =
        c.field === 'title'
          ? `Renamed to: ${c.to}`
          : c.field === 'services'
            ? `Services: ${listText(c.from)} → ${listText(c.to)}`
            : `Description: ${quote(c.from)} → ${quote(c.to)}`;
      addTimelineEvent(tx, {
        incidentId: before.id,
        kind: c.field === 'title' ? 'renamed' : c.field,
        text,
        authorId: input.userId,
        data: { from: c.from, to: c.to },
        occurredAt: now,
        recordedAt: now,
        capturedVia: via,
      });
    }
    return {
      incident,
      changes,
      incidentChanges: [{ kind: 'updated', incidentId: incident.id, fields: changes.map((c) => c.field) }],
    };
  });
}

/**
 * `a, b, c` as typed after `/incident services`: comma- or newline-separated; `-` or `none`
 * alone clears the list.
 */
export function parseServicesText(text: string): string[] {
  const t = text.trim();
  if (t === '-' || t.toLowerCase() === 'none') return [];
  return t
    .split(/[,\n]/)
    .map((s) => s.trim())
    .filter(Boolean);
}
