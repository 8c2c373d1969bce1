import { eq } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { incidents } from '../db/schema.js';
import { addTimelineEvent } from '../incidents/add-timeline-event.js';
import { DomainError, invalid } from '../incidents/errors.js';
import { type FollowUp, type Incident, incidentRef, isOpen } from '../incidents/model.js';
import { loadIncident } from '../incidents/verb-helpers.js';
import type { Clock } from '../runtime/clock.js';
import type { IncidentChange } from '../runtime/hooks.js';
import {
  type FollowUpField,
  insertFollowUp,
  MAX_FOLLOW_UPS_IN_RESOLVE,
  type NewFollowUp,
  validateFollowUp,
} from './follow-ups.js';

/**
 * Resolving an incident: what fixed it, why it happened (or "not known yet", which keeps the lead
 * reminded), and the follow-ups that should stop it happening again, all in one transaction.
 *
 * Errors name logical fields (`RESOLVE_FIELD`); the modal maps them to its block_ids and the API to
 * its JSON paths, so neither has to read a message to know which input it was about.
 */
export const RESOLVE_FIELD = {
  resolution: 'resolution',
  rootCause: 'rootCause',
  category: 'category',
  factors: 'factors',
  services: 'services',
  resolvedAt: 'resolvedAt',
  /** The follow-ups as a whole (too many of them). */
  followUps: 'followUps',
  /** One input of the follow-up in row `n` (1-based, as the form shows it). */
  followUp: (n: number, part: FollowUpField = 'text') => `followUp:${n}:${part}`,
} as const;

/** The row and input a `RESOLVE_FIELD.followUp` field names, or null for any other field. */
export function followUpFieldOf(field: string): { row: number; part: FollowUpField } | null {
  const m = /^followUp:(\d+):(text|ownerId|dueDate)$/.exec(field);
  if (m?.[1] === undefined || m[2] === undefined) return null;
  return { row: Number(m[1]), part: m[2] as FollowUpField };
}

export const TEXT_MAX = 3000;
export const MAX_FACTORS = 20;
export const MAX_SERVICES = 20;

export interface ResolveInput {
  incidentId: number;
  userId: string;
  resolutionSummary: string;
  rootCause: string | null;
  rootCauseUnknown: boolean;
  category: string | null;
  contributingFactors: string[];
  services: string[];
  resolvedAt: Date;
  /** Rows of the modal, 1-based as shown; empty rows are dropped by the parser. */
  followUps: (NewFollowUp & { row: number })[];
  /** The timeline's capturedVia; default 'command' (the Slack form). */
  via?: string;
}

export interface ResolveResult {
  incident: Incident;
  before: Incident;
  followUps: FollowUp[];
  rootCauseSet: boolean;
  /** For the hooks: `resolved`, and `root_cause_set` when the incident now has a root cause. */
  incidentChanges: IncidentChange[];
}

const clean = (list: string[], max: number, field: string, what: string): string[] => {
  const out = [...new Set(list.map((s) => s.trim()).filter((s) => s.length > 0))];
  if (out.length > max) throw invalid(`List at most ${max} ${what}.`, field);
  if (out.some((s) => s.length > 200)) throw invalid(`Keep each of the ${what} under 200 characters.`, field);
  return out;
};

export function validateCategory(category: string | null, categories: readonly string[]): string | null {
  if (category === null || category === '') return null;
  if (!categories.includes(category)) throw invalid('Pick a category from the list.', RESOLVE_FIELD.category);
  return category;
}

export function resolveIncident(
  db: Db,
  clock: Clock,
  categories: readonly string[],
  input: ResolveInput,
): ResolveResult {
  const now = clock.now();
  const resolution = input.resolutionSummary.trim();
  if (resolution.length === 0)
    throw invalid('Say what fixed it, in a sentence or two.', RESOLVE_FIELD.resolution);
  if (resolution.length > TEXT_MAX)
    throw invalid('Keep it under 3,000 characters.', RESOLVE_FIELD.resolution);
  const rootCause = input.rootCause?.trim() ?? '';
  if (!input.rootCauseUnknown && rootCause.length === 0)
    throw invalid(
      'Write down the root cause, or tick “Not known yet” (you will be reminded until it is filled in).',
      RESOLVE_FIELD.rootCause,
    );
  if (rootCause.length > TEXT_MAX) throw invalid('Keep it under 3,000 characters.', RESOLVE_FIELD.rootCause);
  const category = validateCategory(input.category, categories);
  const factors = clean(
    input.contributingFactors,
    MAX_FACTORS,
    RESOLVE_FIELD.factors,
    'contributing factors',
  );
  const services = clean(input.services, MAX_SERVICES, RESOLVE_FIELD.services, 'services');
  if (input.resolvedAt.getTime() > now.getTime() + 60_000)
    throw invalid('The resolution time can’t be in the future.', RESOLVE_FIELD.resolvedAt);
  if (input.followUps.length > MAX_FOLLOW_UPS_IN_RESOLVE)
    throw invalid(
      `Add at most ${MAX_FOLLOW_UPS_IN_RESOLVE} follow-ups here; more with /incident followup.`,
      RESOLVE_FIELD.followUps,
    );
  const followUps = input.followUps.map((f) => ({
    ...validateFollowUp(f, (part) => RESOLVE_FIELD.followUp(f.row, part)),
  }));
  // A known root cause written with "not known yet" ticked: the text wins, nobody gets nagged.
  const pending = rootCause.length === 0;

  return db.transaction((tx) => {
    const before = loadIncident(tx, input.incidentId);
    if (!isOpen(before))
      throw new DomainError(
        'invalid_state',
        `${incidentRef(before)} is already ${before.status}. Reopen it first with /incident reopen.`,
      );
    if (input.resolvedAt.getTime() < before.startedAt.getTime())
      throw invalid(
        'The resolution time is before the incident started. Pick a later time.',
        RESOLVE_FIELD.resolvedAt,
      );
    const resolvedAt = input.resolvedAt;
    const incident = tx
      .update(incidents)
      .set({
        status: 'resolved',
        resolvedAt,
        // Resolved means mitigated too; an earlier mitigation (monitoring) keeps its own time.
        mitigatedAt:
          before.mitigatedAt && before.mitigatedAt.getTime() <= resolvedAt.getTime()
            ? before.mitigatedAt
            : resolvedAt,
        resolutionSummary: resolution,
        rootCauseSummary: pending ? before.rootCauseSummary : rootCause,
        rootCauseCategory: category ?? before.rootCauseCategory,
        contributingFactors: factors.length > 0 ? factors : before.contributingFactors,
        rootCausePending: pending && !before.rootCauseSummary,
        services,
        updatedAt: now,
      })
      .where(eq(incidents.id, before.id))
      .returning()
      .get();
    if (!incident) throw new Error('incident vanished during resolve');
    addTimelineEvent(tx, {
      incidentId: incident.id,
      kind: 'resolved',
      text: resolution,
      authorId: input.userId,
      data: {
        from: before.status,
        to: 'resolved',
        rootCausePending: incident.rootCausePending,
        backdated: resolvedAt.getTime() < now.getTime() - 60_000,
      },
      occurredAt: resolvedAt,
      recordedAt: now,
      capturedVia: input.via ?? 'command',
    });
    if (!pending) {
      addTimelineEvent(tx, {
        incidentId: incident.id,
        kind: 'root_cause',
        text: rootCause,
        authorId: input.userId,
        data: { category, factors },
        occurredAt: now,
        recordedAt: now,
        capturedVia: input.via ?? 'command',
      });
    }
    const created = followUps.map(
      (f) => insertFollowUp(tx, incident.id, f, input.userId, now, undefined, input.via).followUp,
    );
    const incidentChanges: IncidentChange[] = [{ kind: 'resolved', incidentId: incident.id }];
    if (incident.rootCauseSummary && !incident.rootCausePending)
      incidentChanges.push({ kind: 'root_cause_set', incidentId: incident.id });
    return { incident, before, followUps: created, rootCauseSet: !pending, incidentChanges };
  });
}
