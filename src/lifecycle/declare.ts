import { sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { incidents } from '../db/schema.js';
import { addTimelineEvent, messageSourceKey } from '../incidents/add-timeline-event.js';
import { DomainError, invalid } from '../incidents/errors.js';
import {
  DEFAULT_SEVERITY,
  type Incident,
  incidentRef,
  isSeverity,
  severityLabel,
} from '../incidents/model.js';
import type { Clock } from '../runtime/clock.js';
import type { IncidentChange } from '../runtime/hooks.js';

export const TITLE_MAX = 150;
export const DESCRIPTION_MAX = 3000;
export const SERVICE_MAX = 60;
export const SERVICES_MAX = 20;

/** The Slack message an incident is declared from (message shortcut). */
export interface DeclareSource {
  channel: string;
  ts: string;
  text: string;
  authorId?: string | null;
  permalink?: string | null;
}

export interface DeclareInput {
  title: string;
  declaredBy: string;
  severity?: number;
  services?: readonly string[];
  description?: string;
  /** Defaults to the declarer; `null` means nobody leads yet (the first to acknowledge will). */
  leadId?: string | null;
  isPrivate?: boolean;
  /** When impact started; defaults to now, never in the future. */
  startedAt?: Date | null;
  source?: DeclareSource | null;
  /** The timeline's capturedVia for the `declared` entry; default 'declare' (Slack). */
  via?: string;
  /** The caller's own id for it (unique; the API's Idempotency-Key): a second declare with it fails. */
  externalId?: string | null;
}

/** Field names for errors: they equal the declare modal's block_ids. */
export const DECLARE_FIELDS = {
  title: 'title',
  severity: 'severity',
  services: 'services',
  description: 'description',
  startedAt: 'started_at',
} as const;

/** Cleans a list of service tags: trimmed, case-insensitively unique, in the order given. */
export function normalizeServices(list: readonly string[]): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const raw of list) {
    const s = raw.trim().replace(/\s+/g, ' ');
    if (!s || seen.has(s.toLowerCase())) continue;
    if (s.length > SERVICE_MAX) {
      throw invalid(`A service name can be at most ${SERVICE_MAX} characters.`, DECLARE_FIELDS.services);
    }
    seen.add(s.toLowerCase());
    out.push(s);
  }
  if (out.length > SERVICES_MAX) {
    throw invalid(`At most ${SERVICES_MAX} services per incident.`, DECLARE_FIELDS.services);
  }
  return out;
}

export function validateTitle(raw: string, field: string = DECLARE_FIELDS.title): string {
  const title = raw.trim().replace(/\s+/g, ' ');
  if (!title) throw invalid('Give the incident a title: what is broken, for whom?', field);
  if (Array.from(title).length > TITLE_MAX) {
    throw invalid(
      `The title can be at most ${TITLE_MAX} characters (it has ${Array.from(title).length}).`,
      field,
    );
  }
  return title;
}

/** A Slack message ts ("1700000000.000100") as a Date. */
export const tsToDate = (ts: string): Date => new Date(Math.round(Number(ts) * 1000));

/**
 * What a declare changed, for the hooks. Published by the Slack setup once the channel exists, not
 * right after declareIncident: the setup may finish much later (Retry, the resume job), without
 * the verb's result at hand, so it is rebuilt from the incident.
 */
export function declaredChanges(incident: Pick<Incident, 'id'>): IncidentChange[] {
  return [{ kind: 'declared', incidentId: incident.id }];
}

/**
 * Stores a new incident with the next INC number and its first timeline entries ("declared", and
 * the message it came from). Slack work (channel, summary, announcement) follows after commit.
 */
export function declareIncident(db: Db, clock: Clock, input: DeclareInput): Incident {
  const now = clock.now();
  const title = validateTitle(input.title);
  const severity = input.severity ?? DEFAULT_SEVERITY;
  if (!isSeverity(severity)) throw invalid('Severity is 1 (critical) to 4 (low).', DECLARE_FIELDS.severity);
  const services = normalizeServices(input.services ?? []);
  const description = (input.description ?? '').trim();
  if (description.length > DESCRIPTION_MAX) {
    throw invalid(
      `The description can be at most ${DESCRIPTION_MAX} characters.`,
      DECLARE_FIELDS.description,
    );
  }
  const startedAt = input.startedAt ?? now;
  if (Number.isNaN(startedAt.getTime())) throw invalid('That is not a time.', DECLARE_FIELDS.startedAt);
  if (startedAt.getTime() > now.getTime()) {
    throw invalid('Impact can’t start in the future.', DECLARE_FIELDS.startedAt);
  }
  const leadId = input.leadId === undefined ? input.declaredBy : input.leadId;
  const source = input.source ?? null;

  return db.transaction((tx) => {
    const next = tx
      .select({ n: sql<number>`coalesce(max(${incidents.number}), 0) + 1` })
      .from(incidents)
      // Imported history has numbers <= -1 (schema.ts): it never moves the next INC.
      .where(sql`${incidents.number} > 0`)
      .get();
    const number = next?.n ?? 1;
    const incident = tx
      .insert(incidents)
      .values({
        number,
        title,
        description,
        severity,
        status: 'investigating',
        isPrivate: input.isPrivate === true,
        services,
        declaredBy: input.declaredBy,
        leadId,
        sourceChannel: source?.channel ?? null,
        sourceTs: source?.ts ?? null,
        sourcePermalink: source?.permalink ?? null,
        externalId: input.externalId ?? null,
        startedAt,
        declaredAt: now,
        createdAt: now,
        updatedAt: now,
      })
      .returning()
      .get();
    if (!incident) throw new DomainError('conflict', 'The incident could not be stored; try again.');
    if (source) {
      addTimelineEvent(tx, {
        incidentId: incident.id,
        kind: 'message',
        text: source.text,
        authorId: source.authorId ?? null,
        occurredAt: tsToDate(source.ts),
        recordedAt: now,
        sourceChannel: source.channel,
        sourceTs: source.ts,
        permalink: source.permalink ?? null,
        sourceKey: messageSourceKey(source.channel, source.ts),
        capturedVia: 'declare',
      });
    }
    addTimelineEvent(tx, {
      incidentId: incident.id,
      kind: 'declared',
      text: `${incidentRef(incident)} declared as ${severityLabel(severity)}: ${title}`,
      authorId: input.declaredBy,
      data: {
        title,
        severity,
        services,
        isPrivate: incident.isPrivate,
        leadId,
        startedAt: startedAt.toISOString(),
      },
      occurredAt: now,
      recordedAt: now,
      capturedVia: input.via ?? 'declare',
    });
    return incident;
  });
}
