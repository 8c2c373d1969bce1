import type { followUps, incidents, timelineEvents } from '../db/schema.js';

export type Incident = typeof incidents.$inferSelect;
export type NewIncident = typeof incidents.$inferInsert;
export type TimelineEvent = typeof timelineEvents.$inferSelect;
export type FollowUp = typeof followUps.$inferSelect;

export const SEVERITIES = [1, 2, 3, 4] as const;
export type Severity = (typeof SEVERITIES)[number];

/** One line each, shown next to the choice in modals and in help. */
export const SEVERITY_MEANING: Record<Severity, string> = {
  1: 'Critical: customers broadly affected, all hands',
  2: 'Major: a key feature down or degraded for many',
  3: 'Minor: limited impact, a workaround exists',
  4: 'Low: cosmetic or internal, no customer impact',
};

export const DEFAULT_SEVERITY: Severity = 3;

export const OPEN_STATUSES = ['investigating', 'identified', 'monitoring'] as const;
export type OpenStatus = (typeof OPEN_STATUSES)[number];
export const STATUSES = [...OPEN_STATUSES, 'resolved', 'closed'] as const;
export type Status = (typeof STATUSES)[number];

export const ROLES = ['comms', 'scribe'] as const;
export type Role = (typeof ROLES)[number];

/** What names an incident: its INC number, or for imported history its key in the tool it came from. */
export type IncidentRefFields = Pick<Incident, 'number'> &
  Partial<Pick<Incident, 'imported' | 'externalKey' | 'importSource'>>;

/**
 * `INC-12`, or `OPS-123` for an incident imported from another tool: imported history has no INC
 * number (schema.ts), so it is named by its external key, or `imported #n` when the export had none.
 */
export const incidentRef = (i: IncidentRefFields): string => {
  if (i.imported || i.number < 0) return i.externalKey ?? `imported #${Math.abs(i.number)}`;
  return `INC-${i.number}`;
};
export const severityLabel = (s: number): string => `SEV${s}`;
export const statusLabel = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);
export const isOpen = (i: Pick<Incident, 'status'>): boolean =>
  (OPEN_STATUSES as readonly string[]).includes(i.status);

/** Parses "INC-12", "inc-12", "#12" or "12" into 12. */
export function parseIncidentRef(text: string): number | null {
  const m = /^(?:inc-?|#)?(\d{1,9})$/i.exec(text.trim());
  return m?.[1] !== undefined ? Number(m[1]) : null;
}

export function isSeverity(n: number): n is Severity {
  return (SEVERITIES as readonly number[]).includes(n);
}
