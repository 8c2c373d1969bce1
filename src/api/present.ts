import { type Incident, incidentRef, type TimelineEvent } from '../incidents/model.js';
import type { IncidentOut, TimelineEntryOut } from './schemas.js';

/** Stored rows as the API shows them (schemas.ts): ISO times, snake_case, nothing Slack-internal. */

const iso = (d: Date | null): string | null => (d === null ? null : d.toISOString());

export function incidentOut(i: Incident): IncidentOut {
  return {
    number: i.number,
    ref: incidentRef(i),
    title: i.title,
    description: i.description,
    severity: i.severity,
    status: i.status as IncidentOut['status'],
    private: i.isPrivate,
    services: i.services,
    channel_id: i.channelId,
    channel_name: i.channelName,
    setup_error: i.setupError,
    declared_by: i.declaredBy,
    lead: i.leadId,
    started_at: i.startedAt.toISOString(),
    declared_at: i.declaredAt.toISOString(),
    acknowledged_at: iso(i.acknowledgedAt),
    mitigated_at: iso(i.mitigatedAt),
    resolved_at: iso(i.resolvedAt),
    closed_at: iso(i.closedAt),
    root_cause_summary: i.rootCauseSummary,
    root_cause_category: i.rootCauseCategory,
    resolution_summary: i.resolutionSummary,
  };
}

export function timelineEntryOut(e: TimelineEvent): TimelineEntryOut {
  return {
    id: e.id,
    kind: e.kind,
    text: e.text,
    author: e.authorId,
    via: e.capturedVia,
    occurred_at: e.occurredAt.toISOString(),
    recorded_at: e.recordedAt.toISOString(),
    data: e.data ?? null,
    permalink: e.permalink,
    redacted: e.redacted,
    removed_at: iso(e.removedAt),
  };
}
